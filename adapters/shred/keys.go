package shred

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// KeySize is the size of a person's key: AES-256.
const KeySize = 32

// newPersonID returns a new random person id: "p-" and 32 hex digits. It
// says nothing about the person.
func newPersonID() string {
	var b [16]byte
	rand.Read(b[:])
	return "p-" + hex.EncodeToString(b[:])
}

// newKey returns a new random key.
func newKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

// lookupHash is the keyed hash under which a key store files a lookup: the
// store never holds an e-mail address or a name, and without the secret a
// hash cannot be tested against guesses.
func lookupHash(secret []byte, lookup string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(lookup))
	return mac.Sum(nil)
}
