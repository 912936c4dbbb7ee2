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
}

// offerVal is what a cache knows of an offer: absent, or the document and
// its term ids (sorted).
type offerVal struct {
	present bool
	doc     projections.OfferDoc
	ids     []int32
	size    int64
}

type orgVal struct {
	present bool
	doc     projections.OrgDoc
	ids     []int32
	size    int64
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
	if v, ok := c.docs[k]; ok {
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
	if v, ok := c.offers[id]; ok {
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
	if v, ok := c.orgs[id]; ok {
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

// evict drops remembered values (never key sets) until the store's cached
// values fit its budget, or c has none left.
func (s *ReadStore) evict(c *genCache) {
	if s.cached.Load() <= s.budget {
		return
	}
	target := s.budget * 9 / 10
	for k, v := range c.docs {
		if s.cached.Load() <= target {
			return
		}
		delete(c.docs, k)
		s.grow(c, -v.size)
	}
	for k, v := range c.offers {
		if s.cached.Load() <= target {
			return
		}
		delete(c.offers, k)
		s.grow(c, -v.size)
	}
	for k, v := range c.orgs {
		if s.cached.Load() <= target {
			return
		}
		delete(c.orgs, k)
		s.grow(c, -v.size)
	}
	if len(c.subjects) > 1<<20 && !c.complete {
		clear(c.subjects)
	}
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
