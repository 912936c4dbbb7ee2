package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/live"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/adapters/shred"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// env is a running API on a real store with tokens for every role.
type env struct {
	t     *testing.T
	url   string
	store domain.EventStore
	// shred is the crypto-shredding decorator store is; shred.Inner()
	// holds the events as stored.
	shred *shred.Store
	// audit is the tamper-evident log behind /v1/audit.
	audit *httpapi.AuditLog
	// dbURL is the PostgreSQL database of the postgres mode.
	dbURL  string
	reads  projections.Store
	runner *projections.Runner
	hub    *live.Hub
	tokens map[string]string // admin, coordinator, auditor, partner:<org>
}

// sync waits until the read models have applied everything the event
// store holds now (read-your-writes for read-model routes).
func (e *env) sync() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.runner.CatchUp(ctx); err != nil {
		e.t.Fatalf("read models did not catch up: %v (%+v)", err, e.runner.Progress())
	}
}

// modes are the storage modes every HTTP test runs on.
var modes = []string{"embedded", "postgres"}

// newEnv starts the API with its websocket hub on a fresh store; opts
// adjust the hub's configuration.
func newEnv(t *testing.T, mode string, opts ...func(*live.Config)) *env {
	t.Helper()
	ctx := context.Background()
	var (
		store domain.EventStore
		idem  httpapi.IdempotencyStore
		reads projections.Store
		keys  domain.KeyStore
		dbURL string
		tree  audit.Storage
	)
	switch mode {
	case "embedded":
		dir := t.TempDir()
		s, err := embedded.Open(dir, embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		k, err := shred.OpenBoltKeys(filepath.Join(dir, "keys.db"))
		if err != nil {
			t.Fatal(err)
		}
		if tree, err = audit.OpenBolt(filepath.Join(dir, "audit.db")); err != nil {
			t.Fatal(err)
		}
		store, idem, reads, keys = s, s.Idempotency(), memory.New(), k
	case "postgres":
		dbURL = pgtest.NewDatabase(t)
		s, err := postgres.Open(ctx, dbURL, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := postgres.Migrate(ctx, s.Pool(), nil); err != nil {
			t.Fatal(err)
		}
		rs, err := postgres.OpenReadStore(ctx, s.Pool())
		if err != nil {
			t.Fatal(err)
		}
		store, idem, reads, keys, tree = s, s.Idempotency(), rs, shred.NewPGKeys(s.Pool()), audit.NewPGStorage(s.Pool())
	}
	sh := shred.New(store, keys, shred.Options{})
	store = sh
	t.Cleanup(func() { tree.Close() })
	signer, verifier, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"), "nisa-test")
	if err != nil {
		t.Fatal(err)
	}
	auditLog := &httpapi.AuditLog{Tree: audit.New(sh.Inner(), tree, signer, audit.Options{}), Events: sh.Inner(), Signer: signer, VerifierKey: verifier}
	t.Cleanup(func() { store.Close() })
	t.Cleanup(func() { reads.Close() })
	runner, err := projections.NewRunner(projections.RunnerConfig{Events: store, Reads: reads})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- runner.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-ran; err != nil {
			t.Errorf("projection runner: %v", err)
		}
	})
	var srv *httpapi.Server
	hubCfg := live.Config{
		Store:         store,
		Authenticate:  func(ctx context.Context, tok string) (domain.Actor, error) { return srv.API().Verify(ctx, tok) },
		Organisations: live.OrganisationsFrom(reads),
		Stats:         func(ctx context.Context) (any, error) { return srv.API().Stats(ctx) },
		StatsPosition: live.StatsPositionOf(runner),
		StatsInterval: 20 * time.Millisecond,
		HTTPError: func(w http.ResponseWriter, _ *http.Request, status int, code, detail string) {
			httpapi.WriteProblem(w, status, code, detail)
		},
	}
	for _, o := range opts {
		o(&hubCfg)
	}
	hub := live.New(hubCfg)
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv = httpapi.New(httpapi.Config{Store: store, Idempotency: idem, Reads: reads, WebSocket: hub, Personal: sh, Secrets: sh, Audit: auditLog, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(func() { _ = hub.Close(context.Background()) })
	e := &env{t: t, url: hs.URL, store: store, shred: sh, audit: auditLog, dbURL: dbURL, reads: reads, runner: runner, hub: hub, tokens: map[string]string{}}
	cmds := domain.NewCommands(store)
	for _, r := range []domain.Role{domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAuditor} {
		_, tok, err := httpapi.CreateToken(ctx, cmds, domain.System("test"), r, "", "test "+string(r))
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[string(r)] = tok
	}
	return e
}

// partner returns a partner token for organisation org, registering the
// organisation (with that id, through the domain command) if it does not
// exist yet.
func (e *env) partner(org string) string {
	e.t.Helper()
	if tok, ok := e.tokens["partner:"+org]; ok {
		return tok
	}
	ctx := context.Background()
	cmds := domain.NewCommands(e.store)
	sys := domain.System("test")
	if _, _, err := domain.Load(ctx, e.store, domain.OrganisationKind, org, time.Time{}); errors.Is(err, domain.ErrNotFound) {
		profile := domain.OrganisationProfile{Name: "Organisation " + org, Kind: "sme", Country: "DE",
			Address: domain.Address{City: "Görlitz", Country: "DE"}, Languages: []string{"de"}, Description: domain.Text{DE: "Testorganisation"}}
		if _, err := domain.Execute(ctx, cmds, domain.OrganisationKind, org, domain.Request{Actor: sys}, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
			return domain.RegisterOrganisation{Profile: profile}.Decide(o, org, sys, now)
		}); err != nil {
			e.t.Fatal(err)
		}
	}
	_, tok, err := httpapi.CreateToken(ctx, cmds, sys, domain.RolePartner, org, "")
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens["partner:"+org] = tok
	return tok
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON); headers are name, value pairs.
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// expect fails the test unless r has the status (and, for problems, the code).
func (r response) expect(t *testing.T, status int, code string) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	if code != "" {
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("Content-Type %q, want application/problem+json", ct)
		}
		if r.body["code"] != code {
			t.Fatalf("code %v, want %s; body %s", r.body["code"], code, r.raw)
		}
	}
	return r
}

// countEvents returns the number of events in the global log.
func (e *env) countEvents() int {
	e.t.Helper()
	n := 0
	pos := domain.Start
	for {
		evs, err := e.store.ReadAll(context.Background(), pos, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(evs) == 0 {
			return n
		}
		n += len(evs)
		pos = evs[len(evs)-1].Position
	}
}

// unregisteredPartner returns a partner token for an organisation id that
// is not registered.
func (e *env) unregisteredPartner(org string) string {
	e.t.Helper()
	_, tok, err := httpapi.CreateToken(context.Background(), domain.NewCommands(e.store), domain.System("test"), domain.RolePartner, org, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// pointers returns the JSON pointers named by a validation problem.
func pointers(r response) map[string]bool {
	out := map[string]bool{}
	errs, _ := r.body["errors"].([]any)
	for _, fe := range errs {
		out[fe.(map[string]any)["pointer"].(string)] = true
	}
	return out
}

// expectPointers fails t unless the problem r names every pointer ps.
func expectPointers(t *testing.T, r response, ps ...string) {
	t.Helper()
	got := pointers(r)
	for _, p := range ps {
		if !got[p] {
			t.Errorf("no error at %s in %s", p, r.raw)
		}
	}
}
