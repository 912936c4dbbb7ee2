package shred_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/eventstoretest"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/adapters/shred"
	"github.com/nisa-eu/nisa/domain"
)

// openEmbedded returns the decorator over a fresh embedded store with its
// own key file.
func openEmbedded(t *testing.T) *shred.Store {
	t.Helper()
	dir := t.TempDir()
	inner, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := shred.OpenBoltKeys(filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := shred.New(inner, keys, shred.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

// openPostgres returns the decorator over a fresh PostgreSQL database,
// keys in its nisa_person_keys table.
func openPostgres(t *testing.T) (*shred.Store, *postgres.Store) {
	t.Helper()
	ctx := context.Background()
	inner, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, inner.Pool(), nil); err != nil {
		t.Fatal(err)
	}
	s := shred.New(inner, shred.NewPGKeys(inner.Pool()), shred.Options{})
	t.Cleanup(func() { s.Close() })
	return s, inner
}

func TestContractThroughDecorator(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) domain.EventStore { return openEmbedded(t) },
		eventstoretest.Features{DensePositions: true, DetectsChangedDuplicates: true, DetectsCrossStreamDuplicates: true})
}

const (
	zofia = "Zofia Wiśniewska"
	mail  = "zofia.wisniewska@example.pl"
	jan   = "Jan Novák"
)

func profile(t *testing.T, id domain.EventID) domain.EventData {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"org_id": "o1",
		"profile": map[string]any{
			"name": "Odlewnia Zgorzelec",
			"contacts": []any{
				map[string]any{"name": zofia, "email": mail, "phone": "+48 75 123 45 67", "languages": []string{"pl", "de"}},
				map[string]any{"name": jan, "position": "CEO"},
			},
		},
		"amount": 12345678901234567,
	})
	if err != nil {
		t.Fatal(err)
	}
	return domain.EventData{ID: id, Type: "OrganisationRegistered", SchemaVersion: 1, Data: data, Actor: "u1"}
}

func registration(t *testing.T, id domain.EventID) domain.EventData {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"meeting_id": "m1", "participants": []any{map[string]any{"name": "Zofia W.", "email": strings.ToUpper(mail)}}})
	return domain.EventData{ID: id, Type: "MeetingRegistered", SchemaVersion: 1, Data: data, Actor: "u1"}
}

type person struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone"`
	Position string   `json:"position"`
	PersonID string   `json:"person_id"`
	Erased   bool     `json:"erased"`
	Sealed   string   `json:"sealed"`
	Langs    []string `json:"languages"`
}

func contactsOf(t *testing.T, ev domain.Event) []person {
	t.Helper()
	var b struct {
		Profile struct {
			Contacts []person `json:"contacts"`
		} `json:"profile"`
		Participants []person `json:"participants"`
		Amount       json.Number
	}
	if err := json.Unmarshal(ev.Data, &b); err != nil {
		t.Fatal(err)
	}
	if b.Participants != nil {
		return b.Participants
	}
	if b.Amount != "12345678901234567" {
		t.Fatalf("a number lost precision: %s", b.Amount)
	}
	return b.Profile.Contacts
}

func testSealOpenErase(t *testing.T, s *shred.Store) {
	ctx := context.Background()
	org, reg := profile(t, domain.NewEventID()), registration(t, domain.NewEventID())
	res, err := s.Append(ctx, "organisation-o1", domain.NoStream, []domain.EventData{org})
	if err != nil {
		t.Fatal(err)
	}
	if c := contactsOf(t, res.Events[0]); c[0].Name != zofia || c[0].Email != mail {
		t.Fatalf("append returned %+v, want the contact in clear", c[0])
	}
	if _, err := s.Append(ctx, "meeting-m1", domain.NoStream, []domain.EventData{reg}); err != nil {
		t.Fatal(err)
	}
	// A retry of the same events is acknowledged, not a duplicate.
	if _, err := s.Append(ctx, "organisation-o1", domain.NoStream, []domain.EventData{org}); err != nil {
		t.Fatalf("retried append: %v", err)
	}

	raw, err := s.Inner().ReadAll(ctx, domain.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 {
		t.Fatalf("%d events stored, want 2", len(raw))
	}
	for _, ev := range raw {
		for _, plain := range []string{"Zofia", "Wiśniewska", "zofia", "ZOFIA", "+48", jan, "CEO"} {
			if strings.Contains(string(ev.Data), plain) {
				t.Fatalf("stored event %s holds %q in clear: %s", ev.Type, plain, ev.Data)
			}
		}
	}
	stored := contactsOf(t, raw[0])
	if stored[0].Sealed == "" || stored[0].PersonID == "" || stored[0].Langs[0] != "pl" {
		t.Fatalf("stored contact %+v: want sealed, a person id and the languages in clear", stored[0])
	}
	zofiaID := stored[0].PersonID
	if p := contactsOf(t, raw[1])[0]; p.PersonID != zofiaID {
		t.Fatalf("the same e-mail address (other case) in another stream is person %s, want %s", p.PersonID, zofiaID)
	}
	if id, err := s.Keys().Find(ctx, domain.PersonLookup("", "", mail)); err != nil || id != zofiaID {
		t.Fatalf("Find by e-mail = %q, %v; want %s", id, err, zofiaID)
	}

	if err := s.Erase(ctx, zofiaID); err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(ctx, zofiaID); err != nil {
		t.Fatalf("erasing twice: %v", err)
	}
	evs, err := s.ReadAll(ctx, domain.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	c := contactsOf(t, evs[0])
	if c[0].Name != domain.ErasedPlaceholder || !c[0].Erased || c[0].Email != "" || c[0].Phone != "" || c[0].PersonID != zofiaID {
		t.Fatalf("forgotten contact reads %+v, want the erased placeholder", c[0])
	}
	if c[1].Name != jan || c[1].Position != "CEO" {
		t.Fatalf("the other contact reads %+v, want it unchanged", c[1])
	}
	if p := contactsOf(t, evs[1])[0]; !p.Erased || p.Name != domain.ErasedPlaceholder {
		t.Fatalf("forgotten participant reads %+v", p)
	}
	again, _ := s.Inner().ReadAll(ctx, domain.Start, 10)
	for i := range raw {
		if string(again[i].Data) != string(raw[i].Data) {
			t.Fatal("erasure changed the stored bytes")
		}
	}
	if _, err := s.Keys().Find(ctx, domain.PersonLookup("", "", mail)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Find after forgetting: %v, want ErrNotFound", err)
	}
	// Subscribing replays the erased view too.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for ev, err := range s.Subscribe(sctx, domain.Start) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(ev.Data), "Zofia") {
			t.Fatalf("subscription shows %s", ev.Data)
		}
		if ev.Type == "MeetingRegistered" {
			break
		}
	}
	// The same address registered afterwards is a new person.
	reg2 := registration(t, domain.NewEventID())
	res, err = s.Append(ctx, "meeting-m2", domain.NoStream, []domain.EventData{reg2})
	if err != nil {
		t.Fatal(err)
	}
	if p := contactsOf(t, res.Events[0])[0]; p.PersonID == zofiaID || p.Erased || p.Email != strings.ToUpper(mail) {
		t.Fatalf("re-registered person %+v: want a new person in clear", p)
	}
}

func TestSealOpenEraseEmbedded(t *testing.T) { testSealOpenErase(t, openEmbedded(t)) }

func TestSealOpenErasePostgres(t *testing.T) {
	s, _ := openPostgres(t)
	testSealOpenErase(t, s)
}

func TestAlteredCiphertextIsAnError(t *testing.T) {
	ctx := context.Background()
	s, inner := openPostgres(t)
	if _, err := s.Append(ctx, "organisation-o1", domain.NoStream, []domain.EventData{profile(t, domain.NewEventID())}); err != nil {
		t.Fatal(err)
	}
	// Flip a character of the sealed value behind the store's back.
	tag, err := inner.Pool().Exec(ctx, `UPDATE nisa_events SET data = replace(data::text, '"sealed":"v1:', '"sealed":"v1:A')::json`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("tamper: %v (%d rows)", err, tag.RowsAffected())
	}
	if _, err := s.ReadStream(ctx, "organisation-o1", domain.ReadStreamOptions{}); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("reading an altered sealed value: %v, want an error", err)
	}
}

func testKeyStore(t *testing.T, k domain.KeyStore) {
	ctx := context.Background()
	id, key, err := k.Ensure(ctx, "email:a@example.org")
	if err != nil || domain.ValidatePersonID(id) != nil || len(key) != shred.KeySize {
		t.Fatalf("Ensure = %q, %d-byte key, %v", id, len(key), err)
	}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			var err error
			if ids[i], _, err = k.Ensure(ctx, "email:b@example.org"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, other := range ids {
		if other != ids[0] || other == id {
			t.Fatalf("concurrent Ensure of one lookup gave %v (first person %s)", ids, id)
		}
	}
	if again, key2, _ := k.Ensure(ctx, "email:a@example.org"); again != id || string(key2) != string(key) {
		t.Fatal("Ensure of a known lookup made a new person or key")
	}
	if got, err := k.Key(ctx, id); err != nil || string(got) != string(key) {
		t.Fatalf("Key = %v", err)
	}
	if err := k.Destroy(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Key(ctx, id); !errors.Is(err, domain.ErrKeyDestroyed) {
		t.Fatalf("Key after Destroy: %v", err)
	}
	if err := k.Destroy(ctx, id); err != nil {
		t.Fatalf("second Destroy: %v", err)
	}
	if _, err := k.Find(ctx, "email:a@example.org"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Find after Destroy: %v", err)
	}
	if err := k.Destroy(ctx, "p-00000000000000000000000000000000"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Destroy of an unknown person: %v", err)
	}
	if _, err := k.Key(ctx, "p-00000000000000000000000000000000"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Key of an unknown person: %v", err)
	}
}

func TestBoltKeys(t *testing.T) {
	k, err := shred.OpenBoltKeys(filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	testKeyStore(t, k)
}

func TestPGKeys(t *testing.T) {
	_, inner := openPostgres(t)
	testKeyStore(t, shred.NewPGKeys(inner.Pool()))
	var n int
	if err := inner.Pool().QueryRow(context.Background(), `SELECT count(*) FROM nisa_person_keys WHERE key IS NOT NULL AND destroyed_at IS NOT NULL`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("destroyed rows still holding a key: %d (%v)", n, err)
	}
}

// TestSealedSecrets: a sealed secret shows nothing of the secret, opens
// again (also in a second process with its own key cache) only for its
// subject and unaltered, and a value that was never sealed is returned as
// it is.
func TestSealedSecrets(t *testing.T) {
	ctx := context.Background()
	s, inner := openPostgres(t)
	const secret = "whsec_4kXr0ZP1sYt3vQ9mB2nC7dE5fG8hJ6kL0pQ1rS2tU3v"
	sealed, err := s.SealSecret(ctx, "webhook-a", secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "sealed-secret:v1:") || strings.Contains(sealed, secret[6:]) {
		t.Fatalf("sealed form %q", sealed)
	}
	if len(sealed) > 200 {
		t.Errorf("sealed form has %d bytes, more than a webhook secret may (domain.RegisterWebhook)", len(sealed))
	}
	other := shred.New(inner, shred.NewPGKeys(inner.Pool()), shred.Options{})
	for name, st := range map[string]*shred.Store{"same process": s, "other process": other} {
		if got, err := st.OpenSecret(ctx, "webhook-a", sealed); err != nil || got != secret {
			t.Errorf("%s: OpenSecret = %q, %v", name, got, err)
		}
	}
	if _, err := s.OpenSecret(ctx, "webhook-b", sealed); err == nil {
		t.Error("a secret sealed for webhook-a opened for webhook-b")
	}
	i := len(sealed) - 5
	altered := sealed[:i] + string('A'+(sealed[i]-'A'+1)%26) + sealed[i+1:]
	if _, err := s.OpenSecret(ctx, "webhook-a", altered); err == nil {
		t.Error("an altered sealed secret opened")
	}
	if got, err := s.OpenSecret(ctx, "webhook-old", "whsec_recorded_in_clear"); err != nil || got != "whsec_recorded_in_clear" {
		t.Errorf("a secret recorded in clear: OpenSecret = %q, %v", got, err)
	}
	if _, err := s.SealSecret(ctx, "", secret); err == nil {
		t.Error("a secret sealed for no subject")
	}
}
