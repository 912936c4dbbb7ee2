package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// route is one operation of the API. The router and the OpenAPI document
// are both built from the route table, and a test checks that they agree.
type route struct {
	method, path string
	op           string // OpenAPI operationId
	summary      string
	who          string // who may call it, for the document
	body         any    // prototype of the request body, nil for none
	optional     bool   // the body may be left out
	resp         any    // prototype of the success response; nil: a file of type media
	media        string // media type of a file response (resp nil)
	status       int    // success status
	public       bool   // no authentication
	// readModel: answered from the read models, which hold the present
	// only (no as_of).
	readModel bool
	handle    func(w http.ResponseWriter, r *http.Request, c *call) error
}

// call is the context of one authenticated request.
type call struct {
	api   *API
	actor domain.Actor
	// idemScope is the caller-scoped Idempotency-Key ("" without one).
	idemScope string
	body      []byte
	requestID string
}

// API serves /v1.
type API struct {
	store  domain.EventStore
	reads  projections.Reader
	cmds   *domain.Commands
	auth   *authenticator
	idem   IdempotencyStore
	routes []route
	cfg    Config

	docOnce    sync.Once
	doc        []byte
	registered []string
	matchers   []matcher
}

// newAPI builds the API over the configured store.
func newAPI(cfg Config) *API {
	a := &API{
		store: cfg.Store,
		reads: cfg.Reads,
		idem:  cfg.Idempotency,
		cfg:   cfg,
	}
	if cfg.Store != nil {
		a.cmds = domain.NewCommands(cfg.Store)
		a.auth = newAuthenticator(cfg.Store, cfg.TokenCacheTTL)
	}
	a.routes = a.opsRoutes()
	if cfg.Store == nil {
		return a
	}
	a.routes = concat(a.routes,
		a.organisationRoutes(),
		a.offerRoutes(),
		a.meetingRoutes(),
		a.visitRoutes(),
		a.tokenRoutes(),
		a.eventRoutes(),
		a.wsRoutes(),
		a.personRoutes(),
		a.auditRoutes(),
	)
	if a.reads != nil {
		a.routes = concat(a.routes,
			a.searchRoutes(),
			a.matchRoutes(),
			a.readModelRoutes(),
			a.alertRoutes(),
			a.reportRoutes(),
		)
	}
	return a
}

func concat[T any](lists ...[]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// register mounts every route on mux and records it: Registered lists
// exactly what the router serves.
func (a *API) register(mux *http.ServeMux) {
	for _, rt := range a.routes {
		mux.Handle(rt.method+" "+rt.path, a.wrap(rt))
		a.registered = append(a.registered, rt.method+" "+rt.path)
		a.matchers = append(a.matchers, routeMatcher(rt))
	}
}

// Registered returns "METHOD path" of every route mounted on the router.
func (a *API) Registered() []string { return slices.Clone(a.registered) }

type matcher struct {
	method   string
	segments []string
}

func routeMatcher(rt route) matcher {
	return matcher{method: rt.method, segments: strings.Split(rt.path, "/")}
}

// matches reports whether path fits the route's pattern ({x} matches any
// one non-empty segment).
func (m matcher) matches(path string) bool {
	segs := strings.Split(path, "/")
	if len(segs) != len(m.segments) {
		return false
	}
	for i, p := range m.segments {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return false
			}
		} else if p != segs[i] {
			return false
		}
	}
	return true
}

// notFound answers requests no route takes: 405 with Allow when the path
// exists with other methods, 404 otherwise.
func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range a.matchers {
		if m.matches(r.URL.Path) {
			allow = append(allow, m.method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, Problem{Code: codeMethodNotAllowed, Detail: fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))})
		return
	}
	writeProblem(w, Problem{Code: codeRouteNotFound, Detail: fmt.Sprintf("no route for %s %s (see /openapi.json)", r.Method, r.URL.Path)})
}

// wrap authenticates, applies Idempotency-Key to POSTs and turns errors
// into problem details.
func (a *API) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{api: a, requestID: w.Header().Get("X-Request-Id")}
		fail := func(err error) { writeError(w, r, a.cfg.Logger, err) }
		if !rt.public {
			actor, err := a.auth.authenticate(r)
			if err != nil {
				fail(err)
				return
			}
			c.actor = actor
			if actor.Role == domain.RoleAuditor && r.Method != http.MethodGet && r.Method != http.MethodHead {
				// Auditors read everything and change nothing: refused
				// before the body is even looked at.
				fail(fmt.Errorf("%w: auditor may not change anything (%s %s)", domain.ErrForbidden, r.Method, r.URL.Path))
				return
			}
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			body, err := readBody(r)
			if err != nil {
				fail(err)
				return
			}
			c.body = body
		}
		if key := r.Header.Get("Idempotency-Key"); key != "" && r.Method == http.MethodPost && !rt.public {
			a.idempotent(w, r, c, key, rt)
			return
		}
		if err := rt.handle(w, r, c); err != nil {
			fail(err)
		}
	})
}

// decode decodes the request body into v strictly.
func (c *call) decode(r *http.Request, v any) error { return decodeJSON(r, c.body, v) }

// newID returns the id of an aggregate created by this request: derived
// from the Idempotency-Key when there is one, so a retry cannot create a
// second aggregate.
func (c *call) newID(purpose string) string {
	if c.idemScope != "" {
		return domain.DeriveEventID(c.idemScope, purpose).String()
	}
	return domain.NewEventID().String()
}

// request returns the domain request of this call; expected pins the
// version from If-Match.
func (c *call) request(r *http.Request) (domain.Request, error) {
	req := domain.Request{Actor: c.actor, CorrelationID: c.requestID, CausationID: "http:" + r.Method + " " + r.URL.Path}
	if c.idemScope != "" {
		scope := c.idemScope
		req.EventIDs = func(n int) domain.EventID { return domain.DeriveEventID(scope, "event", strconv.Itoa(n)) }
	}
	if im := r.Header.Get("If-Match"); im != "" && im != "*" {
		v, err := parseETag(im)
		if err != nil {
			return req, err
		}
		req.Expected = &v
	}
	return req, nil
}

// etag formats an aggregate version as a strong entity tag.
func etag(version uint64) string { return `"` + strconv.FormatUint(version, 10) + `"` }

func parseETag(s string) (uint64, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	v, err := strconv.ParseUint(strings.Trim(s, `"`), 10, 64)
	if err != nil {
		return 0, invalid("/header/If-Match", fmt.Sprintf("If-Match %q: want the ETag of a read, e.g. \"3\"", s))
	}
	return v, nil
}

// asOf parses the as_of query parameter (RFC 3339); zero when absent.
func asOf(r *http.Request) (time.Time, error) {
	s := r.URL.Query().Get("as_of")
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid("/query/as_of", fmt.Sprintf("as_of %q is not an RFC 3339 time such as 2026-03-01T12:00:00Z", s))
	}
	return t, nil
}

// versioned is an aggregate with its version, as every read returns it.
type versioned struct {
	state   any
	version uint64
}

// MarshalJSON adds "version" to the aggregate's own fields.
func (v versioned) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(v.state)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["version"] = json.RawMessage(strconv.FormatUint(v.version, 10))
	return json.Marshal(m)
}

// writeState answers with an aggregate, its version as ETag and, for a
// creation, its Location.
func writeState(w http.ResponseWriter, status int, location string, state any, version uint64) error {
	w.Header().Set("ETag", etag(version))
	if location != "" {
		w.Header().Set("Location", location)
	}
	writeJSON(w, status, versioned{state: state, version: version})
	return nil
}

// read answers GET of one aggregate, honouring as_of; view may hide or
// refuse parts for the caller.
func read[S any](w http.ResponseWriter, r *http.Request, c *call, k domain.Kind[S], id string, view func(S) (any, error)) error {
	at, err := asOf(r)
	if err != nil {
		return err
	}
	s, v, err := domain.Load(r.Context(), c.api.store, k, id, at)
	if err != nil {
		return err
	}
	out, err := view(s)
	if err != nil {
		return err
	}
	return writeState(w, http.StatusOK, "", out, v)
}

// change runs a command on an existing aggregate and answers with its new
// state; status is 200 or 201 (with location) for sub-resource creations.
func change[S any](w http.ResponseWriter, r *http.Request, c *call, k domain.Kind[S], id string, decide domain.Decider[S], status int, location string) error {
	req, err := c.request(r)
	if err != nil {
		return err
	}
	res, err := domain.Execute(r.Context(), c.api.cmds, k, id, req, decide)
	if err != nil {
		return err
	}
	return writeState(w, status, location, res.State, res.Version)
}

// create runs a creating command and answers 201 with Location.
func create[S any](w http.ResponseWriter, r *http.Request, c *call, k domain.Kind[S], id, location string, decide domain.Decider[S]) error {
	req, err := c.request(r)
	if err != nil {
		return err
	}
	req.Expected = nil // a new aggregate: any If-Match is meaningless
	res, err := domain.Execute(r.Context(), c.api.cmds, k, id, req, decide)
	if err != nil {
		return err
	}
	return writeState(w, http.StatusCreated, location, res.State, res.Version)
}

// requireRole refuses the call unless the actor has one of roles.
func (c *call) requireRole(what string, roles ...domain.Role) error {
	for _, r := range roles {
		if c.actor.Role == r {
			return nil
		}
	}
	return fmt.Errorf("%w: %s may not %s", domain.ErrForbidden, c.actor.Role, what)
}

// withPrefix prefixes the field paths of validation errors, for commands
// whose body nests the validated value under a member.
func withPrefix(prefix string, err error) error {
	var es domain.ValidationErrors
	if errors.As(err, &es) {
		out := make(domain.ValidationErrors, len(es))
		for i, e := range es {
			cp := *e
			cp.Field = prefix + "." + e.Field
			out[i] = &cp
		}
		return out
	}
	return err
}

// decodeOptional decodes a body that may be absent (lifecycle steps whose
// fields are all optional).
func (c *call) decodeOptional(r *http.Request, v any) error {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return nil
	}
	return c.decode(r, v)
}

// renameFields renames the fields of validation errors whose domain name
// differs from the request body's (org_id → organisation_id).
func renameFields(err error, names map[string]string) error {
	var es domain.ValidationErrors
	if !errors.As(err, &es) {
		return err
	}
	out := make(domain.ValidationErrors, len(es))
	for i, e := range es {
		cp := *e
		if n, ok := names[cp.Field]; ok {
			cp.Field = n
		}
		out[i] = &cp
	}
	return out
}

// orgRef names an organisation id in a request body.
type orgRef struct{ field, id string }

// checkActiveOrgs checks that the organisations a command refers to are
// registered and active. An aggregate sees only its own stream, so this
// cross-aggregate rule is checked here, after the command was decided and
// before its events are appended; problems point at the body's fields.
func (a *API) checkActiveOrgs(ctx context.Context, refs ...orgRef) error {
	var es domain.ValidationErrors
	for _, ref := range refs {
		o, _, err := domain.Load(ctx, a.store, domain.OrganisationKind, ref.id, time.Time{})
		switch {
		case errors.Is(err, domain.ErrNotFound):
			es.Add(ref.field, ref.id, "no registered organisation has this id")
		case err != nil:
			return err
		case o.Status != domain.OrgActive:
			es.Add(ref.field, ref.id, "the organisation is "+o.Status)
		}
	}
	return es.Err()
}

// reasonBody is the optional body of lifecycle steps that take a reason
// (deactivate, withdraw, decline, cancel, reject).
type reasonBody struct {
	Reason string `json:"reason,omitempty"`
}
