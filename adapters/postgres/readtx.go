package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

var errTxDone = errors.New("postgres: read store: transaction used after its Update returned")

// readTx is the projections.Tx of one Update: it buffers the writes and
// reads through the buffer, then the generation cache, then the
// transaction's connection.
type readTx struct {
	s    *ReadStore
	conn *pgx.Conn
	t    projections.Target
	c    *genCache
	done bool

	docs     map[docKey]*pendingDoc
	offers   map[string]*pendingOffer
	orgs     map[string]*pendingOrg
	counters map[projections.Counter]int64
	evidence []projections.Evidence
	evSeen   map[evKey]struct{}
	evSubj   map[evSubject]struct{}
	claims   map[ownerKey]struct{}

	newTerms map[string]int32 // ids of terms this Update added to rm_terms
}

type evKey struct {
	indicator, subject string
	pos                domain.Position
}

type pendingDoc struct {
	deleted bool
	d       projections.Doc // Keys sorted, without duplicates
	body    []byte
	// orig is the stored version before the Update (known after prepare).
	orig docVal
}

// pendingIndex is the part of a pending offer or organisation the search
// index needs.
type pendingIndex struct {
	body  []byte
	codes []int32 // term id × 4 + field, sorted
	ids   []int32 // term ids, sorted
	// The version before the Update: whether it exists and its term ids
	// (known after prepare).
	origPresent bool
	orig        []int32
}

type pendingOffer struct {
	doc projections.OfferDoc
	pendingIndex
}

type pendingOrg struct {
	doc projections.OrgDoc
	pendingIndex
}

func newReadTx(s *ReadStore, conn *pgx.Conn, t projections.Target, c *genCache) *readTx {
	return &readTx{s: s, conn: conn, t: t, c: c,
		docs: map[docKey]*pendingDoc{}, offers: map[string]*pendingOffer{}, orgs: map[string]*pendingOrg{},
		counters: map[projections.Counter]int64{}, evSeen: map[evKey]struct{}{}, evSubj: map[evSubject]struct{}{},
		claims: map[ownerKey]struct{}{}}
}

func (t *readTx) fail(op string, err error) error {
	return fmt.Errorf("postgres: read store: %s: %w", op, err)
}

// owner returns the projection owning category k ("" if none).
func (t *readTx) owner(ctx context.Context, k ownerKey) (string, error) {
	p, err := ownerVia(ctx, t.conn, &t.s.owners, k)
	if err != nil {
		return "", t.fail("owner of "+k.String(), err)
	}
	return p, nil
}

// ownerVia returns the projection owning category k ("" if none), from
// the cache or read through q (a connection in a transaction, or the
// pool), remembering an owner found (rm_owners rows never change).
func ownerVia(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, cache *ownerCache, k ownerKey) (string, error) {
	if p, ok := cache.get(k); ok {
		return p, nil
	}
	var p string
	err := q.QueryRow(ctx, `SELECT projection FROM rm_owners WHERE kind = $1 AND name = $2`, k.kind, k.name).Scan(&p)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", nil
	case err != nil:
		return "", err
	}
	cache.put(k, p)
	return p, nil
}

// claim checks that the Update's projection may write category k, and
// notes it for claiming when nobody owns it yet.
func (t *readTx) claim(ctx context.Context, k ownerKey) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.claims[k]; ok {
		return nil
	}
	p, err := t.owner(ctx, k)
	if err != nil {
		return err
	}
	switch p {
	case t.t.Name:
		return nil
	case "":
		t.claims[k] = struct{}{}
		return nil
	}
	return fmt.Errorf("postgres: read store: %s belongs to projection %q, not %q", k, p, t.t.Name)
}

// Get implements projections.Tx. A document read from the database is a
// json.RawMessage.
func (t *readTx) Get(ctx context.Context, coll, id string) (any, bool, error) {
	if t.done {
		return nil, false, errTxDone
	}
	k := docKey{coll, id}
	if pd, ok := t.docs[k]; ok {
		if pd.deleted {
			return nil, false, nil
		}
		return pd.d.Value, true, nil
	}
	v, err := t.storedDoc(ctx, k)
	if err != nil || !v.present {
		return nil, false, err
	}
	return v.value, true, nil
}

// storedDoc is the document as committed before the Update.
func (t *readTx) storedDoc(ctx context.Context, k docKey) (docVal, error) {
	if v, ok := t.c.doc(k); ok {
		return v, nil
	}
	var (
		v    docVal
		body []byte
	)
	err := t.conn.QueryRow(ctx, `SELECT keys, sort, body FROM rm_docs WHERE projection = $1 AND gen = $2 AND coll = $3 AND id = $4`,
		t.t.Name, t.t.Generation, k.coll, k.id).Scan(&v.keys, &v.sort, &body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		v = docVal{}
	case err != nil:
		return docVal{}, t.fail("get", err)
	default:
		v.present, v.value, v.size = true, json.RawMessage(body), int64(len(body))+entryOverhead
		if len(v.keys) == 0 {
			v.keys = nil
		}
	}
	v.used = true
	t.s.rememberDoc(t.c, k, v)
	return v, nil
}

// normKeys returns keys sorted and without duplicates (nil if none).
func normKeys(keys []string) []string {
	if len(keys) == 0 {
		return nil
	}
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

// Put implements projections.Tx.
func (t *readTx) Put(ctx context.Context, d projections.Doc) error {
	if err := t.claim(ctx, ownerKey{ownDoc, d.Coll}); err != nil {
		return err
	}
	d.Keys = normKeys(d.Keys)
	t.docs[docKey{d.Coll, d.ID}] = &pendingDoc{d: d}
	return nil
}

// Delete implements projections.Tx.
func (t *readTx) Delete(ctx context.Context, coll, id string) error {
	if t.done {
		return errTxDone
	}
	k := ownerKey{ownDoc, coll}
	if _, claimed := t.claims[k]; !claimed {
		p, err := t.owner(ctx, k)
		if err != nil {
			return err
		}
		if p != "" && p != t.t.Name {
			return fmt.Errorf("postgres: read store: %s belongs to projection %q, not %q", k, p, t.t.Name)
		}
	}
	t.docs[docKey{coll, id}] = &pendingDoc{deleted: true, d: projections.Doc{Coll: coll, ID: id}}
	return nil
}

// Offer implements projections.Tx.
func (t *readTx) Offer(ctx context.Context, id string) (projections.OfferDoc, bool, error) {
	if t.done {
		return projections.OfferDoc{}, false, errTxDone
	}
	if p, ok := t.offers[id]; ok {
		return p.doc, true, nil
	}
	v, err := t.storedOffer(ctx, id)
	return v.doc, v.present, err
}

func (t *readTx) storedOffer(ctx context.Context, id string) (offerVal, error) {
	if v, ok := t.c.offer(id); ok {
		return v, nil
	}
	var (
		v     offerVal
		body  []byte
		codes []int32
	)
	err := t.conn.QueryRow(ctx, `SELECT body, terms FROM rm_offers WHERE projection = $1 AND gen = $2 AND id = $3`,
		t.t.Name, t.t.Generation, id).Scan(&body, &codes)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return offerVal{}, t.fail("offer", err)
	default:
		if err := json.Unmarshal(body, &v.doc); err != nil {
			return offerVal{}, t.fail("offer "+id, err)
		}
		v.present, v.ids, v.size = true, idsOf(codes), 3*int64(len(body))+entryOverhead
	}
	v.used = true
	t.s.rememberOffer(t.c, id, v)
	return v, nil
}

// PutOffer implements projections.Tx.
func (t *readTx) PutOffer(ctx context.Context, o projections.OfferDoc) error {
	if err := t.claim(ctx, ownerKey{kind: ownOffers}); err != nil {
		return err
	}
	if p, ok := t.offers[o.ID]; ok {
		p.doc = o
		return nil
	}
	t.offers[o.ID] = &pendingOffer{doc: o}
	return nil
}

// OffersOf implements projections.Tx: the ids come sorted.
func (t *readTx) OffersOf(ctx context.Context, orgID string) ([]string, error) {
	if t.done {
		return nil, errTxDone
	}
	var base []string
	if t.c != nil && t.c.complete {
		for id := range t.c.byOwner[orgID] {
			base = append(base, id)
		}
	} else {
		// gen + 0: by the owner index whatever the statistics say (see
		// searchSQL).
		rows, err := t.conn.Query(ctx, `SELECT id FROM rm_offers WHERE projection = $1 AND gen + 0 = $2 AND owner_org_id = $3`,
			t.t.Name, t.t.Generation, orgID)
		if err != nil {
			return nil, t.fail("offers of", err)
		}
		base, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, t.fail("offers of", err)
		}
	}
	var out []string
	for _, id := range base {
		if p, ok := t.offers[id]; ok && p.doc.OwnerOrgID != orgID {
			continue
		}
		out = append(out, id)
	}
	for id, p := range t.offers {
		if p.doc.OwnerOrgID == orgID && !slices.Contains(base, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Organisation implements projections.Tx.
func (t *readTx) Organisation(ctx context.Context, id string) (projections.OrgDoc, bool, error) {
	if t.done {
		return projections.OrgDoc{}, false, errTxDone
	}
	if p, ok := t.orgs[id]; ok {
		return p.doc, true, nil
	}
	v, err := t.storedOrg(ctx, id)
	return v.doc, v.present, err
}

func (t *readTx) storedOrg(ctx context.Context, id string) (orgVal, error) {
	if v, ok := t.c.org(id); ok {
		return v, nil
	}
	var (
		v     orgVal
		body  []byte
		codes []int32
	)
	err := t.conn.QueryRow(ctx, `SELECT body, terms FROM rm_orgs WHERE projection = $1 AND gen = $2 AND id = $3`,
		t.t.Name, t.t.Generation, id).Scan(&body, &codes)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return orgVal{}, t.fail("organisation", err)
	default:
		if err := json.Unmarshal(body, &v.doc); err != nil {
			return orgVal{}, t.fail("organisation "+id, err)
		}
		v.present, v.ids, v.size = true, idsOf(codes), 3*int64(len(body))+entryOverhead
	}
	v.used = true
	t.s.rememberOrg(t.c, id, v)
	return v, nil
}

// PutOrganisation implements projections.Tx.
func (t *readTx) PutOrganisation(ctx context.Context, o projections.OrgDoc) error {
	if err := t.claim(ctx, ownerKey{kind: ownOrgs}); err != nil {
		return err
	}
	if p, ok := t.orgs[o.ID]; ok {
		p.doc = o
		return nil
	}
	t.orgs[o.ID] = &pendingOrg{doc: o}
	return nil
}

// Add implements projections.Tx.
func (t *readTx) Add(ctx context.Context, c projections.Counter, delta int64) error {
	if err := t.claim(ctx, ownerKey{ownCounter, c.Metric}); err != nil {
		return err
	}
	t.counters[c] += delta
	return nil
}

// AddEvidence implements projections.Tx.
func (t *readTx) AddEvidence(ctx context.Context, e projections.Evidence) (bool, error) {
	if err := t.claim(ctx, ownerKey{ownEvidence, e.Indicator}); err != nil {
		return false, err
	}
	k := evKey{e.Indicator, e.Subject, e.Position}
	if _, ok := t.evSeen[k]; ok {
		return false, nil
	}
	sk := evSubject{e.Indicator, e.Subject}
	first := false
	if _, ok := t.evSubj[sk]; !ok {
		present, known := t.c.subject(sk)
		if !known {
			err := t.conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM rm_evidence WHERE projection = $1 AND gen + 0 = $2 AND indicator = $3 AND subject = $4)`,
				t.t.Name, t.t.Generation, e.Indicator, e.Subject).Scan(&present)
			if err != nil {
				return false, t.fail("evidence", err)
			}
			if t.c != nil {
				t.c.subjects[sk] = present
			}
		}
		first = !present
	}
	t.evSeen[k] = struct{}{}
	t.evSubj[sk] = struct{}{}
	t.evidence = append(t.evidence, e)
	return first, nil
}

// ---------------------------------------------------------------------------
// Commit

// idsOf returns the term ids of stored term codes (sorted as the codes).
func idsOf(codes []int32) []int32 {
	if len(codes) == 0 {
		return nil
	}
	ids := make([]int32, len(codes))
	for i, c := range codes {
		ids[i] = c >> 2
	}
	return ids
}

// Field codes of the search index (term id × 4 + field).
const (
	fieldCode  = 1
	fieldText  = 2
	fieldTitle = 3
)

// termFields calls f for every term of the three lists with the best
// field it is in, in term order.
func termFields(title, text, code []string, f func(term string, field int32)) {
	title, text, code = distinctSorted(title), distinctSorted(text), distinctSorted(code)
	i, j, k := 0, 0, 0
	for i < len(title) || j < len(text) || k < len(code) {
		var m string
		switch {
		case i < len(title):
			m = title[i]
		case j < len(text):
			m = text[j]
		default:
			m = code[k]
		}
		if j < len(text) && text[j] < m {
			m = text[j]
		}
		if k < len(code) && code[k] < m {
			m = code[k]
		}
		var field int32
		if k < len(code) && code[k] == m {
			field = fieldCode
			k++
		}
		if j < len(text) && text[j] == m {
			field = fieldText
			j++
		}
		if i < len(title) && title[i] == m {
			field = fieldTitle
			i++
		}
		f(m, field)
	}
}

// arrayLiteral writes vals as a PostgreSQL array literal.
func arrayLiteral(b *strings.Builder, vals []string) string {
	b.Reset()
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if c := v[j]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func intArrayLiteral(b *strings.Builder, vals []int32) string {
	b.Reset()
	b.WriteByte('{')
	var buf [12]byte
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(strconv.AppendInt(buf[:0], int64(v), 10))
	}
	b.WriteByte('}')
	return b.String()
}

// distinctSorted returns vals sorted and without duplicates.
func distinctSorted(vals []string) []string {
	if len(vals) == 0 {
		return nil
	}
	if slices.IsSorted(vals) {
		dup := false
		for i := 1; i < len(vals); i++ {
			if vals[i] == vals[i-1] {
				dup = true
				break
			}
		}
		if !dup {
			return vals
		}
	}
	out := slices.Clone(vals)
	slices.Sort(out)
	return slices.Compact(out)
}

// sectionsOf returns the NACE section letters among codes.
func sectionsOf(codes []string) []string {
	var out []string
	for _, c := range codes {
		if len(c) == 1 && c[0] >= 'A' && c[0] <= 'Z' && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// commit writes the buffer, moves the checkpoint of the generation
// (building or live) to `to` and commits. It returns the generation's new
// sequence number.
func (t *readTx) commit(ctx context.Context, building bool, to domain.Position) (int64, error) {
	// Bodies first: a value that does not marshal fails the Update.
	for _, pd := range t.docs {
		if pd.deleted {
			continue
		}
		b, err := json.Marshal(pd.d.Value)
		if err != nil {
			return 0, fmt.Errorf("document %s/%s: %w", pd.d.Coll, pd.d.ID, err)
		}
		pd.body = b
	}
	for id, p := range t.offers {
		b, err := json.Marshal(p.doc)
		if err != nil {
			return 0, fmt.Errorf("offer %s: %w", id, err)
		}
		p.body = b
	}
	for id, p := range t.orgs {
		b, err := json.Marshal(p.doc)
		if err != nil {
			return 0, fmt.Errorf("organisation %s: %w", id, err)
		}
		p.body = b
	}
	if err := t.prepare(ctx); err != nil {
		return 0, err
	}

	b := &pgx.Batch{}
	var sb strings.Builder
	name, gen := t.t.Name, t.t.Generation
	t.queueDocs(b, &sb)
	refs := map[int32]int32{}
	if len(t.offers) > 0 {
		t.queueOffers(b, &sb, refs)
	}
	if len(t.orgs) > 0 {
		t.queueOrgs(b, &sb, refs)
	}
	// Term references are counted for live generations only (Vocabulary
	// reads nothing else): a building generation gets its counts in one
	// aggregate when it is promoted, which costs a rebuild far less than
	// keeping them batch by batch.
	if len(refs) > 0 && !building {
		ids := make([]int32, 0, len(refs))
		for id, n := range refs {
			if n != 0 {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		ns := make([]int32, len(ids))
		for i, id := range ids {
			ns[i] = refs[id]
		}
		if len(ids) > 0 {
			b.Queue(`INSERT INTO rm_term_refs (term_id, projection, gen, n)
SELECT u.id, $1, $2, u.n FROM unnest($3::int4[], $4::int4[]) AS u(id, n)
ON CONFLICT (term_id, projection, gen) DO UPDATE SET n = rm_term_refs.n + EXCLUDED.n`, name, gen, ids, ns)
		}
	}
	if len(t.counters) > 0 {
		var metric, dim, value, month []string
		var n []int64
		for c, d := range t.counters {
			if d == 0 {
				continue
			}
			metric, dim, value, month = append(metric, c.Metric), append(dim, c.Dim), append(value, c.Value), append(month, c.Month)
			n = append(n, d)
		}
		if len(n) > 0 {
			b.Queue(`INSERT INTO rm_counters (projection, gen, metric, dim, value, month, n)
SELECT $1, $2, u.metric, u.dim, u.value, u.month, u.n FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int8[]) AS u(metric, dim, value, month, n)
ON CONFLICT (projection, gen, metric, dim, value, month) DO UPDATE SET n = rm_counters.n + EXCLUDED.n`, name, gen, metric, dim, value, month, n)
		}
	}
	if len(t.evidence) > 0 {
		n := len(t.evidence)
		ind, subj, commit, prep, body := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, e := range t.evidence {
			j, err := json.Marshal(e)
			if err != nil {
				return 0, fmt.Errorf("evidence: %w", err)
			}
			ind[i], subj[i], body[i] = e.Indicator, e.Subject, string(j)
			commit[i], prep[i] = posText(e.Position)
		}
		b.Queue(`INSERT INTO rm_evidence (projection, gen, indicator, commit, prepare, subject, body)
SELECT $1, $2, u.ind, u.c::numeric, u.p::numeric, u.subj, u.body::json
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(ind, c, p, subj, body)
ON CONFLICT DO NOTHING`, name, gen, ind, commit, prep, subj, body)
	}
	c, p := posText(to)
	if building {
		b.Queue(`UPDATE rm_projections SET building_commit = $2::numeric, building_prepare = $3::numeric,
    building_seq = building_seq + 1, building_updated_at = clock_timestamp() WHERE name = $1 RETURNING building_seq`, name, c, p)
	} else {
		b.Queue(`UPDATE rm_projections SET live_commit = $2::numeric, live_prepare = $3::numeric,
    live_seq = live_seq + 1, live_updated_at = clock_timestamp() WHERE name = $1 RETURNING live_seq`, name, c, p)
	}
	b.Queue("COMMIT")

	br := t.conn.SendBatch(ctx, b)
	var seq int64
	err := func() error {
		for range b.Len() - 2 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if err := br.QueryRow().Scan(&seq); err != nil {
			return err
		}
		return commitTag(br.Exec())
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return seq, err
}

// prepare claims the categories the Update writes first, numbers the
// terms this process has no id for and reads the stored term ids of
// offers and organisations the cache does not know: one round trip, or
// none when the caches know everything.
func (t *readTx) prepare(ctx context.Context) error {
	var unknownOffers, unknownOrgs, unknownColl, unknownID []string
	for id, p := range t.offers {
		if v, ok := t.c.offer(id); ok {
			p.origPresent, p.orig = v.present, v.ids
		} else {
			unknownOffers = append(unknownOffers, id)
		}
	}
	for id, p := range t.orgs {
		if v, ok := t.c.org(id); ok {
			p.origPresent, p.orig = v.present, v.ids
		} else {
			unknownOrgs = append(unknownOrgs, id)
		}
	}
	for k, pd := range t.docs {
		if v, ok := t.c.doc(k); ok {
			pd.orig = v
		} else {
			unknownColl, unknownID = append(unknownColl, k.coll), append(unknownID, k.id)
		}
	}
	local := map[string]int32{}
	var missing []string
	need := func(terms []string) {
		for _, term := range terms {
			if _, ok := local[term]; ok {
				continue
			}
			if id, ok := t.s.terms.get(term); ok {
				local[term] = id
				continue
			}
			local[term] = -1
			missing = append(missing, term)
		}
	}
	for _, p := range t.offers {
		need(p.doc.TitleTerms)
		need(p.doc.TextTerms)
		need(p.doc.CodeTerms)
	}
	for _, p := range t.orgs {
		need(p.doc.TitleTerms)
		need(p.doc.TextTerms)
		need(p.doc.CodeTerms)
	}
	claims := make([]ownerKey, 0, len(t.claims))
	for k := range t.claims {
		claims = append(claims, k)
	}
	if len(claims) > 0 || len(missing) > 0 || len(unknownOffers) > 0 || len(unknownOrgs) > 0 || len(unknownColl) > 0 {
		b := &pgx.Batch{}
		if len(claims) > 0 {
			// Sorted: concurrent claimers lock the same keys in the same
			// order.
			slices.SortFunc(claims, func(a, b ownerKey) int {
				return cmpStrings(a.kind+"\x00"+a.name, b.kind+"\x00"+b.name)
			})
			kinds, names := make([]string, len(claims)), make([]string, len(claims))
			for i, k := range claims {
				kinds[i], names[i] = k.kind, k.name
			}
			b.Queue(`INSERT INTO rm_owners (kind, name, projection) SELECT u.kind, u.name, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(kind, name, i) ORDER BY u.i ON CONFLICT DO NOTHING`, kinds, names, t.t.Name)
			b.Queue(`SELECT r.kind, r.name, r.projection FROM rm_owners r JOIN unnest($1::text[], $2::text[]) AS u(kind, name) ON r.kind = u.kind AND r.name = u.name`, kinds, names)
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			// Planned for this batch's values, from here to the commit: a
			// generic plan cached while rm_terms was empty (a first
			// catch-up or a rebuild starts that way) keeps scanning it
			// whole for every new term as it grows (4–12 s per batch of a
			// 1,000,000-event rebuild, for a minute).
			b.Queue(`SET LOCAL plan_cache_mode = force_custom_plan`)
			b.Queue(`INSERT INTO rm_terms (term) SELECT u.term FROM unnest($1::text[]) WITH ORDINALITY AS u(term, i)
WHERE NOT EXISTS (SELECT FROM rm_terms t WHERE t.term = u.term) ORDER BY u.i ON CONFLICT (term) DO NOTHING`, missing)
			// A join, not term = ANY($1): pg_trgm's GIN index also serves =,
			// and the planner may pick it for a long list (seconds).
			b.Queue(`SELECT u.term, x.id FROM unnest($1::text[]) AS u(term)
CROSS JOIN LATERAL (SELECT t.id FROM rm_terms t WHERE t.term = u.term OFFSET 0) x`, missing)
		}
		if len(unknownOffers) > 0 {
			b.Queue(sqlOrigTerms("rm_offers"), t.t.Name, t.t.Generation, unknownOffers)
		}
		if len(unknownOrgs) > 0 {
			b.Queue(sqlOrigTerms("rm_orgs"), t.t.Name, t.t.Generation, unknownOrgs)
		}
		if len(unknownColl) > 0 {
			b.Queue(`SELECT u.coll, u.id, x.keys, x.sort FROM unnest($3::text[], $4::text[]) AS u(coll, id)
CROSS JOIN LATERAL (SELECT d.keys, d.sort FROM rm_docs d WHERE d.projection = $1 AND d.gen = $2 AND d.coll = u.coll AND d.id = u.id OFFSET 0) x`,
				t.t.Name, t.t.Generation, unknownColl, unknownID)
		}
		br := t.conn.SendBatch(ctx, b)
		err := func() error {
			if len(claims) > 0 {
				if _, err := br.Exec(); err != nil {
					return err
				}
				rows, err := br.Query()
				if err != nil {
					return err
				}
				var kind, nm, proj string
				if _, err := pgx.ForEachRow(rows, []any{&kind, &nm, &proj}, func() error {
					if proj != t.t.Name {
						return fmt.Errorf("%s belongs to projection %q, not %q", ownerKey{kind, nm}, proj, t.t.Name)
					}
					return nil
				}); err != nil {
					return err
				}
			}
			if len(missing) > 0 {
				for range 2 {
					if _, err := br.Exec(); err != nil {
						return err
					}
				}
				rows, err := br.Query()
				if err != nil {
					return err
				}
				var (
					term string
					id   int32
				)
				t.newTerms = make(map[string]int32, len(missing))
				if _, err := pgx.ForEachRow(rows, []any{&term, &id}, func() error {
					local[term] = id
					t.newTerms[term] = id
					return nil
				}); err != nil {
					return err
				}
			}
			readOrig := func(set func(id string, ids []int32)) error {
				rows, err := br.Query()
				if err != nil {
					return err
				}
				var (
					id    string
					codes []int32
				)
				_, err = pgx.ForEachRow(rows, []any{&id, &codes}, func() error {
					set(id, idsOf(codes))
					return nil
				})
				return err
			}
			if len(unknownOffers) > 0 {
				if err := readOrig(func(id string, ids []int32) { t.offers[id].origPresent, t.offers[id].orig = true, ids }); err != nil {
					return err
				}
			}
			if len(unknownOrgs) > 0 {
				if err := readOrig(func(id string, ids []int32) { t.orgs[id].origPresent, t.orgs[id].orig = true, ids }); err != nil {
					return err
				}
			}
			if len(unknownColl) > 0 {
				rows, err := br.Query()
				if err != nil {
					return err
				}
				var (
					k docKey
					v docVal
				)
				if _, err := pgx.ForEachRow(rows, []any{&k.coll, &k.id, &v.keys, &v.sort}, func() error {
					pd := t.docs[k]
					pd.orig = docVal{present: true, keys: normKeys(v.keys), sort: v.sort}
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		}()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		for _, term := range missing {
			if local[term] < 0 {
				return fmt.Errorf("term %q was not numbered", term)
			}
		}
	}
	code := func(p *pendingIndex, title, text, codeTerms []string) {
		p.codes = make([]int32, 0, len(title)+len(text)+len(codeTerms))
		termFields(title, text, codeTerms, func(term string, f int32) {
			p.codes = append(p.codes, local[term]*4+f)
		})
		slices.Sort(p.codes)
		p.ids = idsOf(p.codes)
	}
	for _, p := range t.offers {
		code(&p.pendingIndex, p.doc.TitleTerms, p.doc.TextTerms, p.doc.CodeTerms)
	}
	for _, p := range t.orgs {
		code(&p.pendingIndex, p.doc.TitleTerms, p.doc.TextTerms, p.doc.CodeTerms)
	}
	return nil
}

func cmpStrings(a, b string) int { return strings.Compare(a, b) }

// Statements that look rows up by key for a list of keys join the list
// LATERALly to a subquery that is not flattened (OFFSET 0): the list is
// the outer side of a nested loop and every key one probe of the primary
// key, whatever the planner believes of the table. (A generation that a
// rebuild is filling has no statistics yet: as a plain join, the planner
// would take it for empty and scan all of it for each statement.)

// sqlOrigTerms reads the stored term codes of the search index rows with
// the ids $3.
func sqlOrigTerms(table string) string {
	return `SELECT u.id, x.terms FROM unnest($3::text[]) AS u(id)
CROSS JOIN LATERAL (SELECT o.terms FROM ` + table + ` o WHERE o.projection = $1 AND o.gen = $2 AND o.id = u.id OFFSET 0) x`
}

// diffRefs adds to refs the reference count changes from the term ids old
// to new (both sorted).
func diffRefs(refs map[int32]int32, old, new []int32) {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i] < new[j]):
			refs[old[i]]--
			i++
		case i == len(old) || new[j] < old[i]:
			refs[new[j]]++
			j++
		default:
			i++
			j++
		}
	}
}

// queueDocs queues the statements writing the generic documents: new
// ones are inserted (prepare found out which are stored, and nobody else
// writes the generation meanwhile), stored ones upserted (ON CONFLICT finds
// each by its primary key; for a new row an upsert costs twice an insert),
// and the key rows of documents whose keys or sort changed replaced.
func (t *readTx) queueDocs(b *pgx.Batch, sb *strings.Builder) {
	if len(t.docs) == 0 {
		return
	}
	name, gen := t.t.Name, t.t.Generation
	type docRows struct {
		coll, id, keys, body []string
		sort                 []int64
	}
	type keyRows struct {
		coll, key, id []string
		sort          []int64
	}
	var (
		ins, upd       docRows
		delKeys, add   keyRows
		delColl, delID []string
	)
	for k, pd := range t.docs {
		old := pd.orig
		changed := !old.present || pd.deleted || old.sort != pd.d.Sort || !slices.Equal(old.keys, pd.d.Keys)
		if old.present && changed {
			for _, key := range old.keys {
				delKeys.coll, delKeys.key, delKeys.sort, delKeys.id = append(delKeys.coll, k.coll), append(delKeys.key, key), append(delKeys.sort, old.sort), append(delKeys.id, k.id)
			}
		}
		if pd.deleted {
			if old.present {
				delColl, delID = append(delColl, k.coll), append(delID, k.id)
			}
			continue
		}
		r := &ins
		if old.present {
			r = &upd
		}
		r.coll, r.id, r.sort = append(r.coll, k.coll), append(r.id, k.id), append(r.sort, pd.d.Sort)
		r.keys, r.body = append(r.keys, arrayLiteral(sb, pd.d.Keys)), append(r.body, string(pd.body))
		if changed {
			for _, key := range pd.d.Keys {
				add.coll, add.key, add.sort, add.id = append(add.coll, k.coll), append(add.key, key), append(add.sort, pd.d.Sort), append(add.id, k.id)
			}
		}
	}
	if len(delKeys.coll) > 0 {
		b.Queue(`DELETE FROM rm_doc_keys WHERE ctid = ANY (ARRAY(
    SELECT x.ctid FROM unnest($3::text[], $4::text[], $5::int8[], $6::text[]) AS u(coll, key, sort, id)
    CROSS JOIN LATERAL (SELECT k.ctid FROM rm_doc_keys k WHERE k.projection = $1 AND k.gen = $2 AND k.coll = u.coll
        AND k.key = u.key AND k.sort = u.sort AND k.id = u.id OFFSET 0) x))`,
			name, gen, delKeys.coll, delKeys.key, delKeys.sort, delKeys.id)
	}
	if len(delColl) > 0 {
		b.Queue(`DELETE FROM rm_docs WHERE ctid = ANY (ARRAY(
    SELECT x.ctid FROM unnest($3::text[], $4::text[]) AS u(coll, id)
    CROSS JOIN LATERAL (SELECT d.ctid FROM rm_docs d WHERE d.projection = $1 AND d.gen = $2 AND d.coll = u.coll AND d.id = u.id OFFSET 0) x))`,
			name, gen, delColl, delID)
	}
	if len(upd.coll) > 0 {
		// Stored documents: an upsert finds each by its primary key.
		b.Queue(`INSERT INTO rm_docs (projection, gen, coll, id, keys, sort, body)
SELECT $1, $2, u.coll, u.id, u.keys::text[], u.sort, u.body::json
FROM unnest($3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) AS u(coll, id, keys, sort, body)
ON CONFLICT (projection, gen, coll, id) DO UPDATE SET keys = EXCLUDED.keys, sort = EXCLUDED.sort, body = EXCLUDED.body`,
			name, gen, upd.coll, upd.id, upd.keys, upd.sort, upd.body)
	}
	if len(ins.coll) > 0 {
		b.Queue(`INSERT INTO rm_docs (projection, gen, coll, id, keys, sort, body)
SELECT $1, $2, u.coll, u.id, u.keys::text[], u.sort, u.body::json
FROM unnest($3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) AS u(coll, id, keys, sort, body)`,
			name, gen, ins.coll, ins.id, ins.keys, ins.sort, ins.body)
	}
	if len(add.coll) > 0 {
		b.Queue(`INSERT INTO rm_doc_keys (projection, gen, coll, key, sort, id)
SELECT $1, $2, u.coll, u.key, u.sort, u.id FROM unnest($3::text[], $4::text[], $5::int8[], $6::text[]) AS u(coll, key, sort, id)`,
			name, gen, add.coll, add.key, add.sort, add.id)
	}
}

// indexCol is a column of rm_offers or rm_orgs as the write statements
// pass it: text, int8, or an array or JSON value sent as text and cast.
type indexCol struct{ name, typ string }

// indexWrite builds the statements inserting new rows and upserting stored
// ones (see queueDocs) of a search index table, one parameter array per
// column.
type indexWrite struct {
	cols     []indexCol
	ins, upd string
}

func newIndexWrite(table string, cols []indexCol) *indexWrite {
	var params, names, sel, set []string
	for i, c := range cols {
		pt, v := "text[]", "u."+c.name
		switch c.typ {
		case "int8":
			pt = "int8[]"
		case "text":
		default:
			v += "::" + c.typ
		}
		params = append(params, "$"+strconv.Itoa(i+3)+"::"+pt)
		names, sel = append(names, c.name), append(sel, v)
		if c.name != "id" {
			set = append(set, c.name+" = EXCLUDED."+c.name)
		}
	}
	from := "unnest(" + strings.Join(params, ", ") + ") AS u(" + strings.Join(names, ", ") + ")"
	return &indexWrite{cols: cols,
		ins: "INSERT INTO " + table + " (projection, gen, " + strings.Join(names, ", ") + ")\nSELECT $1, $2, " + strings.Join(sel, ", ") + "\nFROM " + from,
		upd: "INSERT INTO " + table + " (projection, gen, " + strings.Join(names, ", ") + ")\nSELECT $1, $2, " + strings.Join(sel, ", ") + "\nFROM " + from +
			"\nON CONFLICT (projection, gen, id) DO UPDATE SET " + strings.Join(set, ", ")}
}

var (
	offerWrite = newIndexWrite("rm_offers", []indexCol{{"id", "text"}, {"owner_org_id", "text"}, {"kind", "text"},
		{"category", "text"}, {"partnership_types", "text[]"}, {"codes", "text[]"}, {"sections", "text[]"},
		{"country", "text"}, {"regions", "text[]"}, {"languages", "text[]"}, {"status", "text"},
		{"valid_until", "int8"}, {"published_at", "int8"}, {"terms", "int4[]"}, {"body", "json"}})
	orgWrite = newIndexWrite("rm_orgs", []indexCol{{"id", "text"}, {"kind", "text"}, {"codes", "text[]"},
		{"sections", "text[]"}, {"country", "text"}, {"regions", "text[]"}, {"languages", "text[]"},
		{"status", "text"}, {"registered_at", "int8"}, {"terms", "int4[]"}, {"body", "json"}})
)

// indexRows collects the column arrays of one statement of an indexWrite.
type indexRows struct {
	text [][]string
	ints [][]int64
	n    int
}

func (w *indexWrite) rows() *indexRows {
	return &indexRows{text: make([][]string, len(w.cols)), ints: make([][]int64, len(w.cols))}
}

// add appends a row: one value per column, a string or an int64.
func (r *indexRows) add(vals ...any) {
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			r.text[i] = append(r.text[i], x)
		case int64:
			r.ints[i] = append(r.ints[i], x)
		}
	}
	r.n++
}

func (w *indexWrite) queue(b *pgx.Batch, sql string, t projections.Target, r *indexRows) {
	if r.n == 0 {
		return
	}
	args := []any{t.Name, t.Generation}
	for i, c := range w.cols {
		if c.typ == "int8" {
			args = append(args, r.ints[i])
		} else {
			args = append(args, r.text[i])
		}
	}
	b.Queue(sql, args...)
}

// queueOffers queues the writes of the pending offers and adds their term
// reference changes to refs.
func (t *readTx) queueOffers(b *pgx.Batch, sb *strings.Builder, refs map[int32]int32) {
	ins, upd := offerWrite.rows(), offerWrite.rows()
	for _, p := range t.offers {
		o := &p.doc
		diffRefs(refs, p.orig, p.ids)
		r := ins
		if p.origPresent {
			r = upd
		}
		r.add(o.ID, o.OwnerOrgID, o.Kind, o.Category, arrayLiteral(sb, distinctSorted(o.PartnershipTypes)),
			arrayLiteral(sb, distinctSorted(o.Codes)), arrayLiteral(sb, sectionsOf(o.Codes)), o.OwnerCountry,
			arrayLiteral(sb, distinctSorted(o.Regions)), arrayLiteral(sb, distinctSorted(o.Languages)), o.Status,
			nanos(o.ValidUntil), nanos(o.PublishedAt), intArrayLiteral(sb, p.codes), string(p.body))
	}
	offerWrite.queue(b, offerWrite.upd, t.t, upd)
	offerWrite.queue(b, offerWrite.ins, t.t, ins)
}

// queueOrgs queues the writes of the pending organisations and adds their
// term reference changes to refs.
func (t *readTx) queueOrgs(b *pgx.Batch, sb *strings.Builder, refs map[int32]int32) {
	ins, upd := orgWrite.rows(), orgWrite.rows()
	for _, p := range t.orgs {
		o := &p.doc
		diffRefs(refs, p.orig, p.ids)
		r := ins
		if p.origPresent {
			r = upd
		}
		r.add(o.ID, o.Kind, arrayLiteral(sb, distinctSorted(o.Codes)), arrayLiteral(sb, sectionsOf(o.Codes)), o.Country,
			arrayLiteral(sb, distinctSorted(o.Regions)), arrayLiteral(sb, distinctSorted(o.Languages)), o.Status,
			nanos(o.RegisteredAt), intArrayLiteral(sb, p.codes), string(p.body))
	}
	orgWrite.queue(b, orgWrite.upd, t.t, upd)
	orgWrite.queue(b, orgWrite.ins, t.t, ins)
}

// applyToCaches records a committed Update in the generation cache and
// the store's term and owner caches.
func (t *readTx) applyToCaches(seq int64) {
	t.s.terms.put(t.newTerms)
	for k := range t.claims {
		t.s.owners.put(k, t.t.Name)
	}
	c := t.c
	if c == nil {
		return
	}
	c.seq = seq
	for k, pd := range t.docs {
		if pd.deleted {
			t.s.rememberDoc(c, k, docVal{})
			if c.complete {
				if _, ok := c.docKeys[k]; ok {
					delete(c.docKeys, k)
					c.keys--
				}
			}
			continue
		}
		t.s.rememberDoc(c, k, docVal{present: true, value: pd.d.Value, keys: pd.d.Keys, sort: pd.d.Sort,
			size: 2*int64(len(pd.body)) + entryOverhead, used: pd.orig.present})
		if c.complete {
			if _, ok := c.docKeys[k]; !ok {
				c.docKeys[k] = struct{}{}
				c.keys++
			}
		}
	}
	for id, p := range t.offers {
		t.s.rememberOffer(c, id, offerVal{present: true, doc: p.doc, ids: p.ids, size: 3*int64(len(p.body)) + entryOverhead, used: p.origPresent})
		if c.complete {
			old, had := c.offerOwner[id]
			if !had {
				c.keys++
			}
			if !had || old != p.doc.OwnerOrgID {
				if had {
					if set := c.byOwner[old]; set != nil {
						delete(set, id)
						if len(set) == 0 {
							delete(c.byOwner, old)
						}
					}
				}
				set := c.byOwner[p.doc.OwnerOrgID]
				if set == nil {
					set = map[string]struct{}{}
					c.byOwner[p.doc.OwnerOrgID] = set
				}
				set[id] = struct{}{}
				c.offerOwner[id] = p.doc.OwnerOrgID
			}
		}
	}
	for id, p := range t.orgs {
		t.s.rememberOrg(c, id, orgVal{present: true, doc: p.doc, ids: p.ids, size: 3*int64(len(p.body)) + entryOverhead, used: p.origPresent})
		if c.complete {
			if _, ok := c.orgKeys[id]; !ok {
				c.orgKeys[id] = struct{}{}
				c.keys++
			}
		}
	}
	for sk := range t.evSubj {
		if !c.subjects[sk] {
			c.subjects[sk] = true
			if c.complete {
				c.keys++
			}
		}
	}
	if c.complete && c.keys > t.s.maxKeys {
		c.uncomplete()
	}
	t.s.evict(c)
}
