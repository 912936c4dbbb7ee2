// Package idempotencytest is the contract suite of httpapi.IdempotencyStore
// implementations (embedded and PostgreSQL).
package idempotencytest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/httpapi"
)

// Run checks s, a fresh store.
func Run(t *testing.T, s httpapi.IdempotencyStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	stale := now.Add(-time.Minute)

	rec, ok, err := s.Reserve(ctx, "k1", "fp1", now, stale)
	if err != nil || !ok {
		t.Fatalf("first reserve: reserved=%v err=%v", ok, err)
	}
	rec, ok, err = s.Reserve(ctx, "k1", "fp2", now, stale)
	if err != nil || ok || rec.Fingerprint != "fp1" || rec.Done {
		t.Fatalf("reserve while in progress: %+v reserved=%v err=%v; want the in-progress record of fp1", rec, ok, err)
	}
	want := httpapi.IdempotencyRecord{Fingerprint: "fp1", Status: 201, Header: map[string]string{"Location": "/v1/x/1"}, Body: []byte(`{"id":"1"}`), CreatedAt: now}
	if err := s.Complete(ctx, "k1", want); err != nil {
		t.Fatal(err)
	}
	rec, ok, err = s.Reserve(ctx, "k1", "fp1", now.Add(time.Hour), now.Add(time.Hour))
	if err != nil || ok || !rec.Done || rec.Status != 201 || string(rec.Body) != `{"id":"1"}` || rec.Header["Location"] != "/v1/x/1" {
		t.Fatalf("reserve after completion: %+v reserved=%v err=%v; want the completed record, never stale", rec, ok, err)
	}

	// A request that never completed is taken over once stale.
	if _, ok, _ := s.Reserve(ctx, "k2", "fp", now, stale); !ok {
		t.Fatal("reserve k2")
	}
	if _, ok, _ := s.Reserve(ctx, "k2", "fp", now.Add(30*time.Second), now.Add(-30*time.Second)); ok {
		t.Error("a fresh in-progress key was taken over")
	}
	if _, ok, _ := s.Reserve(ctx, "k2", "fp", now.Add(2*time.Minute), now.Add(time.Minute)); !ok {
		t.Error("a stale in-progress key was not taken over")
	}

	// Release makes the key available at once.
	if err := s.Release(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Reserve(ctx, "k2", "other", now, stale); !ok {
		t.Error("a released key could not be reserved")
	}

	// Concurrent reservations of one key: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			_, ok, err := s.Reserve(ctx, "race", "fp", now, stale)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 20 concurrent reservations won, want 1", wins)
	}

	n, err := s.Purge(ctx, now.Add(time.Second))
	if err != nil || n != 3 {
		t.Errorf("purge: %d, %v; want 3 records (k1, k2, race)", n, err)
	}
	if _, ok, _ := s.Reserve(ctx, "k1", "fp9", now, stale); !ok {
		t.Error("a purged key is still known")
	}
}
