package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// The personal data of the forgotten person in TestForgetPerson, and a
// pattern that finds any of it (case-insensitive, with or without
// diacritics).
const (
	forgetName  = "Zofia Wiśniewska"
	forgetEmail = "zofia.wisniewska@example.pl"
	forgetPhone = "+48 600 100 200"
)

var forgotten = regexp.MustCompile(`(?i)zofia|wi(ś|s|\\u015b)niewska|600 100 200`)

// leaks fails t when text shows the forgotten person's data.
func leaks(t *testing.T, where string, text string) {
	t.Helper()
	if m := forgotten.FindString(text); m != "" {
		i := strings.Index(text, m)
		t.Errorf("%s shows the forgotten person (%q in …%s…)", where, m, text[max(0, i-80):min(len(text), i+80)])
	}
}

func TestForgetPerson(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, auditor := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			ctx := context.Background()

			// The person appears as a contact, a meeting participant and
			// an exchange visit participant; the organisation is created
			// with an Idempotency-Key, so its response is stored.
			body := orgBody("Odlewnia Zgorzelec")
			body["contacts"] = []map[string]any{
				{"name": forgetName, "email": forgetEmail, "phone": forgetPhone, "position": "Dyrektor handlowy"},
				{"name": "Jan Kowalski", "email": "jan@example.pl"},
			}
			r := e.do("POST", "/v1/organisations", admin, body, "Idempotency-Key", "org-zgorzelec").expect(t, 201, "")
			org := r.body["id"].(string)
			if !forgotten.MatchString(string(r.raw)) {
				t.Fatalf("the person is not in the profile before forgetting: %s", r.raw)
			}
			personID := r.body["profile"].(map[string]any)["contacts"].([]any)[0].(map[string]any)["person_id"].(string)
			if err := domain.ValidatePersonID(personID); err != nil {
				t.Fatalf("contact person id: %v (%s)", err, r.raw)
			}
			pa := e.partner(org)
			meeting := e.do("POST", "/v1/meetings", coord, meetingBody(10, nil)).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/meetings/"+meeting+"/registrations", pa, map[string]any{"organisation_id": org,
				"participants": []map[string]any{{"name": "Zofia W.", "email": strings.ToUpper(forgetEmail)}, {"name": "Piotr Zieliński"}}}).expect(t, 201, "")
			host := e.createOrg("Hostitel s.r.o.")
			start := time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")
			end := time.Now().UTC().AddDate(0, 0, 22).Format("2006-01-02")
			vb := visitBody(org, host, start, end)
			vb["participants"] = []map[string]any{{"name": forgetName, "email": forgetEmail}}
			visit := e.do("POST", "/v1/exchange-visits", pa, vb).expect(t, 201, "").body["id"].(string)
			e.sync()
			before := time.Now().UTC()
			time.Sleep(5 * time.Millisecond)

			// The stored events never held the data in clear.
			raw, err := e.shred.Inner().ReadAll(ctx, domain.Start, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range raw {
				leaks(t, "stored event "+ev.Type, string(ev.Data))
			}

			// Control: the dump finds the data where it is in clear (the
			// stored response of the Idempotency-Key request).
			if mode == "postgres" && !forgotten.MatchString(dumpDatabase(t, e.dbURL)) {
				t.Fatal("the database dump does not show the stored response: the dump cannot find leaks")
			}

			// Look the person up by e-mail address and forget them.
			e.do("POST", "/v1/persons/lookup", coord, map[string]any{"email": forgetEmail}).expect(t, 403, "forbidden")
			found := e.do("POST", "/v1/persons/lookup", admin, map[string]any{"email": strings.ToUpper(forgetEmail)}).expect(t, 200, "")
			if found.body["person_id"] != personID {
				t.Fatalf("lookup = %s, want %s", found.raw, personID)
			}
			e.do("POST", "/v1/persons/"+personID+"/forget", coord, nil).expect(t, 403, "forbidden")
			e.do("POST", "/v1/persons/"+personID+"/forget", auditor, nil).expect(t, 403, "forbidden")
			e.do("POST", "/v1/persons/nobody/forget", admin, nil).expect(t, 400, "invalid")
			e.do("POST", "/v1/persons/p-00000000000000000000000000000000/forget", admin, nil).expect(t, 404, "not_found")
			fr := e.do("POST", "/v1/persons/"+personID+"/forget", admin, map[string]any{"reason": "request GDPR-2026-117"}).expect(t, 200, "")
			if fr.body["forgotten"] != true || fr.body["purged_responses"] != float64(1) {
				t.Fatalf("forget answered %s, want forgotten and the one stored response dropped", fr.raw)
			}
			again := e.do("POST", "/v1/persons/"+personID+"/forget", admin, nil).expect(t, 200, "")
			if again.header.Get("ETag") != fr.header.Get("ETag") {
				t.Fatalf("forgetting twice recorded a second event: %s then %s", fr.header.Get("ETag"), again.header.Get("ETag"))
			}
			if p := e.do("GET", "/v1/persons/"+personID, auditor, nil).expect(t, 200, ""); p.body["forgotten"] != true || p.body["reason"] != "request GDPR-2026-117" {
				t.Fatalf("person %s", p.raw)
			}
			e.do("POST", "/v1/persons/lookup", admin, map[string]any{"email": forgetEmail}).expect(t, 404, "not_found")
			e.sync()

			// Every read shows the placeholder; the others stay readable.
			profile := e.do("GET", "/v1/organisations/"+org, auditor, nil).expect(t, 200, "")
			contacts := profile.body["profile"].(map[string]any)["contacts"].([]any)
			if c := contacts[0].(map[string]any); c["name"] != domain.ErasedPlaceholder || c["erased"] != true || c["email"] != nil || c["phone"] != nil || c["person_id"] != personID {
				t.Errorf("erased contact reads %v", c)
			}
			if c := contacts[1].(map[string]any); c["name"] != "Jan Kowalski" || c["email"] != "jan@example.pl" {
				t.Errorf("the other contact reads %v", c)
			}
			reads := map[string]string{
				"profile":              "/v1/organisations/" + org,
				"profile as of before": "/v1/organisations/" + org + "?as_of=" + before.Format(time.RFC3339Nano),
				"meeting":              "/v1/meetings/" + meeting,
				"meeting as of before": "/v1/meetings/" + meeting + "?as_of=" + before.Format(time.RFC3339Nano),
				"visit":                "/v1/exchange-visits/" + visit,
				"visit as of before":   "/v1/exchange-visits/" + visit + "?as_of=" + before.Format(time.RFC3339Nano),
				"stream history":       "/v1/streams/organisation-" + org + "/events",
				"visit history":        "/v1/streams/exchange_visit-" + visit + "/events",
				"diff":                 "/v1/streams/organisation-" + org + "/diff",
				"global log":           "/v1/events?limit=1000",
				"roster":               "/v1/meetings/" + meeting + "/roster",
				"timeline":             "/v1/organisations/" + org + "/timeline",
				"search":               "/v1/search/organisations?" + url.Values{"q": {"Zofia Wiśniewska"}}.Encode(),
			}
			for what, path := range reads {
				r := e.do("GET", path, admin, nil)
				if r.status != 200 {
					t.Errorf("%s: GET %s = %d %s", what, path, r.status, r.raw)
				}
				leaks(t, what, string(r.raw))
			}
			if !strings.Contains(string(e.do("GET", "/v1/meetings/"+meeting, admin, nil).raw), "Piotr Zieli") {
				t.Error("the other participant was erased too")
			}

			// A retried request with the stored key answers from the
			// store as it is now, not with the stored response.
			replay := e.do("POST", "/v1/organisations", admin, body, "Idempotency-Key", "org-zgorzelec")
			leaks(t, "idempotent replay", string(replay.raw))

			// Websocket replay from the start of the log.
			c := e.mustDial(admin)
			c.send(map[string]any{"type": "subscribe", "id": "s", "channel": "stream:organisation-" + org, "after": domain.Start.String()})
			msgs, _ := c.until("caught_up")
			if len(msgs) == 0 {
				t.Fatal("websocket replay brought nothing")
			}
			for _, m := range msgs {
				leaks(t, "websocket replay", fmt.Sprintf("%s", m.Event.Data))
			}

			// Rebuild every projection and look at all that is stored.
			if _, err := projections.Rebuild(ctx, e.store, e.reads, projections.All(), nil); err != nil {
				t.Fatal(err)
			}
			for _, p := range projections.All() {
				var dump strings.Builder
				if err := e.reads.Dump(ctx, p.Name(), func(line []byte) error { dump.Write(line); return nil }); err != nil {
					t.Fatal(err)
				}
				leaks(t, "read model "+p.Name()+" after rebuild", dump.String())
			}
			if mode == "postgres" {
				leaks(t, "PostgreSQL database", dumpDatabase(t, e.dbURL))
			}

			// The tamper-evident log still verifies (it covers the
			// ciphertext), and an evidence bundle holds no clear text.
			e.do("POST", "/v1/audit/heads", coord, nil).expect(t, 201, "")
			rep, err := audit.Verify(ctx, e.audit.Events, e.audit.Tree.Storage(), e.audit.VerifierKey, nil)
			if err != nil || !rep.OK || rep.TreeSize != int64(e.countEvents()) {
				t.Fatalf("audit log after forgetting: %+v %v", rep, err)
			}
			status, bundle := e.getRaw("/v1/audit/export", auditor)
			if status != 200 {
				t.Fatalf("export: %d", status)
			}
			zr, err := gzip.NewReader(bytes.NewReader(bundle))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, _ := io.ReadAll(zr)
			if !strings.Contains(string(unzipped), "Odlewnia Zgorzelec") {
				t.Fatal("the bundle does not show the organisation: the check below would prove nothing")
			}
			leaks(t, "audit bundle", string(unzipped))
		})
	}
}

// dumpDatabase returns every row of every table of the database as text.
func dumpDatabase(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 5 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	var out strings.Builder
	for _, table := range tables {
		// Rows as text, plus every bytea column (stored responses)
		// decoded: printable bytes as they are, others escaped.
		rows, err := conn.Query(ctx, `SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = $1::regclass AND atttypid = 'bytea'::regtype AND attnum > 0 AND NOT attisdropped`, table)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		expr := "t::text"
		for _, c := range cols {
			expr += " || ' ' || coalesce(encode(t." + c + ", 'escape'), '')"
		}
		var text *string
		if err := conn.QueryRow(ctx, `SELECT string_agg(`+expr+`, E'\n') FROM `+table+` t`).Scan(&text); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if text != nil {
			out.WriteString(table + ":\n" + *text + "\n")
		}
	}
	if !strings.Contains(out.String(), "nisa_events") {
		t.Fatal("the dump has no event table")
	}
	return out.String()
}
