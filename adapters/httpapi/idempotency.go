package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

// IdempotencyRecord is what is kept of a POST made with an Idempotency-Key.
type IdempotencyRecord struct {
	// Fingerprint identifies the request: method, path and body.
	Fingerprint string
	// Done is set once the response is recorded; before that the request
	// is in progress.
	Done      bool
	Status    int
	Header    map[string]string
	Body      []byte
	CreatedAt time.Time
}

// IdempotencyStore keeps idempotency records for at least
// IdempotencyRetention. Implementations: adapters/embedded and
// adapters/postgres. Safe for concurrent use across processes sharing the
// store.
type IdempotencyStore interface {
	// Reserve claims key for a new request. It returns reserved = true when
	// the caller now owns the key: the key was unknown, or its earlier
	// request never completed and was reserved before staleBefore. Otherwise
	// it returns the existing record.
	Reserve(ctx context.Context, key, fingerprint string, now, staleBefore time.Time) (rec IdempotencyRecord, reserved bool, err error)
	// Complete records the response of a reserved key.
	Complete(ctx context.Context, key string, rec IdempotencyRecord) error
	// Release forgets a reserved key whose request failed, so it can be
	// retried.
	Release(ctx context.Context, key string) error
	// Purge deletes records created before before and returns how many.
	Purge(ctx context.Context, before time.Time) (int, error)
}

// Idempotency timing.
const (
	// IdempotencyRetention is how long keys are kept (at least).
	IdempotencyRetention = 48 * time.Hour
	// idempotencyStale is how long a request may stay in progress before a
	// retry with the same key takes over (the first one crashed).
	idempotencyStale = time.Minute
)

// replayedHeaders are the response headers kept with a record.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent runs a POST under an Idempotency-Key: the same key with the
// same request returns the first response and appends nothing; the same key
// with another request is 422; keys are scoped per caller.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, c *call, key string, rt route) {
	fail := func(err error) { writeError(w, r, a.cfg.Logger, err) }
	if len(key) > 200 || key == "" {
		fail(invalid("/header/Idempotency-Key", "Idempotency-Key must be 1..200 characters"))
		return
	}
	if a.idem == nil {
		fail(fmt.Errorf("idempotency store not configured"))
		return
	}
	scope := sha256.Sum256([]byte(c.actor.ID + "\x00" + key))
	storeKey := hex.EncodeToString(scope[:])
	fp := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\x00"), c.body...))
	fingerprint := hex.EncodeToString(fp[:])
	now := time.Now().UTC()
	rec, reserved, err := a.idem.Reserve(r.Context(), storeKey, fingerprint, now, now.Add(-idempotencyStale))
	if err != nil {
		fail(err)
		return
	}
	if !reserved {
		switch {
		case rec.Fingerprint != fingerprint:
			fail(newError(codeIdempotencyReused, "this Idempotency-Key was used for a different request; use a new key for a new request"))
		case !rec.Done:
			fail(newError(codeInProgress, "a request with this Idempotency-Key is still in progress; retry shortly"))
		default:
			for k, v := range rec.Header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(rec.Status)
			_, _ = w.Write(rec.Body)
		}
		return
	}
	c.idemScope = storeKey
	rw := &recorder{header: w.Header().Clone(), status: http.StatusOK}
	if err := rt.handle(rw, r, c); err != nil {
		writeError(rw, r, a.cfg.Logger, err)
	}
	res := struct {
		StatusCode int
		Header     http.Header
	}{rw.status, rw.header}
	body := rw.body.Bytes()
	// Keep successes and the client errors a retry would meet again;
	// release the key after conflicts and server faults so a retry runs.
	switch res.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity:
		out := IdempotencyRecord{Fingerprint: fingerprint, Done: true, Status: res.StatusCode, Header: map[string]string{}, Body: bytes.Clone(body), CreatedAt: now}
		for _, h := range replayedHeaders {
			if v := res.Header.Get(h); v != "" {
				out.Header[h] = v
			}
		}
		if err := a.idem.Complete(context.WithoutCancel(r.Context()), storeKey, out); err != nil {
			a.cfg.Logger.Error("idempotency: record response", "err", err)
		}
	default:
		if err := a.idem.Release(context.WithoutCancel(r.Context()), storeKey); err != nil {
			a.cfg.Logger.Error("idempotency: release key", "err", err)
		}
	}
	for k, v := range rw.header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

// recorder keeps a response in memory until the idempotency record of its
// request is written.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
