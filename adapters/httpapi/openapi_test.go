package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/memory"
)

// TestOpenAPIMatchesRouter checks that the document served at /openapi.json
// lists exactly the routes the router serves, and that every documented
// operation is answered by its handler (not by the not-found fallback).
func TestOpenAPIMatchesRouter(t *testing.T) {
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httpapi.New(httpapi.Config{Store: s, Idempotency: s.Idempotency(), Reads: memory.New(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	resp, err := http.Get(hs.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(documented)
	served := srv.API().Registered()
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Errorf("document and router differ:\n documented %v\n served     %v", documented, served)
	}
	ids := map[string]bool{}
	for _, path := range doc.Paths {
		for _, op := range path {
			var o struct {
				OperationID string `json:"operationId"`
			}
			json.Unmarshal(op, &o)
			if o.OperationID == "" || ids[o.OperationID] {
				t.Errorf("operationId %q missing or repeated", o.OperationID)
			}
			ids[o.OperationID] = true
		}
	}
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		path = strings.NewReplacer("{id}", "x1", "{interest_id}", "x2", "{registration_id}", "x3", "{indicator}", "RCO87").Replace(path)
		req, _ := http.NewRequest(method, hs.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Code string `json:"code"`
		}
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if p.Code == "route_not_found" || p.Code == "method_not_allowed" {
			t.Errorf("%s is documented but not served (%d %s)", op, resp.StatusCode, p.Code)
		}
	}
	// A wrong method on a served path is 405 with Allow, not 404.
	req, _ := http.NewRequest("DELETE", hs.URL+"/v1/organisations/x1", nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 405 || !strings.Contains(r.Header.Get("Allow"), "GET") {
		t.Errorf("DELETE /v1/organisations/x1 = %d Allow %q, want 405 with Allow", r.StatusCode, r.Header.Get("Allow"))
	}
}
