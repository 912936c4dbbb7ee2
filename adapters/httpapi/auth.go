package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// TokenPrefix starts every nisa bearer token: nisa_<id>_<secret>.
const TokenPrefix = "nisa_"

// NewTokenSecret returns a fresh token id and secret and the full bearer
// token made of them. The secret has 256 random bits.
func NewTokenSecret() (id, secret, token string) {
	var idb [6]byte
	var sb [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		panic(err)
	}
	if _, err := rand.Read(sb[:]); err != nil {
		panic(err)
	}
	id = hex.EncodeToString(idb[:])
	secret = base64.RawURLEncoding.EncodeToString(sb[:])
	return id, secret, TokenPrefix + id + "_" + secret
}

// CreateToken issues a token through the event store and returns the bearer
// token, which is shown once: only its hash is stored.
func CreateToken(ctx context.Context, cmds *domain.Commands, actor domain.Actor, role domain.Role, orgID, label string) (domain.Token, string, error) {
	id, secret, token := NewTokenSecret()
	cmd := domain.CreateToken{Role: role, OrgID: orgID, Label: label, SecretHash: domain.HashTokenSecret(secret)}
	res, err := domain.Execute(ctx, cmds, domain.TokenKind, id, domain.Request{Actor: actor}, func(t domain.Token, _ uint64, now time.Time) ([]domain.Payload, error) {
		return cmd.Decide(t, id, actor, now)
	})
	if err != nil {
		return domain.Token{}, "", err
	}
	return res.State, token, nil
}

// authenticator resolves bearer tokens to actors. Verified tokens are cached
// for cacheTTL, so a revocation takes effect on other processes within it.
type authenticator struct {
	store domain.EventStore
	ttl   time.Duration
	mu    sync.Mutex
	cache map[string]cachedToken
}

type cachedToken struct {
	token  domain.Token
	loaded time.Time
}

func newAuthenticator(store domain.EventStore, ttl time.Duration) *authenticator {
	return &authenticator{store: store, ttl: ttl, cache: map[string]cachedToken{}}
}

var errBadToken = fmt.Errorf("%w: the bearer token is unknown, malformed or revoked", domain.ErrUnauthenticated)

// authenticate returns the actor of the request's bearer token.
func (a *authenticator) authenticate(r *http.Request) (domain.Actor, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return domain.Actor{}, fmt.Errorf("%w: send Authorization: Bearer <token> (create one with nisa token create)", domain.ErrUnauthenticated)
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return domain.Actor{}, fmt.Errorf("%w: the Authorization header must be \"Bearer <token>\"", domain.ErrUnauthenticated)
	}
	return a.verify(r.Context(), strings.TrimSpace(tok))
}

// verify checks a bearer token string.
func (a *authenticator) verify(ctx context.Context, tok string) (domain.Actor, error) {
	rest, ok := strings.CutPrefix(tok, TokenPrefix)
	if !ok {
		return domain.Actor{}, errBadToken
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 12 || secret == "" {
		return domain.Actor{}, errBadToken
	}
	t, err := a.token(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Actor{}, errBadToken
	}
	if err != nil {
		return domain.Actor{}, err
	}
	if !t.Matches(secret) {
		return domain.Actor{}, errBadToken
	}
	return t.Actor(), nil
}

func (a *authenticator) token(ctx context.Context, id string) (domain.Token, error) {
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && time.Since(c.loaded) < a.ttl {
		return c.token, nil
	}
	t, _, err := domain.Load(ctx, a.store, domain.TokenKind, id, time.Time{})
	if err != nil {
		return domain.Token{}, err
	}
	a.mu.Lock()
	if len(a.cache) > 10000 {
		clear(a.cache)
	}
	a.cache[id] = cachedToken{token: t, loaded: time.Now()}
	a.mu.Unlock()
	return t, nil
}

// forget drops a token from the cache (after a revocation in this process).
func (a *authenticator) forget(id string) {
	a.mu.Lock()
	delete(a.cache, id)
	a.mu.Unlock()
}
