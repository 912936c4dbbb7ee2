package shred

import (
	"context"
	"fmt"
	"strings"

	"github.com/nisa-eu/nisa/domain"
)

// secretPrefix starts a sealed secret: "sealed-secret:v1:<key id>:<sealed
// value>". Nothing a caller chooses as a secret starts with it.
const secretPrefix = "sealed-secret:v1:"

var _ domain.SecretSealer = (*Store)(nil)

// secretLookup is the key store lookup of a subject's secret key: one key
// per subject, beside the persons' keys, never matching a person's lookup
// (domain.PersonLookup).
func secretLookup(subject string) string { return "secret:" + subject }

// SealSecret implements domain.SecretSealer: secret is sealed (AES-256-GCM)
// under a key of its own for subject, created in the key store the first
// time. The sealed form names the key and is bound to subject.
func (s *Store) SealSecret(ctx context.Context, subject, secret string) (string, error) {
	if subject == "" || strings.Contains(subject, ":") {
		return "", fmt.Errorf("shred: seal secret: bad subject %q", subject)
	}
	keyID, key, err := s.keys.Ensure(ctx, secretLookup(subject))
	if err != nil {
		return "", fmt.Errorf("shred: seal secret of %s: %w", subject, err)
	}
	s.put(keyID, key)
	v, err := sealValue(key, domain.EventID{}, secretBinding(subject, keyID), []byte(secret))
	if err != nil {
		return "", fmt.Errorf("shred: seal secret of %s: %w", subject, err)
	}
	return secretPrefix + keyID + ":" + v, nil
}

// OpenSecret implements domain.SecretSealer. A stored value that is not a
// sealed secret (recorded by a server that did not seal secrets) is
// returned as it is.
func (s *Store) OpenSecret(ctx context.Context, subject, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, secretPrefix)
	if !ok {
		return stored, nil
	}
	keyID, v, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("shred: secret of %s: sealed form without a key", subject)
	}
	key, err := s.key(ctx, keyID)
	if err != nil {
		return "", fmt.Errorf("shred: secret of %s: %w", subject, err)
	}
	plain, err := openValue(key, domain.EventID{}, secretBinding(subject, keyID), v)
	if err != nil {
		return "", fmt.Errorf("shred: secret of %s: %w", subject, err)
	}
	return string(plain), nil
}

// secretBinding is what a sealed secret is bound to (the additional data
// of its encryption): its subject and key.
func secretBinding(subject, keyID string) string { return "secret\x00" + subject + "\x00" + keyID }
