package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/domain"
)

// forgetRequest is what "nisa forget" asks for: a person id or an e-mail
// address, and the reason recorded with PersonForgotten.
type forgetRequest struct {
	Person string `json:"person"`
	Reason string `json:"reason,omitempty"`
}

// forgetOutcome is what forgetting did.
type forgetOutcome struct {
	Person          domain.Person `json:"person"`
	Version         uint64        `json:"version"`
	PurgedResponses int           `json:"purged_responses"`
}

func runForget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("forget PERSON", `Erase a person's personal data (GDPR Art. 17) by crypto-shredding: the
person's key is destroyed and a PersonForgotten event is recorded. From then
on every read, read model, search, export, websocket replay and as_of view
shows the person as "[erased]"; the events themselves (and the audit log's
hashes over them) stay unchanged. There is no undo.

PERSON is a person id (p-…, as shown in the person_id of a contact or
participant) or the person's e-mail address. Forgetting a forgotten person
changes nothing. Stored Idempotency-Key responses that show the person are
dropped too.

Works whether or not "nisa serve" is running: with the embedded store and a
running server, the request goes through the server's control socket in the
data directory. Over HTTP: POST /v1/persons/{id}/forget (admin).`, stderr)
	var sf storeFlags
	sf.register(f)
	var reason string
	f.StringVar(&reason, "reason", "", "why, recorded with the event: a request or ticket reference, not personal data")
	person, err := parseWithID(f, args, "PERSON (a person id p-… or an e-mail address)")
	if err != nil {
		return err
	}
	req := forgetRequest{Person: person, Reason: reason}
	log, err := sf.logger(io.Discard)
	if err != nil {
		return err
	}
	var out forgetOutcome
	s, err := openStore(ctx, sf, true, log)
	switch {
	case errors.Is(err, embedded.ErrLocked):
		out, err = controlForget(ctx, sf.DataDir, req)
	case err != nil:
		return err
	default:
		defer s.Close()
		out, err = forgetPerson(ctx, s, req)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "person %s forgotten at %s (person stream version %d)\n", out.Person.ID, out.Person.ForgottenAt.Format(time.RFC3339), out.Version)
	if out.PurgedResponses > 0 {
		fmt.Fprintf(stdout, "dropped %d stored Idempotency-Key responses that showed the person\n", out.PurgedResponses)
	}
	return nil
}

// forgetPerson resolves req.Person and forgets the person in s.
func forgetPerson(ctx context.Context, s *openedStore, req forgetRequest) (forgetOutcome, error) {
	id := strings.TrimSpace(req.Person)
	if strings.Contains(id, "@") {
		found, err := s.shred.Keys().Find(ctx, domain.PersonLookup("", "", id))
		if err != nil {
			return forgetOutcome{}, fmt.Errorf("nobody with that e-mail address has personal data here (perhaps already forgotten): %w", err)
		}
		id = found
	}
	res, purged, err := httpapi.ForgetPerson(ctx, domain.NewCommands(s), s.shred, s.idem, id, req.Reason, domain.Request{Actor: domain.System("cli")})
	if err != nil {
		return forgetOutcome{}, err
	}
	return forgetOutcome{Person: res.State, Version: res.Version, PurgedResponses: purged}, nil
}

// controlForget asks the server running on dataDir to forget a person.
func controlForget(ctx context.Context, dataDir string, req forgetRequest) (forgetOutcome, error) {
	body, _ := json.Marshal(req)
	return controlJSON[forgetOutcome](ctx, dataDir, "POST", "/forget", bytes.NewReader(body), time.Minute)
}

// serveForget is the control socket's POST /forget.
func serveForget(s *openedStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req forgetRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := forgetPerson(r.Context(), s, req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}
}
