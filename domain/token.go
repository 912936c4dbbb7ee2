package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"
)

// Token is an API credential: a bearer token whose secret is stored only as
// its SHA-256 hash. Tokens live in streams "token-<id>", so their creation
// and revocation are part of the audited history like everything else.
type Token struct {
	ID         string    `json:"id"`
	Role       Role      `json:"role"`
	OrgID      string    `json:"organisation_id,omitempty"`
	Label      string    `json:"label,omitempty"`
	SecretHash string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	Revoked    bool      `json:"revoked"`
}

// TokenKind is the aggregate kind of tokens: streams "token-<id>".
var TokenKind = Kind[Token]{Category: "token", Evolve: Token.evolve}

// TokenCreated: a token was issued. SecretHash is the hex SHA-256 of the
// secret; the secret itself is shown once and never stored.
type TokenCreated struct {
	TokenID    string    `json:"token_id"`
	Role       Role      `json:"role"`
	OrgID      string    `json:"organisation_id,omitempty"`
	Label      string    `json:"label,omitempty"`
	SecretHash string    `json:"secret_hash"`
	CreatedAt  time.Time `json:"created_at"`
}

// TokenRevoked: the token no longer authenticates.
type TokenRevoked struct {
	TokenID   string    `json:"token_id"`
	RevokedAt time.Time `json:"revoked_at"`
}

// EventType implements Payload.
func (TokenCreated) EventType() string { return "TokenCreated" }

// EventType implements Payload.
func (TokenRevoked) EventType() string { return "TokenRevoked" }

func init() {
	RegisterEvent[TokenCreated](1)
	RegisterEvent[TokenRevoked](1)
}

func (t Token) evolve(p Payload) Token {
	switch e := p.(type) {
	case TokenCreated:
		t = Token{ID: e.TokenID, Role: e.Role, OrgID: e.OrgID, Label: e.Label, SecretHash: e.SecretHash, CreatedAt: e.CreatedAt}
	case TokenRevoked:
		t.Revoked = true
	}
	return t
}

// HashTokenSecret returns the stored form of a token secret.
func HashTokenSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Matches reports whether secret is t's secret and t is not revoked, in
// constant time.
func (t Token) Matches(secret string) bool {
	return !t.Revoked && t.SecretHash != "" &&
		subtle.ConstantTimeCompare([]byte(HashTokenSecret(secret)), []byte(t.SecretHash)) == 1
}

// Actor returns the actor a request authenticated with t acts as.
func (t Token) Actor() Actor { return Actor{ID: "token:" + t.ID, Role: t.Role, OrgID: t.OrgID} }

// CreateToken issues a token. Only admins (and the operator CLI, which acts
// as the system) create tokens. A partner token must name its organisation;
// other roles must not.
type CreateToken struct {
	Role       Role
	OrgID      string
	Label      string
	SecretHash string
}

// Decide implements the command.
func (c CreateToken) Decide(t Token, id string, actor Actor, now time.Time) ([]Payload, error) {
	if actor.Role != RoleAdmin {
		return nil, forbid(actor, "create tokens")
	}
	if t.ID != "" {
		return nil, invalidState("token %s exists", id)
	}
	var es ValidationErrors
	if _, err := ParseRole(string(c.Role)); err != nil {
		es.Add("role", string(c.Role), "must be admin, coordinator, partner or auditor")
	}
	switch {
	case c.Role == RolePartner && c.OrgID == "":
		es.Add("organisation_id", "", "a partner token acts for one organisation: name it")
	case c.Role != RolePartner && c.OrgID != "":
		es.Add("organisation_id", c.OrgID, "only partner tokens act for an organisation")
	}
	checkString(&es, "label", c.Label, 0, 200)
	if len(c.SecretHash) != 64 {
		es.Add("secret_hash", "", "must be a hex SHA-256")
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{TokenCreated{TokenID: id, Role: c.Role, OrgID: c.OrgID, Label: c.Label, SecretHash: c.SecretHash, CreatedAt: now}}, nil
}

// RevokeToken revokes a token (admins).
type RevokeToken struct{}

// Decide implements the command.
func (RevokeToken) Decide(t Token, actor Actor, now time.Time) ([]Payload, error) {
	if actor.Role != RoleAdmin {
		return nil, forbid(actor, "revoke tokens")
	}
	if t.ID == "" {
		return nil, ErrNotFound
	}
	if t.Revoked {
		return nil, nil
	}
	return []Payload{TokenRevoked{TokenID: t.ID, RevokedAt: now}}, nil
}
