package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/nisa-eu/nisa/adapters/audit"
)

// getRaw sends a GET and returns status and body.
func (e *env) getRaw(path, token string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func decodeInto[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return v
}

func TestAuditTreeOverHTTP(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			coord, auditor := e.tokens["coordinator"], e.tokens["auditor"]
			e.do("GET", "/v1/audit/head", auditor, nil).expect(t, 404, "not_found")

			org := e.createOrg("Strojírna Liberec s.r.o.")
			first := e.do("POST", "/v1/audit/heads", coord, nil).expect(t, 201, "")
			e.do("POST", "/v1/audit/heads", auditor, nil).expect(t, 403, "forbidden")
			key := e.do("GET", "/v1/audit/key", "", nil).expect(t, 200, "").body["key"].(string)
			head1, err := audit.ParseHead(first.body["note"].(string), key)
			if err != nil {
				t.Fatalf("signed head does not verify with the served key: %v", err)
			}
			if n := int64(e.countEvents()); head1.Size != n {
				t.Fatalf("head size %d, the log has %d events", head1.Size, n)
			}
			if latest := e.do("GET", "/v1/audit/head", auditor, nil).expect(t, 200, ""); latest.body["size"] != float64(head1.Size) {
				t.Fatalf("latest head %s", latest.raw)
			}

			// Inclusion of the organisation's first event.
			evs := e.allEvents()
			var id string
			for _, ev := range evs {
				if ev.StreamID == "organisation-"+org {
					id = ev.ID.String()
				}
			}
			r := e.do("GET", "/v1/audit/proofs/inclusion?event_id="+id, auditor, nil).expect(t, 200, "")
			inc := decodeInto[audit.Inclusion](t, r.raw)
			if err := inc.Check(); err != nil || inc.Head.Size != head1.Size || inc.Head.Root != head1.Root {
				t.Fatalf("inclusion proof %s: %v", r.raw, err)
			}
			bad := inc
			bad.LeafHash[0] ^= 1
			if bad.Check() == nil {
				t.Fatal("an inclusion proof checks for another leaf hash")
			}

			// The log grows; the new head is consistent with the old one.
			e.createOrg("Kooperationsnetz Görlitz e.V.")
			second := e.do("POST", "/v1/audit/heads", coord, nil).expect(t, 201, "")
			head2, err := audit.ParseHead(second.body["note"].(string), key)
			if err != nil || head2.Size <= head1.Size {
				t.Fatalf("second head %s: %v", second.raw, err)
			}
			r = e.do("GET", "/v1/audit/proofs/consistency?from="+strconv.FormatInt(head1.Size, 10)+"&to="+strconv.FormatInt(head2.Size, 10), auditor, nil).expect(t, 200, "")
			cons := decodeInto[audit.Consistency](t, r.raw)
			if err := audit.CheckConsistency(head1, head2, cons.Proof); err != nil {
				t.Fatalf("consistency proof: %v", err)
			}
			forged := head1
			forged.Root[3] ^= 1
			if audit.CheckConsistency(forged, head2, cons.Proof) == nil {
				t.Fatal("the consistency proof checks against a forged old root")
			}

			// Bad requests.
			e.do("GET", "/v1/audit/proofs/consistency?from=5&to=2", auditor, nil).expect(t, 400, "invalid")
			e.do("GET", "/v1/audit/proofs/consistency?from=1&to=99999", auditor, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/audit/proofs/inclusion?event_id=nope", auditor, nil).expect(t, 400, "invalid")
			e.do("GET", "/v1/audit/proofs/inclusion?event_id="+id+"&size=x", auditor, nil).expect(t, 400, "invalid")
			e.do("GET", "/v1/audit/proofs/inclusion?event_id=00000000-0000-7000-8000-000000000000", auditor, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/audit/head", e.partner(org), nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/audit/export", coord, nil).expect(t, 403, "forbidden")

			// An auditor's bundle verifies offline against the pinned key.
			status, bundle := e.getRaw("/v1/audit/export", auditor)
			if status != 200 {
				t.Fatalf("export: %d %s", status, bundle)
			}
			rep, err := audit.VerifyBundle(bytes.NewReader(bundle), key)
			if err != nil || !rep.OK || rep.Events != int64(e.countEvents()) {
				t.Fatalf("bundle: %+v, %v (log has %d events)", rep, err, e.countEvents())
			}
			if rep, _ := audit.VerifyBundle(bytes.NewReader(bundle), "other+00000000+AQ"); rep.OK {
				t.Fatal("a bundle verifies against a key it was not signed with")
			}
		})
	}
}
