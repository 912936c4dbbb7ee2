package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
)

// seedHistory registers organisation org, renames it and verifies it
// (three events), as an admin and a coordinator.
func seedHistory(t *testing.T, sf storeFlags, orgs ...string) {
	t.Helper()
	ctx := context.Background()
	s, err := openStore(ctx, sf, true, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmds := domain.NewCommands(s)
	admin := domain.Actor{ID: "token:adm1", Role: domain.RoleAdmin}
	coord := domain.Actor{ID: "token:coo1", Role: domain.RoleCoordinator}
	profile := func(name string) domain.OrganisationProfile {
		return domain.OrganisationProfile{Name: name, Kind: "sme", Country: "PL",
			Address: domain.Address{City: "Zgorzelec", Country: "PL"}, Languages: []string{"pl"}, Description: domain.Text{PL: "Testowa organizacja"}}
	}
	for _, org := range orgs {
		steps := []struct {
			actor  domain.Actor
			decide domain.Decider[domain.Organisation]
		}{
			{admin, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.RegisterOrganisation{Profile: profile("Historia " + org)}.Decide(o, org, admin, now)
			}},
			{admin, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.UpdateOrganisation{Profile: profile("Historia " + org + " S.A.")}.Decide(o, admin, now)
			}},
			{coord, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.VerifyOrganisation{}.Decide(o, coord, now)
			}},
		}
		for i, st := range steps {
			req := domain.Request{Actor: st.actor, CorrelationID: "corr-" + org + "-" + string(rune('1'+i))}
			if _, err := domain.Execute(ctx, cmds, domain.OrganisationKind, org, req, st.decide); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestHistoryCommands(t *testing.T) {
	for _, mode := range []string{"embedded", "postgres"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			store := "embedded"
			if mode == "postgres" {
				store = pgtest.NewDatabase(t)
			}
			sf := storeFlags{Store: store, DataDir: dir, LogLevel: "info"}
			seedHistory(t, sf, "o1", "o2")
			cli := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(context.Background(), append(append([]string{"history"}, args...), "--store", store, "--data-dir", dir), &out, &errOut)
				return code, out.String(), errOut.String()
			}

			// One stream, as a table and as JSON Lines.
			code, out, errOut := cli("stream", "organisation-o1")
			if code != 0 {
				t.Fatalf("stream: exit %d: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 4 || !regexpMatch(`^VERSION\s+TIME\s+TYPE\s+ACTOR\s+CORRELATION`, lines[0]) ||
				!regexpMatch(`^3\s+\S+Z\s+OrganisationVerified\s+token:coo1 \(coordinator\)\s+corr-o1-3$`, lines[3]) {
				t.Errorf("stream table:\n%s", out)
			}
			code, out, _ = cli("stream", "organisation-o1", "--json")
			var evs []domain.Event
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var ev domain.Event
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatalf("not JSON Lines: %v\n%s", err, out)
				}
				evs = append(evs, ev)
			}
			if code != 0 || len(evs) != 3 || evs[1].Type != "OrganisationUpdated" || evs[1].CorrelationID != "corr-o1-2" {
				t.Fatalf("stream --json: exit %d\n%s", code, out)
			}
			// --as-of, with the ID after the flags too.
			code, out, _ = cli("stream", "--as-of", evs[1].RecordedAt.Format(time.RFC3339Nano), "organisation-o1")
			if code != 0 || len(strings.Split(strings.TrimSpace(out), "\n")) != 3 {
				t.Errorf("stream --as-of: exit %d\n%s", code, out)
			}
			if code, _, errOut := cli("stream", "organisation-o1", "--as-of", "2000-01-01"); code != 1 || !strings.Contains(errOut, "no events recorded at or before") {
				t.Errorf("as of before the stream: exit %d: %s", code, errOut)
			}

			// The log, filtered.
			code, out, errOut = cli("log", "--type", "OrganisationVerified,OrganisationUpdated", "--actor", "COORDINATOR")
			lines = strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != 3 || !strings.Contains(lines[1], "organisation-o1") || !strings.Contains(lines[2], "organisation-o2") {
				t.Errorf("log --type --actor: exit %d\n%s%s", code, out, errOut)
			}
			code, out, _ = cli("log", "--stream", "organisation-o2", "--json")
			if n := strings.Count(out, "\n"); code != 0 || n != 3 || !strings.Contains(out, `"stream_id":"organisation-o2"`) {
				t.Errorf("log --stream --json: exit %d, %d lines\n%s", code, n, out)
			}
			code, out, _ = cli("log", "--stream-prefix", "organisation-", "--from", evs[0].RecordedAt.Format(time.RFC3339Nano), "--to", evs[2].RecordedAt.Format(time.RFC3339Nano), "--json")
			if n := strings.Count(out, "\n"); code != 0 || n != 2 {
				t.Errorf("log --from --to: exit %d, %d lines\n%s", code, n, out)
			}
			// Paging by hand: --limit, then --after the printed position.
			code, out, errOut = cli("log", "--stream-prefix", "organisation-", "--limit", "4", "--json")
			if n := strings.Count(out, "\n"); code != 0 || n != 4 || !strings.Contains(errOut, "--after ") {
				t.Fatalf("log --limit: exit %d, %d lines\n%s%s", code, n, out, errOut)
			}
			next := strings.TrimSpace(errOut[strings.Index(errOut, "--after ")+len("--after "):])
			code, out, errOut = cli("log", "--stream-prefix", "organisation-", "--after", next, "--json")
			if n := strings.Count(out, "\n"); code != 0 || n != 2 || errOut != "" {
				t.Errorf("log --after %s: exit %d, %d lines\n%s%s", next, code, n, out, errOut)
			}
			if code, _, errOut := cli("log", "--type", "OrganisationBurned"); code != 2 || !strings.Contains(errOut, `--type OrganisationBurned`) {
				t.Errorf("unknown type: exit %d: %s", code, errOut)
			}
			if code, _, errOut := cli("log", "--from", "yesterday"); code != 2 || !strings.Contains(errOut, "RFC 3339") {
				t.Errorf("bad time: exit %d: %s", code, errOut)
			}

			// Diffs.
			code, out, errOut = cli("diff", "organisation-o1")
			if code != 0 || !strings.Contains(out, "version 2 → 3") || !strings.Contains(out, "OrganisationVerified") ||
				!regexpMatch(`replace\s+/verified: false → true`, out) {
				t.Errorf("diff: exit %d\n%s%s", code, out, errOut)
			}
			code, out, _ = cli("diff", "organisation-o1", "--from", "1", "--to", "2", "--json")
			var d struct {
				From, To uint64
				Changes  []map[string]any
			}
			if err := json.Unmarshal([]byte(out), &d); err != nil || code != 0 || d.From != 1 || d.To != 2 {
				t.Fatalf("diff --json: exit %d, %v\n%s", code, err, out)
			}
			found := false
			for _, c := range d.Changes {
				if c["path"] == "/profile/name" && c["op"] == "replace" && c["to"] == "Historia o1 S.A." {
					found = true
				}
			}
			if !found {
				t.Errorf("diff --json has no rename:\n%s", out)
			}
			if code, _, errOut := cli("diff", "organisation-o1", "--to", "7"); code != 2 || !strings.Contains(errOut, "--to 7") {
				t.Errorf("diff --to 7: exit %d: %s", code, errOut)
			}
			if code, _, errOut := cli("diff", "token-x"); code != 1 || !strings.Contains(errOut, "tokens") {
				t.Errorf("diff of a token: exit %d: %s", code, errOut)
			}
			if code, _, _ := cli("diff"); code != 2 {
				t.Errorf("diff without an id: exit %d", code)
			}
			if code, _, _ := cli("nonsense"); code != 2 {
				t.Errorf("unknown subcommand: exit %d", code)
			}

			if mode == "embedded" {
				// A server holds the data directory: a clear refusal.
				openMain(t, "embedded", dir)
				if code, _, errOut := cli("log"); code != 1 || !strings.Contains(errOut, "stop the server") || !strings.Contains(errOut, "/v1/events") {
					t.Errorf("with a server running: exit %d: %s", code, errOut)
				}
			}
		})
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"history", "log", "--data-dir", t.TempDir() + "/missing"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no data directory") {
		t.Errorf("missing data directory: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"history", "--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "nisa history diff ID") {
		t.Errorf("history --help: exit %d: %s", code, out.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"history", "diff", "--help"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "--as-of") {
		t.Errorf("history diff --help: exit %d: %s", code, errOut.String())
	}
}
