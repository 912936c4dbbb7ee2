package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Personal data and its erasure (GDPR Art. 17) by crypto-shredding.
//
// Personal data is what identifies a person: the names, e-mail addresses,
// phone numbers and positions of an organisation's contact persons
// (Contact), of the participants registered for a meeting (Participant)
// and of the participants of an exchange visit (VisitParticipant). In an
// event body these are the objects of the JSON arrays named in
// PersonCollections; their fields named in PersonalFields are the
// personal data.
//
// The event store never holds those fields in clear: an encrypting
// decorator (adapters/shred) seals them with AES-256-GCM under a key of
// their own per person, kept in a KeyStore apart from the events, and
// opens them again on every read. Forgetting a person destroys the key:
// from then on every read shows the person as erased (ErasedPlaceholder),
// while the stored ciphertext — and so the audit log's hashes over it —
// stays as it was.

// ErasedPlaceholder is what every read shows instead of the name of a
// person whose data was erased. The person's other personal fields are
// left out and the person object carries "erased": true.
const ErasedPlaceholder = "[erased]"

// PersonCollections are the JSON keys of arrays of person objects in event
// bodies: Contact lists ("contacts") and participant lists
// ("participants").
var PersonCollections = []string{"contacts", "participants"}

// PersonalFields are the fields of a person object that are personal data
// and are stored encrypted. Other fields of the object (a contact's
// languages) are kept in clear.
var PersonalFields = []string{"name", "email", "phone", "position"}

// PersonLookup returns the key under which the key store finds a person
// again: the e-mail address (case-insensitive) when there is one, else the
// name within the stream it appears in (a contact without an address is
// the same person in every version of one organisation profile, and
// nobody else). The key store keeps only a keyed hash of it.
func PersonLookup(streamID, name, email string) string {
	if e := strings.ToLower(strings.TrimSpace(email)); e != "" {
		return "email:" + e
	}
	return "name:" + streamID + ":" + strings.ToLower(strings.TrimSpace(name))
}

// PersonCategory is the stream category of the person streams, which hold
// PersonForgotten events.
const PersonCategory = "person"

// ErrKeyDestroyed is returned by a KeyStore for a person whose key was
// destroyed: the person was forgotten.
var ErrKeyDestroyed = errors.New("person's key destroyed")

// KeyStore keeps one AES-256 key per person, apart from the events. It is
// the port of the key stores in adapters/shred (a bbolt file for the
// embedded store, a PostgreSQL table otherwise). Safe for concurrent use.
type KeyStore interface {
	// Ensure returns the person id and key for lookup (see PersonLookup),
	// creating a new person with a new random key the first time.
	Ensure(ctx context.Context, lookup string) (personID string, key []byte, err error)
	// Find returns the person id for lookup, or ErrNotFound (also after the
	// person was forgotten: the lookup goes with the key).
	Find(ctx context.Context, lookup string) (string, error)
	// Key returns the key of a person: ErrKeyDestroyed once the person was
	// forgotten, ErrNotFound for an id the store never issued.
	Key(ctx context.Context, personID string) ([]byte, error)
	// Destroy deletes the person's key and lookup for good. Destroying a
	// destroyed key is no error; an id the store never issued is
	// ErrNotFound.
	Destroy(ctx context.Context, personID string) error
	// Close releases the store.
	Close() error
}

// Eraser erases a person's data: the encrypting store destroys the key and
// forgets whatever it cached of it.
type Eraser interface {
	Erase(ctx context.Context, personID string) error
}

// Person is the state of a person stream: whether the person was
// forgotten.
type Person struct {
	ID          string    `json:"id"`
	Forgotten   bool      `json:"forgotten"`
	ForgottenAt time.Time `json:"forgotten_at,omitzero"`
	Reason      string    `json:"reason,omitempty"`
}

// PersonForgotten records that a person's personal data was erased: the
// person's key was destroyed. The event itself holds no personal data.
type PersonForgotten struct {
	PersonID    string    `json:"person_id"`
	Reason      string    `json:"reason,omitempty"`
	ForgottenAt time.Time `json:"forgotten_at"`
}

// EventType implements Payload.
func (PersonForgotten) EventType() string { return "PersonForgotten" }

// PersonKind is the person aggregate.
var PersonKind = Kind[Person]{Category: PersonCategory, Evolve: evolvePerson}

func evolvePerson(p Person, pl Payload) Person {
	if e, ok := pl.(PersonForgotten); ok {
		p.ID, p.Forgotten, p.ForgottenAt, p.Reason = e.PersonID, true, e.ForgottenAt, e.Reason
	}
	return p
}

// ValidatePersonID checks a person id as the key stores issue them:
// "p-" and 32 lower-case hex digits.
func ValidatePersonID(id string) error {
	ok := len(id) == 34 && strings.HasPrefix(id, "p-")
	for _, r := range id[min(2, len(id)):] {
		ok = ok && (r >= '0' && r <= '9' || r >= 'a' && r <= 'f')
	}
	if !ok {
		return &ValidationError{Field: "person_id", Value: id, Reason: `not a person id ("p-" and 32 hex digits, as shown in the person_id of a contact or participant)`}
	}
	return nil
}

// ForgetPerson erases a person's personal data: it destroys the person's
// key through eraser, then records PersonForgotten on the person's stream.
// The key goes first: if recording fails, the data is already unreadable
// and a retry records the event. Forgetting a forgotten person changes
// nothing and is no error. Only admins may forget.
func ForgetPerson(ctx context.Context, c *Commands, eraser Eraser, personID, reason string, req Request) (Result[Person], error) {
	if req.Actor.Role != RoleAdmin {
		return Result[Person]{}, forbid(req.Actor, "erase personal data")
	}
	if err := ValidatePersonID(personID); err != nil {
		return Result[Person]{}, err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return Result[Person]{}, &ValidationError{Field: "reason", Value: fmt.Sprint(len(reason), " characters"), Reason: "at most 500 characters"}
	}
	if err := eraser.Erase(ctx, personID); err != nil {
		return Result[Person]{}, err
	}
	return Execute(ctx, c, PersonKind, personID, req, func(p Person, _ uint64, now time.Time) ([]Payload, error) {
		if p.Forgotten {
			return nil, nil
		}
		return []Payload{PersonForgotten{PersonID: personID, Reason: reason, ForgottenAt: now}}, nil
	})
}

func init() {
	RegisterEvent[PersonForgotten](1)
}

// keepPersonID checks the store-managed fields of a person object in a
// command: an erased person (sent back as read, e.g. in a profile update)
// keeps its id and the placeholder; for anyone else the store assigns the
// id, so whatever the caller sent is dropped.
func keepPersonID(es *ValidationErrors, field, personID string, erased bool, name string) string {
	if !erased {
		return ""
	}
	if err := ValidatePersonID(personID); err != nil {
		es.Add(field+".person_id", personID, "an erased person keeps the person_id it was read with")
	}
	if name != ErasedPlaceholder {
		es.Add(field+".name", name, "an erased person's name is "+ErasedPlaceholder)
	}
	return personID
}
