package memory

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

var (
	errClosed = errors.New("memory: read store closed")
	errTxDone = errors.New("memory: transaction used after its Update returned")
)

// Store is the in-memory projections.Store. The zero value is not usable;
// call New.
type Store struct {
	mu     sync.RWMutex
	closed bool
	projs  map[string]*proj
	// owners maps a category of read models to the projection that wrote
	// it first; readers see that projection's live generation.
	owners map[ownerKey]string
	// bufs holds the write buffers of Updates (*txBuf), reused.
	bufs    sync.Pool
	scratch sync.Pool // *scratch
}

var _ projections.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{projs: map[string]*proj{}, owners: map[ownerKey]string{},
		bufs: sync.Pool{New: func() any { return newTxBuf() }}}
}

type ownerKind uint8

const (
	ownDoc ownerKind = iota
	ownOffers
	ownOrgs
	ownCounter
	ownEvidence
)

// ownerKey names a category of read models: a collection, the offers, the
// organisations, the counters of a metric or the evidence of an indicator.
type ownerKey struct {
	kind ownerKind
	name string
}

func (k ownerKey) String() string {
	switch k.kind {
	case ownDoc:
		return "collection " + strconv.Quote(k.name)
	case ownOffers:
		return "the offers of the search index"
	case ownOrgs:
		return "the organisations of the search index"
	case ownCounter:
		return "counter metric " + strconv.Quote(k.name)
	}
	return "evidence of indicator " + strconv.Quote(k.name)
}

type proj struct {
	live, building *generation
	last           int64 // highest generation number handed out
}

// generation holds the read models of one generation of one projection.
type generation struct {
	// wmu makes the Updates of the generation take turns. Its read
	// models change only in commit, under both wmu and the store's write
	// lock, so an Update holding wmu reads them without the store's lock.
	wmu sync.Mutex

	n          int64
	checkpoint domain.Position
	updatedAt  time.Time

	colls    map[string]*collection
	vocab    vocab
	offers   *index[projections.OfferDoc]
	orgs     *index[projections.OrgDoc]
	counters map[string]map[projections.Counter]int64 // by metric
	evidence map[string]*evidenceList                 // by indicator
}

func newGeneration(n int64) *generation {
	return &generation{n: n, colls: map[string]*collection{}, vocab: newVocab(),
		counters: map[string]map[projections.Counter]int64{}, evidence: map[string]*evidenceList{}}
}

func (g *generation) offerIndex() *index[projections.OfferDoc] {
	if g.offers == nil {
		g.offers = newIndex[projections.OfferDoc](true)
	}
	return g.offers
}

func (g *generation) orgIndex() *index[projections.OrgDoc] {
	if g.orgs == nil {
		g.orgs = newIndex[projections.OrgDoc](false)
	}
	return g.orgs
}

// lock takes the write lock unless the store is closed or ctx done.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	return nil
}

// rlock takes the read lock unless the store is closed or ctx done.
func (s *Store) rlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	return nil
}

// owned returns the live generation of the owner of k, nil if none.
func (s *Store) owned(k ownerKey) *generation {
	name, ok := s.owners[k]
	if !ok {
		return nil
	}
	if p := s.projs[name]; p != nil {
		return p.live
	}
	return nil
}

func (s *Store) ensure(name string) *proj {
	p := s.projs[name]
	if p == nil {
		p = &proj{live: newGeneration(1), last: 1}
		s.projs[name] = p
	}
	return p
}

func retired(t projections.Target) error {
	return fmt.Errorf("%w: %s generation %d", projections.ErrRetired, t.Name, t.Generation)
}

// Update implements projections.Store.
//
// fn runs without the store's lock, so the projections apply their batches
// in parallel and queries are not held up meanwhile: fn reads only its own
// generation, whose read models change nowhere but in that generation's
// commits, and the Updates of one generation take turns (its wmu). The
// store's write lock is taken only to commit the buffered writes and move
// the checkpoint, after checking again that the generation is still live
// or being built and that no other projection claimed what the batch
// writes meanwhile. fn must use only tx, not the Store's own methods.
func (s *Store) Update(ctx context.Context, p projections.Target, from, to domain.Position, fn func(tx projections.Tx) error) error {
	if err := s.rlock(ctx); err != nil {
		return err
	}
	g := s.current(p)
	s.mu.RUnlock()
	if g == nil {
		return retired(p)
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if g.checkpoint != from {
		return &projections.StaleError{Target: p, Checkpoint: g.checkpoint}
	}
	buf := s.bufs.Get().(*txBuf)
	t := &tx{s: s, g: g, name: p.Name, buf: buf}
	defer func() {
		t.done = true
		buf.reset()
		s.bufs.Put(buf)
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.current(p) != g {
		return retired(p)
	}
	if err := t.verify(); err != nil {
		return err
	}
	t.commit()
	g.checkpoint = to
	g.updatedAt = time.Now().UTC()
	return nil
}

// current returns the generation p names if it is live or being built,
// nil otherwise. The caller holds s.mu.
func (s *Store) current(p projections.Target) *generation {
	if pr := s.projs[p.Name]; pr != nil {
		switch {
		case pr.live != nil && pr.live.n == p.Generation:
			return pr.live
		case pr.building != nil && pr.building.n == p.Generation:
			return pr.building
		}
	}
	return nil
}

// Projections implements projections.Store.
func (s *Store) Projections(ctx context.Context) ([]projections.State, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]projections.State, 0, len(s.projs))
	for name, p := range s.projs {
		st := projections.State{Name: name, Generation: p.live.n, Checkpoint: p.live.checkpoint, UpdatedAt: p.live.updatedAt}
		if p.building != nil {
			st.Building, st.BuildingCheckpoint = p.building.n, p.building.checkpoint
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b projections.State) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Live implements projections.Store.
func (s *Store) Live(ctx context.Context, name string) (projections.Target, domain.Position, error) {
	if err := s.lock(ctx); err != nil {
		return projections.Target{}, domain.Start, err
	}
	defer s.mu.Unlock()
	p := s.ensure(name)
	return projections.Target{Name: name, Generation: p.live.n}, p.live.checkpoint, nil
}

// StartRebuild implements projections.Store. For a projection the store
// does not know yet it first creates live generation 1, as Live does.
func (s *Store) StartRebuild(ctx context.Context, name string) (projections.Target, error) {
	if err := s.lock(ctx); err != nil {
		return projections.Target{}, err
	}
	defer s.mu.Unlock()
	p := s.ensure(name)
	p.last++
	p.building = newGeneration(p.last)
	return projections.Target{Name: name, Generation: p.last}, nil
}

// Promote implements projections.Store.
func (s *Store) Promote(ctx context.Context, t projections.Target) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p := s.projs[t.Name]
	if p == nil || p.building == nil || p.building.n != t.Generation {
		return retired(t)
	}
	p.live, p.building = p.building, nil
	return nil
}

// Close implements projections.Store: it drops every read model; later
// calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.projs, s.owners = nil, nil
	return nil
}

// ---------------------------------------------------------------------------
// Transactions

type docKey struct{ coll, id string }

type pendingDoc struct {
	deleted bool
	d       projections.Doc
}

type evKey struct {
	indicator, subject string
	pos                domain.Position
}

type evSubject struct{ indicator, subject string }

// txBuf holds the writes of one Update until it commits.
type txBuf struct {
	claims   map[ownerKey]struct{}
	docs     map[docKey]pendingDoc
	offers   pending[projections.OfferDoc]
	orgs     pending[projections.OrgDoc]
	counters map[projections.Counter]int64
	evidence []projections.Evidence
	evSeen   map[evKey]struct{}
	evSubj   map[evSubject]struct{}
}

func newTxBuf() *txBuf {
	return &txBuf{claims: map[ownerKey]struct{}{}, docs: map[docKey]pendingDoc{},
		offers: newPending[projections.OfferDoc](), orgs: newPending[projections.OrgDoc](),
		counters: map[projections.Counter]int64{}, evSeen: map[evKey]struct{}{}, evSubj: map[evSubject]struct{}{}}
}

// resetMap empties m, or replaces it when it grew large (clearing a big
// map costs its capacity on every later Update).
func resetMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > 4096 {
		return map[K]V{}
	}
	clear(m)
	return m
}

func (b *txBuf) reset() {
	b.claims = resetMap(b.claims)
	b.docs = resetMap(b.docs)
	b.offers.reset()
	b.orgs.reset()
	b.counters = resetMap(b.counters)
	b.evSeen = resetMap(b.evSeen)
	b.evSubj = resetMap(b.evSubj)
	if cap(b.evidence) > 4096 {
		b.evidence = nil
	} else {
		clear(b.evidence)
		b.evidence = b.evidence[:0]
	}
}

// pending holds the documents a Tx put, in order, by id.
type pending[T any] struct {
	at   map[string]int32
	list []T
}

func newPending[T any]() pending[T] { return pending[T]{at: map[string]int32{}} }

func (p *pending[T]) get(id string) (T, bool) {
	if i, ok := p.at[id]; ok {
		return p.list[i], true
	}
	var zero T
	return zero, false
}

func (p *pending[T]) put(id string, v T) {
	if i, ok := p.at[id]; ok {
		p.list[i] = v
		return
	}
	p.at[id] = int32(len(p.list))
	p.list = append(p.list, v)
}

func (p *pending[T]) reset() {
	p.at = resetMap(p.at)
	if cap(p.list) > 4096 {
		p.list = nil
	} else {
		clear(p.list)
		p.list = p.list[:0]
	}
}

// tx is the projections.Tx of one Update.
type tx struct {
	s    *Store
	g    *generation
	name string
	buf  *txBuf
	done bool
}

// claim records that the Update writes the category k, and refuses it
// when k belongs to another projection. Only the first claim of k in an
// Update looks at the owners (under the store's read lock: fn runs without
// it); commit checks all of them again (verify).
func (t *tx) claim(k ownerKey) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.buf.claims[k]; ok {
		return nil
	}
	if err := t.owner(k); err != nil {
		return err
	}
	t.buf.claims[k] = struct{}{}
	return nil
}

// owner refuses category k when it belongs to another projection.
func (t *tx) owner(k ownerKey) error {
	t.s.mu.RLock()
	o, ok := t.s.owners[k]
	t.s.mu.RUnlock()
	return t.owns(k, o, ok)
}

func (t *tx) owns(k ownerKey, o string, ok bool) error {
	if ok && o != t.name {
		return fmt.Errorf("memory: %s belongs to projection %q, not %q", k, o, t.name)
	}
	return nil
}

// verify checks, under the store's write lock, that no other projection
// claimed a category the Update writes while fn ran.
func (t *tx) verify() error {
	for k := range t.buf.claims {
		o, ok := t.s.owners[k]
		if err := t.owns(k, o, ok); err != nil {
			return err
		}
	}
	for k, pd := range t.buf.docs {
		if pd.deleted {
			ck := ownerKey{ownDoc, k.coll}
			o, ok := t.s.owners[ck]
			if err := t.owns(ck, o, ok); err != nil {
				return err
			}
		}
	}
	return nil
}

// Get implements projections.Tx.
func (t *tx) Get(_ context.Context, coll, id string) (any, bool, error) {
	if t.done {
		return nil, false, errTxDone
	}
	if pd, ok := t.buf.docs[docKey{coll, id}]; ok {
		if pd.deleted {
			return nil, false, nil
		}
		return pd.d.Value, true, nil
	}
	if c := t.g.colls[coll]; c != nil {
		if e, ok := c.docs[id]; ok {
			return e.value, true, nil
		}
	}
	return nil, false, nil
}

// Put implements projections.Tx.
func (t *tx) Put(_ context.Context, d projections.Doc) error {
	if err := t.claim(ownerKey{ownDoc, d.Coll}); err != nil {
		return err
	}
	t.buf.docs[docKey{d.Coll, d.ID}] = pendingDoc{d: d}
	return nil
}

// Delete implements projections.Tx.
func (t *tx) Delete(_ context.Context, coll, id string) error {
	if t.done {
		return errTxDone
	}
	if err := t.owner(ownerKey{ownDoc, coll}); err != nil {
		return err
	}
	t.buf.docs[docKey{coll, id}] = pendingDoc{deleted: true}
	return nil
}

// Offer implements projections.Tx.
func (t *tx) Offer(_ context.Context, id string) (projections.OfferDoc, bool, error) {
	if t.done {
		return projections.OfferDoc{}, false, errTxDone
	}
	if o, ok := t.buf.offers.get(id); ok {
		return o, true, nil
	}
	if t.g.offers != nil {
		if slot, ok := t.g.offers.slots[id]; ok {
			return *t.g.offers.docs.at(slot), true, nil
		}
	}
	return projections.OfferDoc{}, false, nil
}

// PutOffer implements projections.Tx.
func (t *tx) PutOffer(_ context.Context, o projections.OfferDoc) error {
	if err := t.claim(ownerKey{kind: ownOffers}); err != nil {
		return err
	}
	t.buf.offers.put(o.ID, o)
	return nil
}

// OffersOf implements projections.Tx: the ids come sorted.
func (t *tx) OffersOf(_ context.Context, orgID string) ([]string, error) {
	if t.done {
		return nil, errTxDone
	}
	var out []string
	if ix := t.g.offers; ix != nil {
		for _, id := range ix.byOwner[orgID] {
			if o, ok := t.buf.offers.get(id); ok && o.OwnerOrgID != orgID {
				continue
			}
			out = append(out, id)
		}
	}
	for i := range t.buf.offers.list {
		o := &t.buf.offers.list[i]
		id := o.ID
		if o.OwnerOrgID != orgID {
			continue
		}
		if ix := t.g.offers; ix != nil {
			if slot, ok := ix.slots[id]; ok && ix.recs.at(slot).f.owner == orgID {
				continue // listed above
			}
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// Organisation implements projections.Tx.
func (t *tx) Organisation(_ context.Context, id string) (projections.OrgDoc, bool, error) {
	if t.done {
		return projections.OrgDoc{}, false, errTxDone
	}
	if o, ok := t.buf.orgs.get(id); ok {
		return o, true, nil
	}
	if t.g.orgs != nil {
		if slot, ok := t.g.orgs.slots[id]; ok {
			return *t.g.orgs.docs.at(slot), true, nil
		}
	}
	return projections.OrgDoc{}, false, nil
}

// PutOrganisation implements projections.Tx.
func (t *tx) PutOrganisation(_ context.Context, o projections.OrgDoc) error {
	if err := t.claim(ownerKey{kind: ownOrgs}); err != nil {
		return err
	}
	t.buf.orgs.put(o.ID, o)
	return nil
}

// Add implements projections.Tx.
func (t *tx) Add(_ context.Context, c projections.Counter, delta int64) error {
	if err := t.claim(ownerKey{ownCounter, c.Metric}); err != nil {
		return err
	}
	t.buf.counters[c] += delta
	return nil
}

// AddEvidence implements projections.Tx.
func (t *tx) AddEvidence(_ context.Context, e projections.Evidence) (bool, error) {
	if err := t.claim(ownerKey{ownEvidence, e.Indicator}); err != nil {
		return false, err
	}
	k := evKey{e.Indicator, e.Subject, e.Position}
	if _, ok := t.buf.evSeen[k]; ok {
		return false, nil
	}
	base := t.g.evidence[e.Indicator]
	if base != nil {
		if _, ok := base.keys[evKey{subject: e.Subject, pos: e.Position}]; ok {
			return false, nil
		}
	}
	sk := evSubject{e.Indicator, e.Subject}
	_, seen := t.buf.evSubj[sk]
	first := !seen && (base == nil || base.subjects[e.Subject] == 0)
	t.buf.evSeen[k] = struct{}{}
	t.buf.evSubj[sk] = struct{}{}
	t.buf.evidence = append(t.buf.evidence, e)
	return first, nil
}

// commit applies the buffered writes to the generation.
func (t *tx) commit() {
	g, b := t.g, t.buf
	for k, pd := range b.docs {
		c := g.colls[k.coll]
		if pd.deleted {
			if c != nil {
				c.remove(k.id)
				if len(c.docs) == 0 {
					delete(g.colls, k.coll)
				}
			}
			continue
		}
		if c == nil {
			c = &collection{docs: map[string]docEntry{}, keys: map[string]keyList{}}
			g.colls[k.coll] = c
		}
		c.put(pd.d)
	}
	if len(b.offers.list) > 0 {
		ix := g.offerIndex()
		for i := range b.offers.list {
			o := &b.offers.list[i]
			ix.put(o, offerFields(o), &g.vocab)
		}
	}
	if len(b.orgs.list) > 0 {
		ix := g.orgIndex()
		for i := range b.orgs.list {
			o := &b.orgs.list[i]
			ix.put(o, orgFields(o), &g.vocab)
		}
	}
	for c, d := range b.counters {
		if d == 0 {
			continue
		}
		m := g.counters[c.Metric]
		if m == nil {
			m = map[projections.Counter]int64{}
			g.counters[c.Metric] = m
		}
		if n := m[c] + d; n == 0 {
			delete(m, c)
			if len(m) == 0 {
				delete(g.counters, c.Metric)
			}
		} else {
			m[c] = n
		}
	}
	for _, e := range b.evidence {
		l := g.evidence[e.Indicator]
		if l == nil {
			l = &evidenceList{subjects: map[string]int32{}, keys: map[evKey]struct{}{}}
			g.evidence[e.Indicator] = l
		}
		l.add(e)
	}
	for k := range b.claims {
		t.s.owners[k] = t.name
	}
}

// ---------------------------------------------------------------------------
// Generic documents

type docEntry struct {
	keys  []string
	sort  int64
	value any
}

type keyEnt struct {
	sort int64
	id   string
}

func cmpEnt(a, b keyEnt) int {
	if c := cmp.Compare(a.sort, b.sort); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// keyList holds the documents listed under one key, ascending by (sort,
// id): new documents usually sort last, so they are appended.
type keyList []keyEnt

type collection struct {
	docs map[string]docEntry
	keys map[string]keyList
}

func (c *collection) put(d projections.Doc) {
	old, ok := c.docs[d.ID]
	c.docs[d.ID] = docEntry{keys: d.Keys, sort: d.Sort, value: d.Value}
	if ok {
		if old.sort == d.Sort && slices.Equal(old.keys, d.Keys) {
			return
		}
		c.unindex(d.ID, old)
	}
	e := keyEnt{d.Sort, d.ID}
	for i, k := range d.Keys {
		if slices.Contains(d.Keys[:i], k) {
			continue
		}
		l := c.keys[k]
		if n := len(l); n == 0 || cmpEnt(l[n-1], e) < 0 {
			c.keys[k] = append(l, e)
			continue
		}
		if j, found := slices.BinarySearchFunc(l, e, cmpEnt); !found {
			c.keys[k] = slices.Insert(l, j, e)
		}
	}
}

func (c *collection) remove(id string) {
	if old, ok := c.docs[id]; ok {
		delete(c.docs, id)
		c.unindex(id, old)
	}
}

func (c *collection) unindex(id string, old docEntry) {
	e := keyEnt{old.sort, id}
	for _, k := range old.keys {
		l := c.keys[k]
		if j, found := slices.BinarySearchFunc(l, e, cmpEnt); found {
			l = slices.Delete(l, j, j+1)
			if len(l) == 0 {
				delete(c.keys, k)
			} else {
				c.keys[k] = l
			}
		}
	}
}

func listCursor(e keyEnt) string { return strconv.FormatInt(e.sort, 10) + ":" + e.id }

func parseListCursor(s string) (keyEnt, error) {
	n, id, ok := strings.Cut(s, ":")
	sort, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil {
		return keyEnt{}, fmt.Errorf("%w: list cursor %q", domain.ErrInvalid, s)
	}
	return keyEnt{sort, id}, nil
}

// Doc implements projections.Reader.
func (s *Store) Doc(ctx context.Context, coll, id string) (any, bool, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, false, err
	}
	defer s.mu.RUnlock()
	if g := s.owned(ownerKey{ownDoc, coll}); g != nil {
		if c := g.colls[coll]; c != nil {
			if e, ok := c.docs[id]; ok {
				return e.value, true, nil
			}
		}
	}
	return nil, false, nil
}

// List implements projections.Reader. The cursor is "<sort>:<id>" of the
// last document of the page; a limit below 1 counts as 1.
func (s *Store) List(ctx context.Context, coll, key, cursor string, limit int) ([]any, string, error) {
	var after *keyEnt
	if cursor != "" {
		e, err := parseListCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = &e
	}
	limit = max(limit, 1)
	if err := s.rlock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.RUnlock()
	g := s.owned(ownerKey{ownDoc, coll})
	if g == nil || g.colls[coll] == nil {
		return nil, "", nil
	}
	c := g.colls[coll]
	l := c.keys[key]
	end := len(l) // l[:end] sorts before the cursor
	if after != nil {
		end, _ = slices.BinarySearchFunc(l, *after, cmpEnt)
	}
	out := make([]any, 0, min(limit, end))
	i := end - 1
	for ; i >= 0 && len(out) < limit; i-- {
		out = append(out, c.docs[l[i].id].value)
	}
	next := ""
	if i >= 0 && len(out) > 0 {
		next = listCursor(l[i+1])
	}
	return out, next, nil
}

// ---------------------------------------------------------------------------
// Search index

// interner numbers the distinct values of one field.
type interner struct {
	ids   map[string]uint32
	names []string
}

func (in *interner) get(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]uint32{}
	}
	id := uint32(len(in.names))
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

func (in *interner) find(s string) (uint32, bool) {
	id, ok := in.ids[s]
	return id, ok
}

// list interns vals, without duplicates.
func (in *interner) list(vals []string) []uint32 {
	if len(vals) == 0 {
		return nil
	}
	out := make([]uint32, 0, len(vals))
	for _, v := range vals {
		if id := in.get(v); !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// otherBit stands, in a value mask, for every value numbered otherBit or
// above: those are checked in the full list.
const otherBit = 63

func maskOf(ids []uint32) uint64 {
	var m uint64
	for _, id := range ids {
		m |= 1 << min(id, otherBit)
	}
	return m
}

// fields are what the index needs of an offer or organisation. The term
// lists are as given (put sorts them if they are not).
type fields struct {
	id, owner                       string
	at, valid                       time.Time
	kind, category, status, country string
	pts, codes, regions, langs      []string
	title, text, code               []string
}

func offerFields(o *projections.OfferDoc) fields {
	return fields{id: o.ID, owner: o.OwnerOrgID, at: o.PublishedAt, valid: o.ValidUntil,
		kind: o.Kind, category: o.Category, status: o.Status, country: o.OwnerCountry,
		pts: o.PartnershipTypes, codes: o.Codes, regions: o.Regions, langs: o.Languages,
		title: o.TitleTerms, text: o.TextTerms, code: o.CodeTerms}
}

func orgFields(o *projections.OrgDoc) fields {
	return fields{id: o.ID, owner: o.ID, at: o.RegisteredAt,
		kind: o.Kind, status: o.Status, country: o.Country,
		codes: o.Codes, regions: o.Regions, langs: o.Languages,
		title: o.TitleTerms, text: o.TextTerms, code: o.CodeTerms}
}

// sortedTerms returns terms sorted and without duplicates, as the port
// requires; terms that are not get a sorted copy.
func sortedTerms(terms []string) []string {
	for i := 1; i < len(terms); i++ {
		if terms[i-1] >= terms[i] {
			c := slices.Clone(terms)
			slices.Sort(c)
			return slices.Compact(c)
		}
	}
	return terms
}

func isSection(code string) bool { return len(code) == 1 && code[0] >= 'A' && code[0] <= 'Z' }

// single is a document's single values, interned; multi its value masks.
// The index numbers the combinations that occur, so a search filters and
// counts facets by combination rather than value by value.
type (
	single struct{ kind, cat, status, country uint32 }
	multi  struct{ pts, langs, sections uint64 }
)

// combos numbers the distinct combinations of values.
type combos[K comparable] struct {
	ids  map[K]uint32
	keys []K
}

func (c *combos[K]) get(k K) uint32 {
	if id, ok := c.ids[k]; ok {
		return id
	}
	if c.ids == nil {
		c.ids = map[K]uint32{}
	}
	id := uint32(len(c.keys))
	c.ids[k] = id
	c.keys = append(c.keys, k)
	return id
}

// otherFlag marks, in hot.c2, documents with a value numbered otherBit or
// above in some list: those lists are checked and counted in full.
const otherFlag = 1 << 31

// hot is what a search reads of every candidate: times and the numbers of
// its value combinations.
type hot struct {
	atSec, validSec   int64
	atNsec, validNsec int32
	c1, c2            uint32
}

// termRef is one term of a document: its vocabulary id, field bits and
// place in the term's posting list.
type termRef struct {
	tid  uint32
	pos  uint32
	mask uint8
}

// rec is the rest of the indexed form of a document.
type rec struct {
	f     fields
	terms []termRef // in term order
	codes []uint32
	// codePos is the place of the slot in ix.byCode[codes[i]].
	codePos                       []uint32
	pts, langs, regions, sections []uint32
	s                             single
	m                             multi
}

// pages is a growing list in fixed pages, so that growing it never copies
// what it holds.
type pages[E any] struct {
	p [][]E
	n int
}

const pageSize = 1024

func (l *pages[E]) at(i int32) *E { return &l.p[i/pageSize][i%pageSize] }

func (l *pages[E]) add(e E) {
	if l.n%pageSize == 0 {
		l.p = append(l.p, make([]E, pageSize))
	}
	l.p[l.n/pageSize][l.n%pageSize] = e
	l.n++
}

// Field bits of a posting.
const (
	inTitle = 1 << iota
	inText
	inCode
	maskBits = 3
)

// index is the search index of offers (offers true) or organisations.
// Postings are unordered: a search scores into per-slot accumulators, and
// a document's change swaps its postings out in constant time.
type index[T any] struct {
	offers bool
	slots  map[string]int32
	docs   pages[T]
	ids    []string
	hot    []hot
	recs   pages[rec]
	// post holds, by vocabulary term id, the postings slot<<3 | field bits.
	post [][]uint32
	// byCode holds, by code id, the slots whose Codes hold the code.
	byCode [][]int32
	// byOwner lists the offer ids of each organisation (offers only).
	byOwner map[string][]string

	kinds, cats, statuses, countries interner
	pts, codes, regions, langs       interner
	sections                         interner
	c1                               combos[single]
	c2                               combos[multi]

	buf    []termMask
	refBuf []termRef
}

func newIndex[T any](offers bool) *index[T] {
	ix := &index[T]{offers: offers, slots: map[string]int32{}}
	if offers {
		ix.byOwner = map[string][]string{}
	}
	return ix
}

type termMask struct {
	term string
	mask uint8
}

// mergeTerms merges three sorted term lists into (term, field bits).
func mergeTerms(buf []termMask, title, text, code []string) []termMask {
	buf = buf[:0]
	i, j, k := 0, 0, 0
	for i < len(title) || j < len(text) || k < len(code) {
		var m string
		switch {
		case i < len(title):
			m = title[i]
			if j < len(text) && text[j] < m {
				m = text[j]
			}
			if k < len(code) && code[k] < m {
				m = code[k]
			}
		case j < len(text):
			m = text[j]
			if k < len(code) && code[k] < m {
				m = code[k]
			}
		default:
			m = code[k]
		}
		var mask uint8
		if i < len(title) && title[i] == m {
			mask |= inTitle
			i++
		}
		if j < len(text) && text[j] == m {
			mask |= inText
			j++
		}
		if k < len(code) && code[k] == m {
			mask |= inCode
			k++
		}
		buf = append(buf, termMask{m, mask})
	}
	return buf
}

// addPost appends a posting and returns its place.
func (ix *index[T]) addPost(tid uint32, slot int32, mask uint8) uint32 {
	if int(tid) >= len(ix.post) {
		ix.post = append(ix.post, make([][]uint32, int(tid)+1-len(ix.post))...)
	}
	p := ix.post[tid]
	ix.post[tid] = append(p, uint32(slot)<<maskBits|uint32(mask))
	return uint32(len(p))
}

// removePost removes the posting at pos by moving the last one there.
func (ix *index[T]) removePost(tid, pos uint32) {
	p := ix.post[tid]
	last := uint32(len(p) - 1)
	if pos != last {
		moved := p[last]
		p[pos] = moved
		refs := ix.recs.at(int32(moved >> maskBits)).terms
		for k := range refs {
			if refs[k].tid == tid {
				refs[k].pos = pos
				break
			}
		}
	}
	ix.post[tid] = p[:last]
}

func (ix *index[T]) addCode(code uint32, slot int32) uint32 {
	if int(code) >= len(ix.byCode) {
		ix.byCode = append(ix.byCode, make([][]int32, int(code)+1-len(ix.byCode))...)
	}
	l := ix.byCode[code]
	ix.byCode[code] = append(l, slot)
	return uint32(len(l))
}

func (ix *index[T]) removeCode(code, pos uint32) {
	l := ix.byCode[code]
	last := uint32(len(l) - 1)
	if pos != last {
		moved := l[last]
		l[pos] = moved
		r := ix.recs.at(moved)
		if k := slices.Index(r.codes, code); k >= 0 {
			r.codePos[k] = pos
		}
	}
	ix.byCode[code] = l[:last]
}

// same reports whether two lists are the same slice (a document written
// again with its lists untouched) or hold the same values.
func same[E comparable](a, b []E) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	return slices.Equal(a, b)
}

// put creates or replaces a document; for a replaced one only what
// changed is re-indexed.
func (ix *index[T]) put(doc *T, f fields, v *vocab) {
	slot, replace := ix.slots[f.id]
	if replace {
		*ix.docs.at(slot) = *doc
	} else {
		slot = int32(len(ix.hot))
		ix.slots[f.id] = slot
		ix.docs.add(*doc)
		ix.ids = append(ix.ids, f.id)
		ix.hot = append(ix.hot, hot{})
		ix.recs.add(rec{})
	}
	r, h := ix.recs.at(slot), &ix.hot[slot]
	old := r.f
	r.f = f
	h.atSec, h.atNsec = f.at.Unix(), int32(f.at.Nanosecond())
	h.validSec, h.validNsec = f.valid.Unix(), int32(f.valid.Nanosecond())
	if !replace || old.kind != f.kind {
		r.s.kind = ix.kinds.get(f.kind)
	}
	if !replace || old.category != f.category {
		r.s.cat = ix.cats.get(f.category)
	}
	if !replace || old.status != f.status {
		r.s.status = ix.statuses.get(f.status)
	}
	if !replace || old.country != f.country {
		r.s.country = ix.countries.get(f.country)
	}
	h.c1 = ix.c1.get(r.s)
	if !replace || !same(old.pts, f.pts) {
		r.pts = ix.pts.list(f.pts)
		r.m.pts = maskOf(r.pts)
	}
	if !replace || !same(old.langs, f.langs) {
		r.langs = ix.langs.list(f.langs)
		r.m.langs = maskOf(r.langs)
	}
	if !replace || !same(old.regions, f.regions) {
		r.regions = ix.regions.list(f.regions)
	}
	if !replace || !same(old.codes, f.codes) {
		for k, c := range r.codes {
			ix.removeCode(c, r.codePos[k])
		}
		r.codes = ix.codes.list(f.codes)
		r.codePos = make([]uint32, len(r.codes))
		for k, c := range r.codes {
			r.codePos[k] = ix.addCode(c, slot)
		}
		r.sections = nil
		for _, c := range f.codes {
			if isSection(c) {
				if id := ix.sections.get(c); !slices.Contains(r.sections, id) {
					r.sections = append(r.sections, id)
				}
			}
		}
		r.m.sections = maskOf(r.sections)
	}
	h.c2 = ix.c2.get(r.m)
	if (r.m.pts|r.m.langs|r.m.sections)>>otherBit != 0 {
		h.c2 |= otherFlag
	}
	if ix.byOwner != nil && (!replace || old.owner != f.owner) {
		if replace {
			l := ix.byOwner[old.owner]
			if j := slices.Index(l, f.id); j >= 0 {
				l = slices.Delete(l, j, j+1)
			}
			if len(l) == 0 {
				delete(ix.byOwner, old.owner)
			} else {
				ix.byOwner[old.owner] = l
			}
		}
		ix.byOwner[f.owner] = append(ix.byOwner[f.owner], f.id)
	}
	if replace && same(old.title, f.title) && same(old.text, f.text) && same(old.code, f.code) {
		return
	}
	ix.buf = mergeTerms(ix.buf, sortedTerms(f.title), sortedTerms(f.text), sortedTerms(f.code))
	nw := ix.buf
	if !replace {
		r.terms = make([]termRef, len(nw))
		for k, tm := range nw {
			tid := v.ref(tm.term)
			r.terms[k] = termRef{tid: tid, pos: ix.addPost(tid, slot, tm.mask), mask: tm.mask}
		}
		return
	}
	refs := ix.refBuf[:0]
	od := r.terms
	i, j := 0, 0
	for i < len(od) || j < len(nw) {
		c := 1
		switch {
		case j == len(nw):
			c = -1
		case i < len(od):
			c = strings.Compare(v.terms[od[i].tid].s, nw[j].term)
		}
		switch {
		case c < 0: // gone
			ix.removePost(od[i].tid, od[i].pos)
			v.unref(od[i].tid)
			i++
		case c > 0: // new
			tid := v.ref(nw[j].term)
			refs = append(refs, termRef{tid: tid, pos: ix.addPost(tid, slot, nw[j].mask), mask: nw[j].mask})
			j++
		default:
			ref := od[i]
			if ref.mask != nw[j].mask {
				ref.mask = nw[j].mask
				ix.post[ref.tid][ref.pos] = uint32(slot)<<maskBits | uint32(ref.mask)
			}
			refs = append(refs, ref)
			i++
			j++
		}
	}
	// Removals above may have moved other slots' postings only, never
	// this slot's: the places in refs hold.
	if cap(r.terms) >= len(refs) {
		r.terms = append(r.terms[:0], refs...)
	} else {
		r.terms = slices.Clone(refs)
	}
	ix.refBuf = refs
}

// set is a filter's interned values: those numbered below otherBit as a
// mask, the others listed. An unset filter (on false) lets everything
// through.
type set struct {
	on   bool
	mask uint64
	big  []uint32
}

// makeSet interns a filter's values; ok is false when the filter is set
// but no value is known, so nothing can match.
func makeSet(in *interner, vals []string) (s set, ok bool) {
	if len(vals) == 0 {
		return set{}, true
	}
	s.on = true
	for _, v := range vals {
		id, found := in.find(v)
		switch {
		case !found:
		case id < otherBit:
			s.mask |= 1 << id
		default:
			s.big = append(s.big, id)
		}
	}
	return s, s.mask != 0 || len(s.big) > 0
}

func (s *set) has(id uint32) bool {
	if !s.on {
		return true
	}
	if id < otherBit {
		return s.mask>>id&1 != 0
	}
	return slices.Contains(s.big, id)
}

// meets tells whether a document whose values have mask m holds one of s:
// 1 yes, 0 no, 2 only its full list can tell.
func (s *set) meets(m uint64) uint8 {
	switch {
	case !s.on || m&s.mask != 0:
		return 1
	case m>>otherBit != 0 && len(s.big) > 0:
		return 2
	}
	return 0
}

func overlaps(want, have []uint32) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// filter is a SearchQuery's filters, decided per value combination: pass1
// by single values, pass2 by lists (1 pass, 0 fail, 2 check the document's
// lists).
type filter struct {
	pass1          []bool
	pass2          []uint8
	pts, langs     set
	codes, regions []uint32 // nil: no filter
	valid          bool
	validSec       int64
	validNsec      int32
}

func lookup(in *interner, vals []string) (ids []uint32, ok bool) {
	if len(vals) == 0 {
		return nil, true
	}
	ids = make([]uint32, 0, len(vals))
	for _, v := range vals {
		if id, found := in.find(v); found {
			ids = append(ids, id)
		}
	}
	return ids, len(ids) > 0
}

func (ix *index[T]) compile(q *projections.SearchQuery) (filter, bool) {
	var f filter
	all := true
	var kind, status, country, cat set
	mk := func(dst *set, in *interner, vals []string) {
		s, ok := makeSet(in, vals)
		*dst, all = s, all && ok
	}
	list := func(dst *[]uint32, in *interner, vals []string) {
		ids, ok := lookup(in, vals)
		*dst, all = ids, all && ok
	}
	mk(&kind, &ix.kinds, q.Kind)
	mk(&status, &ix.statuses, q.Status)
	mk(&country, &ix.countries, q.Country)
	mk(&f.langs, &ix.langs, q.Language)
	list(&f.codes, &ix.codes, q.Codes)
	list(&f.regions, &ix.regions, q.Regions)
	if ix.offers {
		mk(&cat, &ix.cats, q.Category)
		mk(&f.pts, &ix.pts, q.PartnershipType)
		if !q.ValidOn.IsZero() {
			f.valid, f.validSec, f.validNsec = true, q.ValidOn.Unix(), int32(q.ValidOn.Nanosecond())
		}
	}
	if !all {
		return f, false
	}
	f.pass1 = make([]bool, len(ix.c1.keys))
	for i, k := range ix.c1.keys {
		f.pass1[i] = kind.has(k.kind) && status.has(k.status) && country.has(k.country) && cat.has(k.cat)
	}
	f.pass2 = make([]uint8, len(ix.c2.keys))
	for i, m := range ix.c2.keys {
		a, b := f.pts.meets(m.pts), f.langs.meets(m.langs)
		switch {
		case a == 0 || b == 0:
		case a == 2 || b == 2:
			f.pass2[i] = 2
		default:
			f.pass2[i] = 1
		}
	}
	return f, true
}

// match checks a document against the filters.
func (ix *index[T]) match(f *filter, slot int32, h *hot) bool {
	if !f.pass1[h.c1] {
		return false
	}
	if f.valid && (h.validSec < f.validSec || h.validSec == f.validSec && h.validNsec <= f.validNsec) {
		return false
	}
	switch f.pass2[h.c2&^otherFlag] {
	case 0:
		return false
	case 2:
		r := ix.recs.at(slot)
		if f.pts.on && f.pts.mask&r.m.pts == 0 && !overlaps(f.pts.big, r.pts) ||
			f.langs.on && f.langs.mask&r.m.langs == 0 && !overlaps(f.langs.big, r.langs) {
			return false
		}
	}
	if f.codes != nil && !overlaps(f.codes, ix.recs.at(slot).codes) ||
		f.regions != nil && !overlaps(f.regions, ix.recs.at(slot).regions) {
		return false
	}
	return true
}

// facets counts matches per value combination, and, for documents with
// values numbered otherBit or above, those values one by one.
type facets struct {
	c1, c2                    []int32
	otherPts, otherLangs, sec []int32
}

func (ix *index[T]) newFacets() *facets {
	return &facets{c1: make([]int32, len(ix.c1.keys)), c2: make([]int32, len(ix.c2.keys))}
}

func (ix *index[T]) count(fc *facets, slot int32, h *hot) {
	fc.c1[h.c1]++
	fc.c2[h.c2&^otherFlag]++
	if h.c2&otherFlag != 0 {
		r := ix.recs.at(slot)
		others := func(counts *[]int32, n int, full []uint32) {
			for _, id := range full {
				if id >= otherBit {
					if *counts == nil {
						*counts = make([]int32, n)
					}
					(*counts)[id]++
				}
			}
		}
		others(&fc.otherPts, len(ix.pts.names), r.pts)
		others(&fc.otherLangs, len(ix.langs.names), r.langs)
		others(&fc.sec, len(ix.sections.names), r.sections)
	}
}

// add adds the counts of another part of the same search.
func (fc *facets) add(o *facets) {
	sum := func(dst *[]int32, src []int32) {
		if src == nil {
			return
		}
		if *dst == nil {
			*dst = make([]int32, len(src))
		}
		for i, n := range src {
			(*dst)[i] += n
		}
	}
	sum(&fc.c1, o.c1)
	sum(&fc.c2, o.c2)
	sum(&fc.otherPts, o.otherPts)
	sum(&fc.otherLangs, o.otherLangs)
	sum(&fc.sec, o.sec)
}

func (ix *index[T]) facetMap(fc *facets) map[string]map[string]int {
	kind := make([]int32, len(ix.kinds.names))
	cat := make([]int32, len(ix.cats.names))
	status := make([]int32, len(ix.statuses.names))
	country := make([]int32, len(ix.countries.names))
	pts := make([]int32, len(ix.pts.names))
	langs := make([]int32, len(ix.langs.names))
	secs := make([]int32, len(ix.sections.names))
	for c, n := range fc.c1 {
		if n > 0 {
			k := ix.c1.keys[c]
			kind[k.kind] += n
			cat[k.cat] += n
			status[k.status] += n
			country[k.country] += n
		}
	}
	bitsOf := func(counts []int32, m uint64, n int32) {
		for b := m &^ (1 << otherBit); b != 0; b &= b - 1 {
			counts[bits.TrailingZeros64(b)] += n
		}
	}
	for c, n := range fc.c2 {
		if n > 0 {
			m := ix.c2.keys[c]
			bitsOf(pts, m.pts, n)
			bitsOf(langs, m.langs, n)
			bitsOf(secs, m.sections, n)
		}
	}
	for _, o := range []struct{ dst, src []int32 }{{pts, fc.otherPts}, {langs, fc.otherLangs}, {secs, fc.sec}} {
		for i, n := range o.src {
			o.dst[i] += n
		}
	}
	out := map[string]map[string]int{}
	put := func(name string, counts []int32, in *interner) {
		m := map[string]int{}
		for id, n := range counts {
			if n > 0 {
				m[in.names[id]] = int(n)
			}
		}
		out[name] = m
	}
	put("kind", kind, &ix.kinds)
	put("section", secs, &ix.sections)
	put("country", country, &ix.countries)
	put("language", langs, &ix.langs)
	put("status", status, &ix.statuses)
	if ix.offers {
		put("category", cat, &ix.cats)
		put("partnership_type", pts, &ix.pts)
	}
	return out
}

// hitKey is a hit's place in the order of results. The cursor of a page
// has slot -1.
type hitKey struct {
	score float64
	sec   int64
	nsec  int32
	slot  int32
}

// ranker orders hits: score descending (unless by recency), then newest,
// then ID descending.
type ranker struct {
	recent   bool
	ids      []string
	cursorID string
}

func (r *ranker) id(k *hitKey) string {
	if k.slot < 0 {
		return r.cursorID
	}
	return r.ids[k.slot]
}

// better reports whether a comes before b.
func (r *ranker) better(a, b *hitKey) bool {
	if !r.recent && a.score != b.score {
		return a.score > b.score
	}
	if a.sec != b.sec {
		return a.sec > b.sec
	}
	if a.nsec != b.nsec {
		return a.nsec > b.nsec
	}
	return r.id(a) > r.id(b)
}

// topK keeps the k best hits in a heap whose root is the worst of them.
type topK struct {
	k int
	r *ranker
	h []hitKey
}

func (t *topK) push(x hitKey) {
	h := t.h
	if len(h) < t.k {
		h = append(h, x)
		i := len(h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if !t.r.better(&h[p], &h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		t.h = h
		return
	}
	if !t.r.better(&x, &h[0]) {
		return
	}
	h[0] = x
	i := 0
	for {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && t.r.better(&h[w], &h[l]) {
			w = l
		}
		if r < len(h) && t.r.better(&h[w], &h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[w], h[i] = h[i], h[w]
		i = w
	}
}

// sorted returns the kept hits, best first.
func (t *topK) sorted() []hitKey {
	slices.SortFunc(t.h, func(a, b hitKey) int {
		if t.r.better(&a, &b) {
			return -1
		}
		return 1
	})
	return t.h
}

// acc is a slot's accumulator of one search. It belongs to the current
// search (seen) or token (tok) when its stamp is the current one, so
// nothing needs clearing between searches.
type acc struct {
	seen, tok uint32
	best, sum float64
}

// scratch is per-search working memory: the accumulators and, for each of
// the two halves a search may be split into, its buffers.
type scratch struct {
	acc     []acc
	qn, tn  uint32
	cands   [2][]int32
	touched [2][]int32
	groups  []group
}

type group struct {
	token int
	terms []weighted
}

type weighted struct {
	tid uint32
	w   float64
}

func (sc *scratch) ensure(n int) {
	if len(sc.acc) < n {
		sc.acc = make([]acc, max(n, 2*len(sc.acc)))
		sc.qn, sc.tn = 0, 0
	}
}

func (sc *scratch) nextQuery() uint32 {
	sc.qn++
	if sc.qn == 0 {
		for i := range sc.acc {
			sc.acc[i].seen = 0
		}
		sc.qn = 1
	}
	return sc.qn
}

// nextTokens reserves n token stamps and returns the one before them.
func (sc *scratch) nextTokens(n int) uint32 {
	if sc.tn > ^uint32(0)-uint32(n)-1 {
		for i := range sc.acc {
			sc.acc[i].tok = 0
		}
		sc.tn = 0
	}
	base := sc.tn
	sc.tn += uint32(n)
	return base
}

func (s *Store) getScratch(n int) *scratch {
	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	sc.ensure(n)
	return sc
}

// groupTerms groups the indexed query terms by token, in the order of
// their first appearance, and returns the groups and their number of
// postings.
func (ix *index[T]) groupTerms(terms []projections.QueryTerm, v *vocab, sc *scratch) ([]group, int) {
	groups := sc.groups[:0]
	work := 0
	if v == nil {
		return groups, 0
	}
	for _, t := range terms {
		tid, ok := v.ids[t.Term]
		if !ok || int(tid) >= len(ix.post) || len(ix.post[tid]) == 0 {
			continue
		}
		gi := slices.IndexFunc(groups, func(g group) bool { return g.token == t.Token })
		if gi < 0 {
			if len(groups) < cap(groups) { // reuse the term slice kept there
				groups = groups[:len(groups)+1]
				groups[len(groups)-1].token = t.Token
				groups[len(groups)-1].terms = groups[len(groups)-1].terms[:0]
			} else {
				groups = append(groups, group{token: t.Token})
			}
			gi = len(groups) - 1
		}
		groups[gi].terms = append(groups[gi].terms, weighted{tid, t.Weight})
		work += len(ix.post[tid])
	}
	sc.groups = groups
	return groups, work
}

// collect finds the slots in [lo, hi) holding any of the groups' terms
// and sets their accumulated sum to the unrounded score
// (projections.Score before rounding): per token the best weight × field
// weight, summed over tokens. Token group i has stamp ts+1+i.
func (ix *index[T]) collect(groups []group, qs, ts uint32, lo, hi uint32, ac []acc, touched, cands []int32) ([]int32, []int32) {
	cands = cands[:0]
	for gi, g := range groups {
		ts := ts + 1 + uint32(gi)
		touched = touched[:0]
		for _, t := range g.terms {
			var ws [1 << maskBits]float64
			for m := range ws {
				switch {
				case m&inTitle != 0:
					ws[m] = t.w * projections.WeightTitle
				case m&inText != 0:
					ws[m] = t.w * projections.WeightText
				default:
					ws[m] = t.w * projections.WeightCode
				}
			}
			for _, e := range ix.post[t.tid] {
				slot := e >> maskBits
				if slot < lo || slot >= hi {
					continue
				}
				a := &ac[slot]
				s := ws[e&(1<<maskBits-1)]
				if a.tok != ts {
					a.tok = ts
					a.best = max(s, 0)
					touched = append(touched, int32(slot))
				} else if s > a.best {
					a.best = s
				}
			}
		}
		for _, slot := range touched {
			a := &ac[slot]
			if a.seen != qs {
				a.seen = qs
				a.sum = a.best
				cands = append(cands, slot)
			} else {
				a.sum += a.best
			}
		}
	}
	return touched, cands
}

// part is what one share of a search's candidates yields.
type part struct {
	total, remaining int
	top              topK
	fc               *facets
}

// scan filters, counts and ranks candidates: the slots in [lo, hi) (a
// search without terms, cands nil) or the sorted slots cands.
func (ix *index[T]) scan(p *part, f *filter, after *hitKey, cands []int32, lo, hi int, ac []acc) {
	terms := cands != nil
	if terms {
		lo, hi = 0, len(cands)
	}
	for i := lo; i < hi; i++ {
		slot := int32(i)
		if terms {
			slot = cands[i]
		}
		h := &ix.hot[slot]
		if !ix.match(f, slot, h) {
			continue
		}
		p.total++
		if p.fc != nil {
			ix.count(p.fc, slot, h)
		}
		k := hitKey{sec: h.atSec, nsec: h.atNsec, slot: slot}
		if terms {
			k.score = ac[slot].sum
		}
		p.consider(k, after, terms)
	}
}

// roundSlack bounds how far projections.Round moves a score.
const roundSlack = 1e-4

// consider counts a matching hit toward the next pages and keeps it if it
// is among the best of this page. With terms, k.score is the unrounded
// score: it is rounded only where an unrounded comparison cannot decide.
func (p *part) consider(k hitKey, after *hitKey, terms bool) {
	r := p.top.r
	exact := !terms
	if after != nil {
		switch {
		case r.recent || exact:
			if !r.better(after, &k) { // the score does not order here
				return
			}
		case k.score > after.score+roundSlack: // before the cursor
			return
		case k.score >= after.score-roundSlack:
			k.score, exact = projections.Round(k.score), true
			if !r.better(after, &k) {
				return
			}
		}
	}
	p.remaining++
	if len(p.top.h) == p.top.k {
		w := &p.top.h[0]
		switch {
		case r.recent:
			if k.sec < w.sec || k.sec == w.sec && k.nsec < w.nsec {
				return
			}
		case !exact && k.score < w.score-roundSlack:
			return
		}
	}
	if !exact {
		k.score = projections.Round(k.score)
	}
	p.top.push(k)
}

// parallelMin is the number of postings (or documents, without terms)
// from which a search splits into two goroutines, each taking half the
// slots. Tests lower it.
var parallelMin = 16384

func (ix *index[T]) search(q *projections.SearchQuery, v *vocab, sc *scratch) projections.SearchResult[T] {
	var res projections.SearchResult[T]
	limit := min(max(q.Limit, 1), 100)
	rk := &ranker{recent: q.Sort == projections.SortRecent, ids: ix.ids}
	f, ok := ix.compile(q)
	var fc *facets
	if q.Facets {
		fc = ix.newFacets()
	}
	if ok {
		var after *hitKey
		if q.After != nil {
			rk.cursorID = q.After.ID
			after = &hitKey{score: q.After.Score, sec: q.After.At.Unix(), nsec: int32(q.After.At.Nanosecond()), slot: -1}
		}
		n := len(ix.hot)
		var groups []group
		work := n
		if len(q.Terms) > 0 {
			groups, work = ix.groupTerms(q.Terms, v, sc)
		}
		qs := sc.nextQuery()
		ts := sc.nextTokens(len(groups))
		// run does the share of slots [lo, hi) with buffers i.
		run := func(p *part, i int, lo, hi int) {
			if len(q.Terms) == 0 {
				ix.scan(p, &f, after, nil, lo, hi, sc.acc)
				return
			}
			var cands []int32
			sc.touched[i], cands = ix.collect(groups, qs, ts, uint32(lo), uint32(hi), sc.acc, sc.touched[i], sc.cands[i])
			// Visit the candidates by slot, so that the processor streams
			// ix.hot: many of them by a pass over the range, few sorted.
			if len(cands) > (hi-lo)/16 {
				cands = slices.Grow(cands, 1)
				j := 0
				for s := lo; s < hi; s++ {
					cands[:j+1][j] = int32(s)
					if sc.acc[s].seen == qs {
						j++
					}
				}
				cands = cands[:j]
			} else {
				slices.Sort(cands)
			}
			sc.cands[i] = cands
			if cands == nil {
				cands = []int32{}
			}
			ix.scan(p, &f, after, cands, lo, hi, sc.acc)
		}
		p := part{top: topK{k: limit, r: rk, h: make([]hitKey, 0, limit)}, fc: fc}
		if work < parallelMin {
			run(&p, 0, 0, n)
		} else {
			p2 := part{top: topK{k: limit, r: rk, h: make([]hitKey, 0, limit)}}
			if fc != nil {
				p2.fc = ix.newFacets()
			}
			var wg sync.WaitGroup
			wg.Go(func() { run(&p2, 1, n/2, n) })
			run(&p, 0, 0, n/2)
			wg.Wait()
			p.total += p2.total
			p.remaining += p2.remaining
			for _, k := range p2.top.h {
				p.top.push(k)
			}
			if fc != nil {
				fc.add(p2.fc)
			}
		}
		res.Total = p.total
		hits := p.top.sorted()
		res.Hits = make([]projections.Hit[T], len(hits))
		for i, h := range hits {
			res.Hits[i] = projections.Hit[T]{Doc: *ix.docs.at(h.slot), Score: h.score}
		}
		if p.remaining > len(hits) && len(hits) > 0 {
			last := hits[len(hits)-1]
			res.Next = &projections.Cursor{Score: last.score, At: ix.recs.at(last.slot).f.at, ID: ix.ids[last.slot]}
		}
	}
	if fc != nil {
		res.Facets = ix.facetMap(fc)
	}
	return res
}

// candidates returns documents of status whose Codes overlap q.Codes,
// newest first (then ID descending), leaving out q.ExcludeOwner's (and,
// for offers, q.ExcludeID and other kinds than q.Kind).
func (ix *index[T]) candidates(q *projections.CandidateQuery, status string, sc *scratch) []T {
	if q.Limit < 1 {
		return nil
	}
	st, ok := ix.statuses.find(status)
	if !ok {
		return nil
	}
	var kind uint32
	if ix.offers {
		if kind, ok = ix.kinds.find(q.Kind); !ok {
			return nil
		}
	}
	top := topK{k: q.Limit, r: &ranker{recent: true, ids: ix.ids}}
	qs := sc.nextQuery()
	// The offers left out are marked as seen up front, so that the walk
	// over the postings (tens of thousands for a broad section) does not
	// look up every candidate's owner and id.
	ownerKnown := ix.byOwner != nil
	if ownerKnown && q.ExcludeOwner != "" {
		for _, id := range ix.byOwner[q.ExcludeOwner] {
			if slot, ok := ix.slots[id]; ok {
				sc.acc[slot].seen = qs
			}
		}
	}
	if slot, ok := ix.slots[q.ExcludeID]; ok && ix.offers && q.ExcludeID != "" {
		sc.acc[slot].seen = qs
	}
	for _, c := range q.Codes {
		cid, ok := ix.codes.find(c)
		if !ok || int(cid) >= len(ix.byCode) {
			continue
		}
		for _, slot := range ix.byCode[cid] {
			if sc.acc[slot].seen == qs {
				continue
			}
			sc.acc[slot].seen = qs
			h := &ix.hot[slot]
			s := ix.c1.keys[h.c1]
			if s.status != st || (ix.offers && s.kind != kind) ||
				(!ownerKnown && q.ExcludeOwner != "" && ix.recs.at(slot).f.owner == q.ExcludeOwner) {
				continue
			}
			top.push(hitKey{sec: h.atSec, nsec: h.atNsec, slot: slot})
		}
	}
	hits := top.sorted()
	out := make([]T, len(hits))
	for i, h := range hits {
		out[i] = *ix.docs.at(h.slot)
	}
	return out
}

// SearchOffers implements projections.Reader. A Limit outside 1..100 is
// brought into it; a Sort other than SortRecent is by relevance.
func (s *Store) SearchOffers(ctx context.Context, q projections.SearchQuery) (projections.SearchResult[projections.OfferDoc], error) {
	if err := s.rlock(ctx); err != nil {
		return projections.SearchResult[projections.OfferDoc]{}, err
	}
	defer s.mu.RUnlock()
	g := s.owned(ownerKey{kind: ownOffers})
	ix := newIndex[projections.OfferDoc](true)
	var v *vocab
	if g != nil && g.offers != nil {
		ix, v = g.offers, &g.vocab
	}
	sc := s.getScratch(len(ix.hot))
	defer s.scratch.Put(sc)
	return ix.search(&q, v, sc), nil
}

// SearchOrganisations implements projections.Reader, as SearchOffers.
func (s *Store) SearchOrganisations(ctx context.Context, q projections.SearchQuery) (projections.SearchResult[projections.OrgDoc], error) {
	if err := s.rlock(ctx); err != nil {
		return projections.SearchResult[projections.OrgDoc]{}, err
	}
	defer s.mu.RUnlock()
	g := s.owned(ownerKey{kind: ownOrgs})
	ix := newIndex[projections.OrgDoc](false)
	var v *vocab
	if g != nil && g.orgs != nil {
		ix, v = g.orgs, &g.vocab
	}
	sc := s.getScratch(len(ix.hot))
	defer s.scratch.Put(sc)
	return ix.search(&q, v, sc), nil
}

// OfferByID implements projections.Reader.
func (s *Store) OfferByID(ctx context.Context, id string) (projections.OfferDoc, bool, error) {
	if err := s.rlock(ctx); err != nil {
		return projections.OfferDoc{}, false, err
	}
	defer s.mu.RUnlock()
	if g := s.owned(ownerKey{kind: ownOffers}); g != nil && g.offers != nil {
		if slot, ok := g.offers.slots[id]; ok {
			return *g.offers.docs.at(slot), true, nil
		}
	}
	return projections.OfferDoc{}, false, nil
}

// OrganisationByID implements projections.Reader.
func (s *Store) OrganisationByID(ctx context.Context, id string) (projections.OrgDoc, bool, error) {
	if err := s.rlock(ctx); err != nil {
		return projections.OrgDoc{}, false, err
	}
	defer s.mu.RUnlock()
	if g := s.owned(ownerKey{kind: ownOrgs}); g != nil && g.orgs != nil {
		if slot, ok := g.orgs.slots[id]; ok {
			return *g.orgs.docs.at(slot), true, nil
		}
	}
	return projections.OrgDoc{}, false, nil
}

// OfferCandidates implements projections.Reader; offers published at the
// same time come by ID descending.
func (s *Store) OfferCandidates(ctx context.Context, q projections.CandidateQuery) ([]projections.OfferDoc, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	g := s.owned(ownerKey{kind: ownOffers})
	if g == nil || g.offers == nil {
		return nil, nil
	}
	sc := s.getScratch(len(g.offers.hot))
	defer s.scratch.Put(sc)
	return g.offers.candidates(&q, domain.OfferStatusPublished, sc), nil
}

// OrganisationCandidates implements projections.Reader; organisations
// registered at the same time come by ID descending.
func (s *Store) OrganisationCandidates(ctx context.Context, q projections.CandidateQuery) ([]projections.OrgDoc, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	g := s.owned(ownerKey{kind: ownOrgs})
	if g == nil || g.orgs == nil {
		return nil, nil
	}
	sc := s.getScratch(len(g.orgs.hot))
	defer s.scratch.Put(sc)
	return g.orgs.candidates(&q, domain.OrgActive, sc), nil
}

// ---------------------------------------------------------------------------
// Vocabulary

type vterm struct {
	s    string
	ref  int32 // postings holding the term, in both indexes; 0: gone
	ntri int32 // distinct trigrams
}

// vocab is the set of indexed terms of a generation (offers and
// organisations together). Term ids are never reused: a term whose last
// document dropped it keeps its id with ref 0.
type vocab struct {
	ids   map[string]uint32
	terms []vterm
	tri   map[string][]uint32 // trigram → term ids
}

func newVocab() vocab { return vocab{ids: map[string]uint32{}, tri: map[string][]uint32{}} }

func (v *vocab) ref(term string) uint32 {
	id, ok := v.ids[term]
	if !ok {
		id = uint32(len(v.terms))
		v.ids[term] = id
		tg := projections.Trigrams(term)
		v.terms = append(v.terms, vterm{s: term, ntri: int32(len(tg))})
		for _, t := range tg {
			v.tri[t] = append(v.tri[t], id)
		}
	}
	v.terms[id].ref++
	return id
}

func (v *vocab) unref(id uint32) { v.terms[id].ref-- }

type simTerm struct {
	term string
	sim  float64
}

// match collects the live terms starting with token or at least minSim
// similar to it. Every term starting with token shares its first trigram,
// so the trigram index finds both kinds.
func (v *vocab) match(token string, minSim float64, out []simTerm) []simTerm {
	if v == nil {
		return out
	}
	tg := projections.Trigrams(token)
	if token == "" || minSim <= 0 {
		counts := map[uint32]int{}
		for _, t := range tg {
			for _, id := range v.tri[t] {
				counts[id]++
			}
		}
		for id, t := range v.terms {
			if t.ref > 0 {
				shared := counts[uint32(id)]
				sim := 0.0
				if len(tg) > 0 {
					sim = float64(shared) / float64(len(tg)+int(t.ntri)-shared)
				}
				out = append(out, simTerm{t.s, sim})
			}
		}
		return out
	}
	counts := map[uint32]int{}
	for _, t := range tg {
		for _, id := range v.tri[t] {
			counts[id]++
		}
	}
	for id, shared := range counts {
		t := &v.terms[id]
		if t.ref <= 0 {
			continue
		}
		// The arithmetic of projections.Similarity, on the same counts.
		sim := float64(shared) / float64(len(tg)+int(t.ntri)-shared)
		if sim >= minSim || strings.HasPrefix(t.s, token) {
			out = append(out, simTerm{t.s, sim})
		}
	}
	return out
}

// Vocabulary implements projections.Reader: terms by similarity
// descending, then term ascending. The empty token starts every term.
func (s *Store) Vocabulary(ctx context.Context, token string, minSim float64, limit int) ([]string, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	if limit < 1 {
		return nil, nil
	}
	var found []simTerm
	a, b := s.owned(ownerKey{kind: ownOffers}), s.owned(ownerKey{kind: ownOrgs})
	if a != nil {
		found = a.vocab.match(token, minSim, found)
	}
	if b != nil && b != a {
		found = b.vocab.match(token, minSim, found)
	}
	slices.SortFunc(found, func(x, y simTerm) int {
		if x.sim != y.sim {
			return -cmp.Compare(x.sim, y.sim)
		}
		return strings.Compare(x.term, y.term)
	})
	found = slices.CompactFunc(found, func(x, y simTerm) bool { return x.term == y.term })
	out := make([]string, 0, min(limit, len(found)))
	for _, t := range found[:min(limit, len(found))] {
		out = append(out, t.term)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Counters and evidence

// Counters implements projections.Reader; counters at 0 are left out.
func (s *Store) Counters(ctx context.Context, metric string) ([]projections.CounterValue, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []projections.CounterValue
	add := func(m map[projections.Counter]int64) {
		for c, n := range m {
			out = append(out, projections.CounterValue{Counter: c, N: n})
		}
	}
	if metric != "" {
		if g := s.owned(ownerKey{ownCounter, metric}); g != nil {
			add(g.counters[metric])
		}
	} else {
		for k, name := range s.owners {
			if k.kind != ownCounter {
				continue
			}
			if p := s.projs[name]; p != nil {
				add(p.live.counters[k.name])
			}
		}
	}
	slices.SortFunc(out, func(a, b projections.CounterValue) int { return cmpCounter(a.Counter, b.Counter) })
	return out, nil
}

func cmpCounter(a, b projections.Counter) int {
	return cmp.Or(strings.Compare(a.Metric, b.Metric), strings.Compare(a.Dim, b.Dim),
		strings.Compare(a.Value, b.Value), strings.Compare(a.Month, b.Month))
}

// evidenceList is the evidence of one indicator, by position, then
// subject.
type evidenceList struct {
	items    []projections.Evidence
	subjects map[string]int32
	keys     map[evKey]struct{} // subject and position
}

func cmpEvidence(a, b *projections.Evidence) int {
	if c := a.Position.Compare(b.Position); c != 0 {
		return c
	}
	return strings.Compare(a.Subject, b.Subject)
}

func (l *evidenceList) add(e projections.Evidence) {
	l.keys[evKey{subject: e.Subject, pos: e.Position}] = struct{}{}
	l.subjects[e.Subject]++
	if n := len(l.items); n == 0 || cmpEvidence(&l.items[n-1], &e) < 0 {
		l.items = append(l.items, e)
		return
	}
	j, _ := slices.BinarySearchFunc(l.items, &e, func(x projections.Evidence, y *projections.Evidence) int { return cmpEvidence(&x, y) })
	l.items = slices.Insert(l.items, j, e)
}

// Evidence implements projections.Reader. Evidence at the same position
// comes by subject.
func (s *Store) Evidence(ctx context.Context, indicator string, after domain.Position, limit int) ([]projections.Evidence, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	g := s.owned(ownerKey{ownEvidence, indicator})
	if g == nil || limit < 1 {
		return nil, nil
	}
	l := g.evidence[indicator]
	if l == nil {
		return nil, nil
	}
	i, _ := slices.BinarySearchFunc(l.items, after, func(e projections.Evidence, p domain.Position) int {
		if e.Position.Compare(p) <= 0 {
			return -1
		}
		return 1
	})
	return slices.Clone(l.items[i:min(i+limit, len(l.items))]), nil
}

// ---------------------------------------------------------------------------
// Dump

type dumpLine struct {
	Type         string                    `json:"type"`
	Coll         string                    `json:"coll,omitempty"`
	ID           string                    `json:"id,omitempty"`
	Keys         []string                  `json:"keys,omitempty"`
	Sort         int64                     `json:"sort,omitempty"`
	Value        any                       `json:"value,omitempty"`
	Offer        *projections.OfferDoc     `json:"offer,omitempty"`
	Organisation *projections.OrgDoc       `json:"organisation,omitempty"`
	Counter      *projections.CounterValue `json:"counter,omitempty"`
	Evidence     *projections.Evidence     `json:"evidence,omitempty"`
}

// Dump implements projections.Store: documents by collection and id (keys
// sorted), offers by id, organisations by id, counters in Counters'
// order, evidence by position, indicator and subject. emit runs under the
// store's read lock: it must not call Update, Live, StartRebuild or
// Promote.
func (s *Store) Dump(ctx context.Context, name string, emit func(line []byte) error) error {
	if err := s.rlock(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	p := s.projs[name]
	if p == nil {
		return nil
	}
	g := p.live
	write := func(l dumpLine) error {
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("memory: dump %s: %w", name, err)
		}
		return emit(b)
	}
	for _, coll := range sortedKeys(g.colls) {
		c := g.colls[coll]
		for _, id := range sortedKeys(c.docs) {
			e := c.docs[id]
			keys := slices.Clone(e.keys)
			slices.Sort(keys)
			if err := write(dumpLine{Type: "doc", Coll: coll, ID: id, Keys: slices.Compact(keys), Sort: e.sort, Value: e.value}); err != nil {
				return err
			}
		}
	}
	if ix := g.offers; ix != nil {
		for _, id := range sortedKeys(ix.slots) {
			if err := write(dumpLine{Type: "offer", Offer: ix.docs.at(ix.slots[id])}); err != nil {
				return err
			}
		}
	}
	if ix := g.orgs; ix != nil {
		for _, id := range sortedKeys(ix.slots) {
			if err := write(dumpLine{Type: "organisation", Organisation: ix.docs.at(ix.slots[id])}); err != nil {
				return err
			}
		}
	}
	var cs []projections.CounterValue
	for _, m := range g.counters {
		for c, n := range m {
			cs = append(cs, projections.CounterValue{Counter: c, N: n})
		}
	}
	slices.SortFunc(cs, func(a, b projections.CounterValue) int { return cmpCounter(a.Counter, b.Counter) })
	for i := range cs {
		if err := write(dumpLine{Type: "counter", Counter: &cs[i]}); err != nil {
			return err
		}
	}
	var evs []*projections.Evidence
	for _, l := range g.evidence {
		for i := range l.items {
			evs = append(evs, &l.items[i])
		}
	}
	slices.SortFunc(evs, func(a, b *projections.Evidence) int {
		return cmp.Or(a.Position.Compare(b.Position), strings.Compare(a.Indicator, b.Indicator), strings.Compare(a.Subject, b.Subject))
	})
	for _, e := range evs {
		if err := write(dumpLine{Type: "evidence", Evidence: e}); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
