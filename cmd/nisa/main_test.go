package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/esdb"
	"github.com/nisa-eu/nisa/adapters/esdb/esdbtest"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openMain runs the same Main as "nisa serve" on a free port.
func openMain(t *testing.T, store, dataDir string) *Main {
	t.Helper()
	m := &Main{Config: serveConfig{
		storeFlags:      storeFlags{Store: store, DataDir: dataDir, LogLevel: "info"},
		Addr:            "127.0.0.1:0",
		ShutdownTimeout: 5 * time.Second,
	}, Log: quietLog()}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func get(t *testing.T, url string) (int, string, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

func TestServeEndpoints(t *testing.T) {
	for _, mode := range []string{"embedded", "postgres"} {
		t.Run(mode, func(t *testing.T) {
			store := "embedded"
			if mode == "postgres" {
				store = pgtest.NewDatabase(t)
			}
			m := openMain(t, store, t.TempDir())
			base := "http://" + m.Addr().String()
			if code, _, body := get(t, base+"/healthz"); code != 200 || body["status"] != "ok" {
				t.Errorf("/healthz = %d %v", code, body)
			}
			if code, _, body := get(t, base+"/readyz"); code != 200 || body["status"] != "ready" {
				t.Errorf("/readyz = %d %v", code, body)
			}
			code, ctype, body := get(t, base+"/v0/nothing")
			if code != 404 || ctype != "application/problem+json" || body["code"] != "route_not_found" {
				t.Errorf("unknown route = %d %s %v, want a 404 problem with code route_not_found", code, ctype, body)
			}
		})
	}
}

func TestReadyzReportsAClosedStore(t *testing.T) {
	m := openMain(t, "embedded", t.TempDir())
	m.store.Close()
	code, ctype, body := get(t, "http://"+m.Addr().String()+"/readyz")
	if code != 503 || ctype != "application/problem+json" || body["code"] != "not_ready" {
		t.Errorf("/readyz with a closed store = %d %s %v, want 503 not_ready", code, ctype, body)
	}
}

func TestHelpAndUsageErrors(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"help"}, 0, "serve"},
		{[]string{"serve", "--help"}, 0, "NISA_DATA_DIR"},
		{[]string{"migrate", "--help"}, 0, "advisory lock"},
		{[]string{"bench", "--help"}, 0, "NISA_BENCH_STORES"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--store", "mysql://x", "--addr", "127.0.0.1:0"}, 1, `want "embedded", a PostgreSQL URL`},
		{[]string{"serve", "--store", "esdb://127.0.0.1:1?tls=false", "--addr", "127.0.0.1:0"}, 1, "--read-store"},
		{[]string{"migrate", "--store", "embedded"}, 1, "must be a PostgreSQL URL"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, &out, &errOut)
		all := out.String() + errOut.String()
		if code != c.code || !strings.Contains(all, c.contains) {
			t.Errorf("nisa %s: exit %d, output %q; want exit %d containing %q", strings.Join(c.args, " "), code, all, c.code, c.contains)
		}
	}
}

func TestEnvironmentFallback(t *testing.T) {
	t.Setenv("NISA_SHUTDOWN_TIMEOUT", "not-a-duration")
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve"}, io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), "NISA_SHUTDOWN_TIMEOUT") {
		t.Errorf("bad env: exit %d, %q", code, errOut.String())
	}
	t.Setenv("NISA_SHUTDOWN_TIMEOUT", "3s")
	t.Setenv("NISA_DATA_DIR", "/from/env")
	f := newFlags("serve", "", io.Discard)
	var cfg serveConfig
	cfg.register(f)
	f.duration(&cfg.ShutdownTimeout, "shutdown-timeout", time.Second, "")
	if err := f.parse([]string{"--data-dir", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/flag" || cfg.ShutdownTimeout != 3*time.Second {
		t.Errorf("data dir %q, timeout %v; want the flag to win and the env to set the default", cfg.DataDir, cfg.ShutdownTimeout)
	}
}

// TestServeProcess builds the binary, starts "nisa serve" as a real process
// on the embedded default, and checks that SIGTERM stops it gracefully and
// that its data directory is reusable by the next start.
func TestServeProcess(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "nisa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	for round := range 2 {
		port := freePort(t)
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:"+port)
		cmd.Env = append(os.Environ(), "NISA_DATA_DIR="+data)
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		url := "http://127.0.0.1:" + port + "/readyz"
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("round %d: server not ready within 20s; logs:\n%s", round, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: exit after SIGTERM: %v; logs:\n%s", round, err, logs.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: no exit within 15s of SIGTERM", round)
		}
		if !strings.Contains(logs.String(), "stopped") {
			t.Errorf("round %d: logs lack the shutdown message:\n%s", round, logs.String())
		}
	}
	if _, err := os.Stat(filepath.Join(data, "events.db")); err != nil {
		t.Errorf("data directory: %v", err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// tokenCreate runs "nisa token create" and returns the last output line.
func tokenCreate(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"token", "create"}, args...), &out, &errOut)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], code, errOut.String()
}

func TestTokenCreate(t *testing.T) {
	dir := t.TempDir()
	// Without a running server the command opens the store itself.
	tok, code, stderr := tokenCreate(t, "--role", "auditor", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(tok, "nisa_") {
		t.Fatalf("exit %d, last line %q, stderr %s", code, tok, stderr)
	}
	// With a server running on the data directory, through its control socket.
	m := openMain(t, "embedded", dir)
	admin, code, stderr := tokenCreate(t, "--role", "admin", "--label", "ops", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(admin, "nisa_") {
		t.Fatalf("via control socket: exit %d, last line %q, stderr %s", code, admin, stderr)
	}
	for _, bearer := range []string{tok, admin} {
		id := strings.Split(bearer, "_")[1]
		req, _ := http.NewRequest("GET", "http://"+m.Addr().String()+"/v1/tokens/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /v1/tokens/%s = %d", id, resp.StatusCode)
		}
	}
	if _, code, stderr := tokenCreate(t, "--role", "partner", "--data-dir", dir); code != 1 || !strings.Contains(stderr, "organisation") {
		t.Errorf("partner without --org: exit %d, %s", code, stderr)
	}
	if _, code, _ := tokenCreate(t, "--role", "emperor", "--data-dir", dir); code != 1 {
		t.Errorf("unknown role: exit %d", code)
	}
}

func TestServeDemoSeedsAnEmptyStoreOnce(t *testing.T) {
	dir := t.TempDir()
	m := &Main{Config: serveConfig{
		storeFlags: storeFlags{Store: "embedded", DataDir: dir},
		Addr:       "127.0.0.1:0", ShutdownTimeout: 5 * time.Second, Demo: true,
	}, Log: quietLog()}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	head, err := m.store.Head(context.Background())
	if err != nil || head.Commit < 1000 {
		t.Fatalf("after --demo on an empty store the log ends at %v (%v); want the demo network", head, err)
	}
	m.Close()
	// A second start finds data and leaves it alone; "nisa seed demo" refuses.
	m2 := openMain(t, "embedded", dir)
	m2.Config.Demo = true
	again, _ := m2.store.Head(context.Background())
	if again != head {
		t.Errorf("restart changed the log: %v → %v", head, again)
	}
	m2.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"seed", "demo", "--data-dir", dir}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "already") {
		t.Errorf("seeding twice: exit %d, %s", code, errOut.String())
	}
}

// TestServeEventStoreDBMode runs the HTTP API with events in EventStoreDB
// (the protocol-level test server, through the real client library) and
// everything else in PostgreSQL.
func TestServeEventStoreDBMode(t *testing.T) {
	srv := esdbtest.New(t, esdbtest.Options{})
	m := &Main{Config: serveConfig{
		storeFlags: storeFlags{Store: srv.URL(), ReadStore: pgtest.NewDatabase(t), DataDir: t.TempDir()},
		Addr:       "127.0.0.1:0", ShutdownTimeout: 5 * time.Second,
	}, Log: quietLog()}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr().String()
	if code, _, body := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d %v", code, body)
	}
	admin, code, stderr := tokenCreate(t, "--role", "admin", "--store", srv.URL(), "--read-store", m.Config.ReadStore)
	if code != 0 {
		t.Fatalf("token create: %s", stderr)
	}
	body := `{"name":"Liberecký kraj","kind":"municipality","country":"CZ","nuts":"CZ051","address":{"city":"Liberec","country":"CZ"},"languages":["cs","de"],"description":{"cs":"Krajský úřad"}}`
	post := func(key string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/v1/organisations", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		id, _ := v["id"].(string)
		return resp.StatusCode, id
	}
	code1, id := post("k1")
	code2, id2 := post("k1") // replayed from the PostgreSQL read store
	if code1 != 201 || code2 != 201 || id == "" || id2 != id {
		t.Fatalf("create: %d %q, retry: %d %q", code1, id, code2, id2)
	}
	req, _ := http.NewRequest("GET", base+"/v1/streams/organisation-"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []struct {
			Type     string `json:"type"`
			Position string `json:"position"`
		} `json:"items"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if len(page.Items) != 1 || page.Items[0].Type != "OrganisationRegistered" || page.Items[0].Position == "" {
		t.Fatalf("history from EventStoreDB: %+v", page)
	}
	// The events are in EventStoreDB: a client of its own sees them.
	es, err := esdb.Open(context.Background(), srv.URL(), esdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	evs, err := es.ReadStream(context.Background(), "organisation-"+id, domain.ReadStreamOptions{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("EventStoreDB holds %d events for the organisation (%v)", len(evs), err)
	}
}

// TestProjectionsCommands runs "nisa projections status" and "rebuild"
// against a running server: on PostgreSQL directly on the read store, on
// the embedded store through the server's control socket.
func TestProjectionsCommands(t *testing.T) {
	for _, mode := range []string{"embedded", "postgres"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			store := "embedded"
			if mode == "postgres" {
				store = pgtest.NewDatabase(t)
			}
			m := &Main{Config: serveConfig{
				storeFlags: storeFlags{Store: store, DataDir: dir},
				Addr:       "127.0.0.1:0", ShutdownTimeout: 5 * time.Second, Demo: true,
			}, Log: quietLog()}
			if err := m.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// The match alerter may still append alerts for the freshest
			// demo offers: wait until the log stays put.
			for last := (domain.Position{Commit: 1<<64 - 1}); ; {
				if err := m.runner.CatchUp(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(300 * time.Millisecond)
				h, err := m.store.Head(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if h == last && m.runner.Reached(h) {
					break
				}
				last = h
			}
			base := "http://" + m.Addr().String()
			if code, _, body := get(t, base+"/readyz"); code != 200 {
				t.Errorf("/readyz after catching up = %d %v", code, body)
			}
			head, _ := m.store.Head(ctx)
			cli := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(ctx, append(args, "--store", store, "--data-dir", dir), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			code, out, errOut := cli("projections", "status")
			if code != 0 {
				t.Fatalf("status: exit %d: %s", code, errOut)
			}
			for _, name := range []string{"catalogue", "rosters", "visits", "timeline", "stats"} {
				if !strings.Contains(out, name) {
					t.Errorf("status does not list %s:\n%s", name, out)
				}
			}
			if !strings.Contains(out, head.String()) {
				t.Errorf("status does not show the checkpoint %s:\n%s", head, out)
			}

			code, out, errOut = cli("projections", "rebuild", "catalogue")
			if code != 0 || !strings.Contains(out, "catalogue: generation 2 is live") || !strings.Contains(out, "events/s") {
				t.Fatalf("rebuild: exit %d\n%s\n%s", code, out, errOut)
			}
			if strings.Contains(out, "rosters") {
				t.Errorf("rebuild of catalogue touched other projections:\n%s", out)
			}
			// The server keeps answering from the new generation.
			if code, _, body := get(t, base+"/readyz"); code != 200 {
				t.Errorf("/readyz after the rebuild = %d %v", code, body)
			}
			code, out, _ = cli("projections", "status")
			if code != 0 || !regexpMatch(`catalogue\s+2\s`, out) || !regexpMatch(`rosters\s+1\s`, out) {
				t.Errorf("status after rebuilding catalogue:\n%s", out)
			}
			if code, _, errOut := cli("projections", "rebuild", "nonsense"); code != 2 || !strings.Contains(errOut, "known: catalogue") {
				t.Errorf("unknown projection: exit %d: %s", code, errOut)
			}
		})
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

func TestForgetCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	// A contact person, recorded while no server runs.
	s, err := openStore(ctx, storeFlags{Store: "embedded", DataDir: dir}, false, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	sys := domain.System("test")
	profile := domain.OrganisationProfile{Name: "Hutnictwo Opole", Kind: "sme", Country: "PL", Address: domain.Address{City: "Opole", Country: "PL"},
		Languages: []string{"pl"}, Description: domain.Text{PL: "Huta"}, Contacts: []domain.Contact{{Name: "Ewa Mazur", Email: "ewa.mazur@example.pl"}, {Name: "Olga Nowak"}}}
	if _, err := domain.Execute(ctx, domain.NewCommands(s), domain.OrganisationKind, "opole", domain.Request{Actor: sys}, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterOrganisation{Profile: profile}.Decide(o, "opole", sys, now)
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// By e-mail address, with no server running.
	if code := run(ctx, []string{"forget", "--data-dir", dir, "--reason", "ticket 42", "EWA.MAZUR@example.pl"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "forgotten") {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	if code := run(ctx, []string{"forget", "--data-dir", dir, "ewa.mazur@example.pl"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "already forgotten") {
		t.Fatalf("forgetting an address nobody has: exit %d, %s", code, stderr.String())
	}
	// By person id, through a running server's control socket.
	m := openMain(t, "embedded", dir)
	org, _, err := domain.Load(ctx, m.store, domain.OrganisationKind, "opole", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if c := org.Profile.Contacts; !c[0].Erased || c[0].Name != domain.ErasedPlaceholder || c[1].Name != "Olga Nowak" {
		t.Fatalf("contacts after forget by address: %+v", c)
	}
	stdout.Reset()
	if code := run(ctx, []string{"forget", "--data-dir", dir, org.Profile.Contacts[1].PersonID}, &stdout, &stderr); code != 0 {
		t.Fatalf("forget via control socket: exit %d, %s", code, stderr.String())
	}
	org, _, _ = domain.Load(ctx, m.store, domain.OrganisationKind, "opole", time.Time{})
	if c := org.Profile.Contacts[1]; !c.Erased || c.Name != domain.ErasedPlaceholder {
		t.Fatalf("second contact after forget by id: %+v", c)
	}
	if code := run(ctx, []string{"forget", "--data-dir", dir}, &stdout, &stderr); code != 2 {
		t.Fatalf("without PERSON: exit %d", code)
	}
}

func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := openStore(ctx, storeFlags{Store: "embedded", DataDir: dir}, false, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if _, err := s.Append(ctx, fmt.Sprintf("probe-%d", i%4), domain.Any, []domain.EventData{{ID: domain.NewEventID(), Type: "Probe", SchemaVersion: 1, Data: []byte(`{"n":1}`), Actor: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	cli := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(ctx, append(args, "--data-dir", dir), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := cli("audit", "head", "--sign")
	if code != 0 || !strings.HasPrefix(out, "size 30\n") || !strings.Contains(out, "nisa tree head v1") {
		t.Fatalf("audit head --sign: exit %d\n%s%s", code, out, errOut)
	}
	_, key, _ := cli("audit", "key")
	key = strings.TrimSpace(key)
	bundle := filepath.Join(t.TempDir(), "evidence.tar.gz")
	if code, out, errOut := cli("audit", "export", "--from", "#5", "--to", "#20", "--out", bundle); code != 0 || !strings.Contains(out, "16 events") {
		t.Fatalf("audit export: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := cli("audit", "verify", "--bundle", bundle, "--key", key); code != 0 || !strings.Contains(strings.ToLower(out), "ok") {
		t.Fatalf("audit verify --bundle: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := cli("audit", "verify", "--bundle", bundle, "--key", "someone+00000000+AQ"); code != 1 {
		t.Fatalf("a bundle verified against another key: exit %d\n%s", code, out)
	}
	if code, out, errOut := cli("audit", "verify", "--json"); code != 0 || !strings.Contains(out, `"ok": true`) || !strings.Contains(out, `"tree_size": 30`) {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := cli("audit", "frobnicate"); code != 2 {
		t.Fatalf("unknown audit command: exit %d", code)
	}
}
