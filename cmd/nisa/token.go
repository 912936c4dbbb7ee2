package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/domain"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprintln(stdout, "Usage: nisa token create --role admin|coordinator|partner|auditor [--org ID] [--label TEXT]")
			return nil
		}
		fmt.Fprintln(stderr, "Usage: nisa token create --role admin|coordinator|partner|auditor [--org ID] [--label TEXT]")
		return errUsage
	}
	f := newFlags("token create", `Create an API bearer token and print it. The token is shown once, as the
last line of the output; only its SHA-256 hash is stored (as a TokenCreated
event). Send it as "Authorization: Bearer <token>".

Roles: admin (everything), coordinator (meetings, verifications, visits),
partner (acts for one organisation: --org is required), auditor (reads
everything, changes nothing).

Works whether or not "nisa serve" is running: with the embedded store and
a running server, the request goes through the server's control socket in
the data directory.`, stderr)
	var sf storeFlags
	sf.register(f)
	var role, org, label string
	f.StringVar(&role, "role", "", "role of the token: admin, coordinator, partner or auditor")
	f.StringVar(&org, "org", "", "organisation id a partner token acts for")
	f.StringVar(&label, "label", "", "a note on who holds the token")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	r, err := domain.ParseRole(role)
	if err != nil {
		return fmt.Errorf("--role %q: want admin, coordinator, partner or auditor", role)
	}
	log, err := sf.logger(io.Discard)
	if err != nil {
		return err
	}
	var resp tokenResponse
	s, err := openStore(ctx, sf, true, log)
	switch {
	case errors.Is(err, embedded.ErrLocked):
		resp, err = controlCreateToken(ctx, sf.DataDir, tokenRequest{Role: r, OrgID: org, Label: label})
		if err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		defer s.Close()
		t, bearer, err := httpapi.CreateToken(ctx, domain.NewCommands(s), domain.System("cli"), r, org, label)
		if err != nil {
			return err
		}
		resp = tokenResponse{Token: t, Bearer: bearer}
	}
	who := string(resp.Token.Role)
	if resp.Token.OrgID != "" {
		who += " for organisation " + resp.Token.OrgID
	}
	fmt.Fprintf(stdout, "created %s token %s\n", who, resp.Token.ID)
	fmt.Fprintln(stdout, "keep it now: it is shown only once and stored only as a hash")
	fmt.Fprintln(stdout, resp.Bearer)
	return nil
}
