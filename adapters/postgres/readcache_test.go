package postgres

import (
	"fmt"
	"testing"
)

// TestEvictKeepsUsedValues: over budget, the cache drops the values
// nobody read before those a projection reads again, and only then the
// rest.
func TestEvictKeepsUsedValues(t *testing.T) {
	s := &ReadStore{budget: 100 * 1000}
	c := newGenCache(1)
	// 100 entries of 1,000 bytes: 50 read once, 50 only written.
	for i := range 100 {
		s.rememberDoc(c, docKey{"c", fmt.Sprint(i)}, docVal{present: true, size: 1000})
	}
	for i := 0; i < 100; i += 2 {
		if _, ok := c.doc(docKey{"c", fmt.Sprint(i)}); !ok {
			t.Fatalf("doc %d not cached", i)
		}
	}
	// 30 more written: over budget by 30 %; eviction to 90 % drops 40.
	for i := 100; i < 130; i++ {
		s.rememberDoc(c, docKey{"c", fmt.Sprint(i)}, docVal{present: true, size: 1000})
	}
	s.evict(c)
	if got := s.cached.Load(); got > s.budget*9/10 {
		t.Fatalf("cached %d bytes after evict, want at most %d", got, s.budget*9/10)
	}
	for i := 0; i < 100; i += 2 {
		if _, ok := c.docs[docKey{"c", fmt.Sprint(i)}]; !ok {
			t.Errorf("used doc %d was evicted while unused ones were left", i)
		}
	}

	// Only used values left over budget: the second round drops some of
	// them anyway.
	s2 := &ReadStore{budget: 10 * 1000}
	c2 := newGenCache(1)
	for i := range 20 {
		s2.rememberDoc(c2, docKey{"c", fmt.Sprint(i)}, docVal{present: true, size: 1000, used: true})
	}
	s2.evict(c2)
	if got := s2.cached.Load(); got > s2.budget*9/10 {
		t.Fatalf("cached %d bytes after evicting used values, want at most %d", got, s2.budget*9/10)
	}
	if len(c2.docs) != 9 {
		t.Errorf("%d docs left, want 9", len(c2.docs))
	}
}

// TestEvictFreesTheLargestCache: a projection that caches more than its
// share of the budget frees its own values; one under its share keeps
// them even while the store is over budget.
func TestEvictFreesTheLargestCache(t *testing.T) {
	s := &ReadStore{budget: 100 * 1000, caches: map[genKey]*genCache{}}
	big, small := s.cacheFor(genKey{"big", 1}, 1), s.cacheFor(genKey{"small", 1}, 1)
	for i := range 20 {
		s.rememberDoc(small, docKey{"c", fmt.Sprint(i)}, docVal{present: true, size: 1000})
	}
	for i := range 100 {
		s.rememberDoc(big, docKey{"c", fmt.Sprint(i)}, docVal{present: true, size: 1000})
	}
	s.evict(small) // the store is over budget, but small holds less than half
	if len(small.docs) != 20 {
		t.Fatalf("small cache evicted to %d docs while under its share", len(small.docs))
	}
	s.evict(big)
	if got := s.cached.Load(); got > s.budget*9/10 {
		t.Errorf("cached %d bytes after evicting the big cache, want at most %d", got, s.budget*9/10)
	}
	if len(small.docs) != 20 || len(big.docs) > 70 {
		t.Errorf("after evict(big): small %d docs (want 20), big %d (want at most 70)", len(small.docs), len(big.docs))
	}
}
