package postgres

import (
	"sync"

	"github.com/nisa-eu/nisa/projections"
)

// genKey names one generation of one projection.
type genKey struct {
	name string
	gen  int64
}

type docKey struct{ coll, id string }

type evSubject struct{ indicator, subject string }

// docVal is what a cache knows of a document: absent, or its value, keys
// (sorted, without duplicates) and sort.
type docVal struct {
	present bool
	value   any
	keys    []string
	sort    int64
	size    int64
	// used: read since it was remembered, or a new version of a document
	// that was stored before (see evict).
	used bool
}

// offerVal is what a cache knows of an offer: absent, or the document and
// its term ids (sorted).
type offerVal struct {
	present bool
	doc     projections.OfferDoc
	ids     []int32
	size    int64
	used    bool
}

type orgVal struct {
	present bool
	doc     projections.OrgDoc
	ids     []int32
	size    int64
	used    bool
}

// genCache is what this process knows of one generation, valid while the
// generation's sequence number in rm_projections is seq. It is used only
// by the holder of the projection's lock (ReadStore.projLock).
//
// The value maps remember documents read or written, present or absent.
// When complete, the key sets list every document, offer, organisation
// and evidence subject of the generation, so a key missing from them is
// absent without asking the database.
type genCache struct {
	seq      int64
	complete bool

	docs   map[docKey]docVal
	offers map[string]offerVal
	orgs   map[string]orgVal
	// subjects are known evidence subjects: true present, false absent.
	subjects map[evSubject]bool
	size     int64 // bytes of the values, approximately

	// Key sets, when complete.
	docKeys    map[docKey]struct{}
	offerOwner map[string]string // offer id → owner
	byOwner    map[string]map[string]struct{}
	orgKeys    map[string]struct{}
	keys       int
}

func newGenCache(seq int64) *genCache {
	c := &genCache{seq: seq, complete: seq == 0,
		docs: map[docKey]docVal{}, offers: map[string]offerVal{}, orgs: map[string]orgVal{},
		subjects: map[evSubject]bool{}}
	if c.complete {
		c.docKeys = map[docKey]struct{}{}
		c.offerOwner = map[string]string{}
		c.byOwner = map[string]map[string]struct{}{}
		c.orgKeys = map[string]struct{}{}
	}
	return c
}

// cacheFor returns the cache of generation k valid at sequence number seq,
// a new one when the one kept is stale, or nil when caching is off.
func (s *ReadStore) cacheFor(k genKey, seq int64) *genCache {
	if s.budget <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.caches[k]
	if c != nil && c.seq == seq {
		return c
	}
	if c != nil {
		s.cached.Add(-c.size)
	}
	c = newGenCache(seq)
	s.caches[k] = c
	return c
}

// dropCache forgets the cache of generation k.
func (s *ReadStore) dropCache(k genKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.caches[k]; c != nil {
		s.cached.Add(-c.size)
		delete(s.caches, k)
	}
}

// cacheEntry is a value the cache remembers: a docVal, offerVal or
// orgVal.
type cacheEntry[V any] interface {
	cost() int64 // approximate bytes
	isUsed() bool
	withUsed(used bool) V
}

func (v docVal) cost() int64                   { return v.size }
func (v docVal) isUsed() bool                  { return v.used }
func (v docVal) withUsed(used bool) docVal     { v.used = used; return v }
func (v offerVal) cost() int64                 { return v.size }
func (v offerVal) isUsed() bool                { return v.used }
func (v offerVal) withUsed(used bool) offerVal { v.used = used; return v }
func (v orgVal) cost() int64                   { return v.size }
func (v orgVal) isUsed() bool                  { return v.used }
func (v orgVal) withUsed(used bool) orgVal     { v.used = used; return v }

// lookup returns the value m remembers for k, marking it used.
func lookup[K comparable, V cacheEntry[V]](m map[K]V, k K) (V, bool) {
	v, ok := m[k]
	if ok && !v.isUsed() {
		v = v.withUsed(true)
		m[k] = v
	}
	return v, ok
}

// uncomplete turns a complete cache into one that only remembers values.
func (c *genCache) uncomplete() {
	c.complete = false
	c.docKeys, c.offerOwner, c.byOwner, c.orgKeys = nil, nil, nil, nil
	c.keys = 0
}

// doc returns what the cache knows of a document.
func (c *genCache) doc(k docKey) (docVal, bool) {
	if c == nil {
		return docVal{}, false
	}
	if v, ok := lookup(c.docs, k); ok {
		return v, true
	}
	if c.complete {
		if _, ok := c.docKeys[k]; !ok {
			return docVal{}, true
		}
	}
	return docVal{}, false
}

func (c *genCache) offer(id string) (offerVal, bool) {
	if c == nil {
		return offerVal{}, false
	}
	if v, ok := lookup(c.offers, id); ok {
		return v, true
	}
	if c.complete {
		if _, ok := c.offerOwner[id]; !ok {
			return offerVal{}, true
		}
	}
	return offerVal{}, false
}

func (c *genCache) org(id string) (orgVal, bool) {
	if c == nil {
		return orgVal{}, false
	}
	if v, ok := lookup(c.orgs, id); ok {
		return v, true
	}
	if c.complete {
		if _, ok := c.orgKeys[id]; !ok {
			return orgVal{}, true
		}
	}
	return orgVal{}, false
}

func (c *genCache) subject(k evSubject) (present, known bool) {
	if c == nil {
		return false, false
	}
	if v, ok := c.subjects[k]; ok {
		return v, true
	}
	return false, c.complete
}

// Remembering what a read found (before any write of the Update).

func (s *ReadStore) rememberDoc(c *genCache, k docKey, v docVal) {
	if c == nil {
		return
	}
	if old, ok := c.docs[k]; ok {
		s.grow(c, -old.size)
	}
	c.docs[k] = v
	s.grow(c, v.size)
}

func (s *ReadStore) rememberOffer(c *genCache, id string, v offerVal) {
	if c == nil {
		return
	}
	if old, ok := c.offers[id]; ok {
		s.grow(c, -old.size)
	}
	c.offers[id] = v
	s.grow(c, v.size)
}

func (s *ReadStore) rememberOrg(c *genCache, id string, v orgVal) {
	if c == nil {
		return
	}
	if old, ok := c.orgs[id]; ok {
		s.grow(c, -old.size)
	}
	c.orgs[id] = v
	s.grow(c, v.size)
}

func (s *ReadStore) grow(c *genCache, n int64) {
	c.size += n
	s.cached.Add(n)
}

// entryOverhead approximates the memory of a cache entry besides its
// value.
const entryOverhead = 96

// evict drops remembered values (never key sets) of generation cache c
// when the store's cached values exceed the budget and c holds more than
// its share of it (the budget divided among the caches): until the store
// is back at 90 % of the budget, or c at 90 % of its share. A cache is
// only touched by the holder of its projection's lock, so a projection
// frees its own; one that caches more than its share cannot push the
// others' values out (the catalogue's offers, several kB each, would take
// all of it).
//
// Values that were used (see docVal.used) get a second chance: the first
// round only clears their mark and drops the unused ones, the second
// drops any. Most documents a projection writes are never read again (a
// timeline entry, one per event and organisation), while the ones it
// reads it reads at every event of theirs (an offer's summary).
func (s *ReadStore) evict(c *genCache) {
	if s.cached.Load() <= s.budget {
		return
	}
	s.mu.Lock()
	share := s.budget / int64(max(len(s.caches), 1))
	s.mu.Unlock()
	if c.size <= share {
		return
	}
	target, own := s.budget*9/10, share*9/10
	enough := func() bool { return s.cached.Load() <= target || c.size <= own }
	for round := range 2 {
		if evictFrom(s, c, c.docs, round, enough) || evictFrom(s, c, c.offers, round, enough) || evictFrom(s, c, c.orgs, round, enough) {
			return
		}
	}
	if len(c.subjects) > 1<<20 && !c.complete {
		clear(c.subjects)
	}
}

// evictFrom drops values of m until enough reports true (it then reports
// true too). In round 0 a used value is kept and its mark cleared
// instead.
func evictFrom[K comparable, V cacheEntry[V]](s *ReadStore, c *genCache, m map[K]V, round int, enough func() bool) bool {
	for k, v := range m {
		if enough() {
			return true
		}
		if round == 0 && v.isUsed() {
			m[k] = v.withUsed(false)
			continue
		}
		delete(m, k)
		s.grow(c, -v.cost())
	}
	return enough()
}

// termIDs caches the ids of rm_terms (never changed, never reused).
type termIDs struct {
	mu  sync.RWMutex
	ids map[string]int32
}

func (t *termIDs) get(term string) (int32, bool) {
	t.mu.RLock()
	id, ok := t.ids[term]
	t.mu.RUnlock()
	return id, ok
}

func (t *termIDs) put(m map[string]int32) {
	if len(m) == 0 {
		return
	}
	t.mu.Lock()
	for k, v := range m {
		t.ids[k] = v
	}
	t.mu.Unlock()
}

// ownerKey names a category of read models (see rm_owners).
type ownerKey struct {
	kind string // "doc", "offers", "orgs", "counter", "evidence"
	name string
}

// String names the category for errors.
func (k ownerKey) String() string {
	switch k.kind {
	case ownDoc:
		return "collection " + quote(k.name)
	case ownOffers:
		return "the offers of the search index"
	case ownOrgs:
		return "the organisations of the search index"
	case ownCounter:
		return "counter metric " + quote(k.name)
	}
	return "evidence of indicator " + quote(k.name)
}

// Kinds of ownerKey.
const (
	ownDoc      = "doc"
	ownOffers   = "offers"
	ownOrgs     = "orgs"
	ownCounter  = "counter"
	ownEvidence = "evidence"
)

// ownerCache remembers the owners of categories (rm_owners rows are never
// changed or deleted).
type ownerCache struct {
	mu sync.RWMutex
	m  map[ownerKey]string
}

func (o *ownerCache) get(k ownerKey) (string, bool) {
	o.mu.RLock()
	p, ok := o.m[k]
	o.mu.RUnlock()
	return p, ok
}

func (o *ownerCache) put(k ownerKey, p string) {
	o.mu.Lock()
	o.m[k] = p
	o.mu.Unlock()
}
