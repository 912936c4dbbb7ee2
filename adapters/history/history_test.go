package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/history"
	"github.com/nisa-eu/nisa/domain"
)

func openStore(t *testing.T) domain.EventStore {
	t.Helper()
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func profile(name string) domain.OrganisationProfile {
	return domain.OrganisationProfile{Name: name, Kind: "sme", Country: "DE",
		Address: domain.Address{City: "Görlitz", Country: "DE"}, Languages: []string{"de"}, Description: domain.Text{DE: "Testorganisation"}}
}

// register registers an organisation, renames it and verifies it: three
// events on organisation-<id>.
func register(t *testing.T, store domain.EventStore, id, name string) {
	t.Helper()
	ctx := context.Background()
	cmds := domain.NewCommands(store)
	actor := domain.Actor{ID: "token:abc", Role: domain.RoleAdmin}
	run := func(d domain.Decider[domain.Organisation]) {
		t.Helper()
		if _, err := domain.Execute(ctx, cmds, domain.OrganisationKind, id, domain.Request{Actor: actor, CorrelationID: "req-" + id}, d); err != nil {
			t.Fatal(err)
		}
	}
	run(func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterOrganisation{Profile: profile(name)}.Decide(o, id, actor, now)
	})
	run(func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
		p := profile(name + " AG")
		p.Languages = []string{"de", "pl"}
		return domain.UpdateOrganisation{Profile: p}.Decide(o, actor, now)
	})
	run(func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.VerifyOrganisation{}.Decide(o, actor, now)
	})
}

// noise appends n events of type "Noise" to stream in appends of at most
// 1000.
func noise(t *testing.T, store domain.EventStore, stream string, n int) {
	t.Helper()
	for n > 0 {
		k := min(n, domain.MaxEventsPerAppend)
		evs := make([]domain.EventData, k)
		for i := range evs {
			evs[i] = domain.EventData{ID: domain.NewEventID(), Type: "Noise", SchemaVersion: 1, Data: json.RawMessage(`{}`), Actor: "system:test"}
		}
		if _, err := store.Append(context.Background(), stream, domain.Any, evs); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
}

// all reads the whole log.
func all(t *testing.T, store domain.EventStore) []domain.Event {
	t.Helper()
	var out []domain.Event
	pos := domain.Start
	for {
		evs, err := store.ReadAll(context.Background(), pos, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		pos = evs[len(evs)-1].Position
	}
}

// pageThrough scans with f until the end and returns every item and the
// number of scans.
func pageThrough(t *testing.T, store domain.EventStore, f history.Filter, limit, budget int) ([]domain.Event, int) {
	t.Helper()
	var out []domain.Event
	after, scans := domain.Start, 0
	for {
		p, err := history.Scan(context.Background(), store, after, f, limit, budget)
		if err != nil {
			t.Fatal(err)
		}
		scans++
		if p.Scanned > budget {
			t.Fatalf("scan examined %d events, budget %d", p.Scanned, budget)
		}
		if len(p.Items) > limit {
			t.Fatalf("%d items, limit %d", len(p.Items), limit)
		}
		out = append(out, p.Items...)
		if !p.More {
			return out, scans
		}
		if !after.Less(p.Next) {
			t.Fatalf("scan did not advance: after %s next %s", after, p.Next)
		}
		after = p.Next
	}
}

func TestScanPagesThroughAFilteredLog(t *testing.T) {
	store := openStore(t)
	register(t, store, "a1", "Alpha")
	noise(t, store, "noise-1", 2500)
	mid := time.Now()
	time.Sleep(2 * time.Millisecond)
	register(t, store, "b2", "Beta")
	noise(t, store, "noise-2", 700)
	register(t, store, "c3", "Gama")
	log := all(t, store)

	filters := map[string]history.Filter{
		"none":         {},
		"prefix":       {StreamPrefix: "organisation-"},
		"stream":       {Stream: "organisation-b2"},
		"type":         {Types: []string{"OrganisationVerified", "OrganisationUpdated"}},
		"actor":        {Actor: "COORDINATOR"},
		"from":         {From: mid, StreamPrefix: "organisation-"},
		"to":           {To: mid},
		"combined":     {From: mid, Types: []string{"OrganisationRegistered"}, Actor: "token:abc"},
		"nothing":      {Stream: "organisation-nope"},
		"noise prefix": {StreamPrefix: "noise-2"},
	}
	for name, f := range filters {
		var want []domain.Event
		for _, ev := range log {
			if f.Match(ev) {
				want = append(want, ev)
			}
		}
		for _, lb := range [][2]int{{1, 100}, {2, 1000}, {7, 333}, {1000, 10_000}, {5, 1}} {
			got, scans := pageThrough(t, store, f, lb[0], lb[1])
			if len(got) != len(want) {
				t.Errorf("%s, limit %d budget %d: %d events, want %d", name, lb[0], lb[1], len(got), len(want))
				continue
			}
			for i := range got {
				if got[i].ID != want[i].ID {
					t.Errorf("%s, limit %d budget %d: item %d is %s, want %s", name, lb[0], lb[1], i, got[i].ID, want[i].ID)
					break
				}
			}
			if min := len(log) / lb[1]; scans < min {
				t.Errorf("%s: %d scans of budget %d covered %d events", name, scans, lb[1], len(log))
			}
		}
	}
	var want int
	for _, ev := range log {
		if strings.HasPrefix(ev.StreamID, "organisation-") {
			want++
		}
	}
	if want != 9 {
		t.Fatalf("%d organisation events, want 9", want)
	}

	// A scan that runs out of budget says how far it got.
	p, err := history.Scan(context.Background(), store, domain.Start, history.Filter{Stream: "organisation-c3"}, 10, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 0 || !p.More || p.Scanned != 1000 || p.Next != log[999].Position || p.ScannedTo != log[999].Position {
		t.Errorf("budget stop: %d items, more %v, scanned %d to %s, next %s; want next %s", len(p.Items), p.More, p.Scanned, p.ScannedTo, p.Next, log[999].Position)
	}
	// The end of the log.
	p, err = history.Scan(context.Background(), store, log[len(log)-2].Position, history.Filter{}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.More || p.ScannedTo != log[len(log)-1].Position {
		t.Errorf("end: %d items, more %v, scanned to %s", len(p.Items), p.More, p.ScannedTo)
	}
}

func TestParseTypes(t *testing.T) {
	got, err := history.ParseTypes([]string{"OfferPublished, OfferWithdrawn", "OfferPublished", ""})
	if err != nil || strings.Join(got, ",") != "OfferPublished,OfferWithdrawn" {
		t.Errorf("got %v, %v", got, err)
	}
	_, err = history.ParseTypes([]string{"OfferPublished,OfferBurned"})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Field != "type" || ve.Value != "OfferBurned" {
		t.Errorf("unknown type: %v", err)
	}
	if err := (history.Filter{From: time.Now(), To: time.Now().Add(-time.Hour)}).Validate(); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("to before from: %v", err)
	}
}

func TestStreamAsOfAndDiff(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	register(t, store, "a1", "Alpha")
	evs, err := history.StreamAsOf(ctx, store, "organisation-a1", time.Time{})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	got, err := history.StreamAsOf(ctx, store, "organisation-a1", evs[1].RecordedAt)
	if err != nil || len(got) != 2 {
		t.Errorf("as of the second event: %d events, %v", len(got), err)
	}
	if _, err := history.StreamAsOf(ctx, store, "organisation-a1", evs[0].RecordedAt.Add(-time.Second)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("as of before the stream: %v", err)
	}

	// The default: the last event.
	d, err := history.DiffStream(ctx, store, "organisation-a1", history.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.From != 2 || d.To != 3 || d.Current != 3 || d.Category != "organisation" || len(d.Events) != 1 || d.Events[0].Type != "OrganisationVerified" {
		t.Errorf("default diff: %+v", d)
	}
	paths := map[string]history.Change{}
	for _, c := range d.Changes {
		paths[c.Path] = c
	}
	if c := paths["/verified"]; c.Op != "replace" || c.From != false || c.To != true {
		t.Errorf("verified: %+v in %+v", c, d.Changes)
	}
	if c := paths["/verified_at"]; c.Op != "add" {
		t.Errorf("verified_at: %+v in %+v", c, d.Changes)
	}

	// The rename.
	one, two := uint64(1), uint64(2)
	d, err = history.DiffStream(ctx, store, "organisation-a1", history.DiffOptions{From: &one, To: &two})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/profile/name": "replace", "/profile/languages/1": "add", "/updated_at": "replace"}
	for p, op := range want {
		found := false
		for _, c := range d.Changes {
			if c.Path == p && c.Op == op {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s %s in %+v", op, p, d.Changes)
		}
	}
	for _, c := range d.Changes {
		if c.Path == "/profile/name" && (c.From != "Alpha" || c.To != "Alpha AG") {
			t.Errorf("name: %+v", c)
		}
		if c.Path == "/id" || c.Path == "/registered_at" {
			t.Errorf("unchanged %s reported", c.Path)
		}
	}

	// From nothing: the whole state is added; as_of picks the version.
	zero := uint64(0)
	d, err = history.DiffStream(ctx, store, "organisation-a1", history.DiffOptions{From: &zero, AsOf: evs[0].RecordedAt})
	if err != nil {
		t.Fatal(err)
	}
	if d.To != 1 || len(d.Changes) != 1 || d.Changes[0].Path != "" || d.Changes[0].Op != "add" || len(d.Events) != 1 {
		t.Errorf("from 0 as of the first event: %+v", d)
	}
	same, _ := history.DiffStream(ctx, store, "organisation-a1", history.DiffOptions{From: &two, To: &two})
	if len(same.Changes) != 0 || len(same.Events) != 0 {
		t.Errorf("a version with itself: %+v", same)
	}

	// Errors.
	four, three := uint64(4), uint64(3)
	for name, c := range map[string]struct {
		stream string
		opts   history.DiffOptions
		want   error
	}{
		"to beyond the stream":  {"organisation-a1", history.DiffOptions{To: &four}, domain.ErrInvalid},
		"from after to":         {"organisation-a1", history.DiffOptions{From: &three, To: &two}, domain.ErrInvalid},
		"missing stream":        {"organisation-zz", history.DiffOptions{}, domain.ErrNotFound},
		"token":                 {"token-abc", history.DiffOptions{}, domain.ErrForbidden},
		"not an aggregate":      {"noise-1", history.DiffOptions{}, domain.ErrNotFound},
		"as of before creation": {"organisation-a1", history.DiffOptions{AsOf: evs[0].RecordedAt.Add(-time.Minute)}, domain.ErrNotFound},
	} {
		if _, err := history.DiffStream(ctx, store, c.stream, c.opts); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if fmt.Sprint(history.DiffableCategories()) != "[organisation offer meeting exchange_visit saved_search webhook retention person]" {
		t.Error(history.DiffableCategories())
	}
}
