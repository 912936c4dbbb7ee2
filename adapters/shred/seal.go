package shred

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nisa-eu/nisa/domain"
)

// sealedPrefix starts every sealed value: the format version, then the
// base64 (standard, unpadded) of nonce (12 bytes) and ciphertext with tag.
const sealedPrefix = "v1:"

// Keys of a person object the decorator manages.
const (
	fieldPersonID = "person_id"
	fieldSealed   = "sealed"
	fieldErased   = "erased"
)

// keySource is what sealing and opening need from the key store.
type keySource interface {
	ensure(ctx context.Context, lookup string) (string, []byte, error)
	key(ctx context.Context, personID string) ([]byte, error)
}

// mayHoldPersons reports cheaply whether an event body can hold person
// objects, so that most events are passed through untouched.
func mayHoldPersons(data []byte) bool {
	for _, c := range domain.PersonCollections {
		if bytes.Contains(data, []byte(`"`+c+`"`)) {
			return true
		}
	}
	return false
}

// decode parses a JSON body keeping numbers exact.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// encode writes v as compact JSON without HTML escaping.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// walkPersons calls fn for every person object of body: every object
// element of an array held under one of domain.PersonCollections, at any
// depth. It reports whether fn changed anything.
func walkPersons(v any, fn func(m map[string]any) (bool, error)) (bool, error) {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if list, ok := child.([]any); ok && slices.Contains(domain.PersonCollections, k) {
				for _, el := range list {
					if m, ok := el.(map[string]any); ok {
						c, err := fn(m)
						if err != nil {
							return changed, fmt.Errorf("%s: %w", k, err)
						}
						changed = changed || c
					}
				}
				continue
			}
			c, err := walkPersons(child, fn)
			if err != nil {
				return changed, err
			}
			changed = changed || c
		}
	case []any:
		for _, el := range x {
			c, err := walkPersons(el, fn)
			if err != nil {
				return changed, err
			}
			changed = changed || c
		}
	}
	return changed, nil
}

// seal returns the body of event id in stream with every person's personal
// fields replaced by one sealed value under the person's key. Sealing is
// deterministic (the nonce is derived from key, event, person and
// plaintext), so a retried append carries the same bytes and stays
// idempotent.
func seal(ctx context.Context, keys keySource, streamID string, id domain.EventID, data []byte) ([]byte, error) {
	if !mayHoldPersons(data) {
		return data, nil
	}
	body, err := decode(data)
	if err != nil {
		return nil, err
	}
	changed, err := walkPersons(body, func(m map[string]any) (bool, error) {
		if erased, _ := m[fieldErased].(bool); erased {
			eraseFields(m)
			return true, nil
		}
		if _, done := m[fieldSealed]; done {
			return false, nil
		}
		personal := map[string]any{}
		for _, f := range domain.PersonalFields {
			if v, ok := m[f]; ok {
				personal[f] = v
				delete(m, f)
			}
		}
		if len(personal) == 0 {
			return false, nil
		}
		name, _ := personal["name"].(string)
		email, _ := personal["email"].(string)
		personID, key, err := keys.ensure(ctx, domain.PersonLookup(streamID, name, email))
		if err != nil {
			return false, err
		}
		plain, err := encode(personal)
		if err != nil {
			return false, err
		}
		sealed, err := sealValue(key, id, personID, plain)
		if err != nil {
			return false, err
		}
		m[fieldPersonID], m[fieldSealed] = personID, sealed
		return true, nil
	})
	if err != nil || !changed {
		return data, err
	}
	return encode(body)
}

// open returns the body with every sealed person opened again, or shown as
// erased when the person's key was destroyed.
func open(ctx context.Context, keys keySource, id domain.EventID, data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte(`"`+fieldSealed+`"`)) {
		return data, nil
	}
	body, err := decode(data)
	if err != nil {
		return nil, err
	}
	changed, err := walkPersons(body, func(m map[string]any) (bool, error) {
		sealed, ok := m[fieldSealed].(string)
		if !ok {
			return false, nil
		}
		delete(m, fieldSealed)
		personID, _ := m[fieldPersonID].(string)
		key, err := keys.key(ctx, personID)
		if errors.Is(err, domain.ErrKeyDestroyed) {
			eraseFields(m)
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("person %s: %w", personID, err)
		}
		plain, err := openValue(key, id, personID, sealed)
		if err != nil {
			return false, fmt.Errorf("person %s: %w", personID, err)
		}
		personal, err := decode(plain)
		if err != nil {
			return false, fmt.Errorf("person %s: sealed fields: %w", personID, err)
		}
		fields, _ := personal.(map[string]any)
		for k, v := range fields {
			m[k] = v
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("shred: event %s: %w", id, err)
	}
	if !changed {
		return data, nil
	}
	return encode(body)
}

// eraseFields turns a person object into the erased placeholder: the name
// is domain.ErasedPlaceholder, the other personal fields are gone.
func eraseFields(m map[string]any) {
	for _, f := range domain.PersonalFields {
		delete(m, f)
	}
	delete(m, fieldSealed)
	m["name"], m[fieldErased] = domain.ErasedPlaceholder, true
}

func aead(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealValue encrypts plain with AES-256-GCM. The additional data binds the
// ciphertext to its event and person: it cannot be moved elsewhere.
func sealValue(key []byte, id domain.EventID, personID string, plain []byte) (string, error) {
	g, err := aead(key)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("nisa/shred/nonce\x00" + id.String() + "\x00" + personID + "\x00"))
	mac.Write(plain)
	nonce := mac.Sum(nil)[:g.NonceSize()]
	out := g.Seal(slices.Clone(nonce), nonce, plain, additionalData(id, personID))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

func openValue(key []byte, id domain.EventID, personID, sealed string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return nil, fmt.Errorf("sealed value of unknown format %.8q", sealed)
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("sealed value: %w", err)
	}
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	if len(b) < g.NonceSize()+g.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	plain, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], additionalData(id, personID))
	if err != nil {
		return nil, fmt.Errorf("sealed value does not open with the person's key (altered or moved): %w", err)
	}
	return plain, nil
}

func additionalData(id domain.EventID, personID string) []byte {
	return []byte("nisa/shred/v1\x00" + id.String() + "\x00" + personID)
}
