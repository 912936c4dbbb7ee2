package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/projections"
)

// searchIndex describes the table of one search index.
type searchIndex[T any] struct {
	table, owner, at string // table, rm_owners kind, time column
	offers           bool
	facets           []facetCol
	time             func(*T) time.Time
}

// facetCol is a facet and the column it counts (array: one count per
// element).
type facetCol struct {
	name, col string
	array     bool
}

var offerIndex = searchIndex[projections.OfferDoc]{
	table: "rm_offers", owner: ownOffers, at: "published_at", offers: true,
	facets: []facetCol{{"kind", "kind", false}, {"category", "category", false}, {"partnership_type", "partnership_types", true},
		{"section", "sections", true}, {"country", "country", false}, {"language", "languages", true}, {"status", "status", false}},
	time: func(o *projections.OfferDoc) time.Time { return o.PublishedAt },
}

var orgIndex = searchIndex[projections.OrgDoc]{
	table: "rm_orgs", owner: ownOrgs, at: "registered_at",
	facets: []facetCol{{"kind", "kind", false}, {"section", "sections", true}, {"country", "country", false},
		{"language", "languages", true}, {"status", "status", false}},
	time: func(o *projections.OrgDoc) time.Time { return o.RegisteredAt },
}

// SearchOffers implements projections.Reader. A Limit outside 1..100 is
// brought into it; a Sort other than SortRecent is by relevance.
func (s *ReadStore) SearchOffers(ctx context.Context, q projections.SearchQuery) (projections.SearchResult[projections.OfferDoc], error) {
	return search(ctx, s, &offerIndex, &q)
}

// SearchOrganisations implements projections.Reader, as SearchOffers.
func (s *ReadStore) SearchOrganisations(ctx context.Context, q projections.SearchQuery) (projections.SearchResult[projections.OrgDoc], error) {
	return search(ctx, s, &orgIndex, &q)
}

// sqlArgs collects the parameters of a statement.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// termGroup is one query token: its indexed terms' codes by the score
// they give, best first.
type termGroup struct {
	token  int
	values []float64
	codes  [][]int32
}

// planTerms numbers the query terms and groups them by token, in the
// order of the tokens' first terms (the order in which the memory store
// sums). all are the codes of every known term.
func (s *ReadStore) planTerms(ctx context.Context, terms []projections.QueryTerm) (groups []termGroup, all []int32, err error) {
	ids, err := s.termIDsOf(ctx, terms)
	if err != nil {
		return nil, nil, err
	}
	type byValue map[float64][]int32
	var (
		order []int
		vals  = map[int]byValue{}
	)
	for _, t := range terms {
		id, ok := ids[t.Term]
		if !ok {
			continue
		}
		m := vals[t.Token]
		if m == nil {
			m = byValue{}
			vals[t.Token] = m
			order = append(order, t.Token)
		}
		for _, f := range [...]struct {
			code int32
			w    float64
		}{{fieldTitle, projections.WeightTitle}, {fieldText, projections.WeightText}, {fieldCode, projections.WeightCode}} {
			c := id*4 + f.code
			all = append(all, c)
			if v := t.Weight * f.w; v > 0 {
				m[v] = append(m[v], c)
			}
		}
	}
	for _, tok := range order {
		g := termGroup{token: tok}
		for v := range vals[tok] {
			g.values = append(g.values, v)
		}
		slices.SortFunc(g.values, func(a, b float64) int { return cmp.Compare(b, a) })
		for _, v := range g.values {
			c := vals[tok][v]
			slices.Sort(c)
			g.codes = append(g.codes, slices.Compact(c))
		}
		groups = append(groups, g)
	}
	slices.Sort(all)
	return groups, slices.Compact(all), nil
}

// termIDsOf returns the ids of the terms rm_terms holds.
func (s *ReadStore) termIDsOf(ctx context.Context, terms []projections.QueryTerm) (map[string]int32, error) {
	ids := map[string]int32{}
	var missing []string
	for _, t := range terms {
		if _, ok := ids[t.Term]; ok {
			continue
		}
		if id, ok := s.terms.get(t.Term); ok {
			ids[t.Term] = id
		} else if !slices.Contains(missing, t.Term) {
			missing = append(missing, t.Term)
		}
	}
	if len(missing) == 0 {
		return ids, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT t.term, t.id FROM unnest($1::text[]) AS u(term) JOIN rm_terms t ON t.term = u.term`, missing)
	if err != nil {
		return nil, s.fail("search terms", err)
	}
	found := map[string]int32{}
	var (
		term string
		id   int32
	)
	if _, err := pgx.ForEachRow(rows, []any{&term, &id}, func() error {
		found[term] = id
		ids[term] = id
		return nil
	}); err != nil {
		return nil, s.fail("search terms", err)
	}
	s.terms.put(found)
	return ids, nil
}

func floatLit(v float64) string {
	return "'" + strconv.FormatFloat(v, 'g', -1, 64) + "'::float8"
}

func intsLit(codes []int32) string {
	var b strings.Builder
	return "'" + intArrayLiteral(&b, codes) + "'::int4[]"
}

// Parts of the rows a search statement returns.
const (
	partTotal = 0
	partHit   = 1
	partFacet = 2
)

// search runs a search on one index in one statement: the matching
// documents (m, with their scores), their number, the page after the
// cursor with the documents' bodies and the facet counts.
//
// The score is projections.Score: per token a CASE picks the best value
// (weight × field weight) among the codes the document holds, the tokens
// are summed in order and the sum rounded as projections.Round does
// (trunc(y) + (frac(y) ≥ 0.5) is math.Round for y ≥ 0), in float8, so
// that it is the same float64.
func search[T any](ctx context.Context, s *ReadStore, ix *searchIndex[T], q *projections.SearchQuery) (projections.SearchResult[T], error) {
	var res projections.SearchResult[T]
	if err := s.check(ctx); err != nil {
		return res, err
	}
	limit := min(max(q.Limit, 1), 100)
	recent := q.Sort == projections.SortRecent
	emptyFacets := func() {
		if q.Facets {
			res.Facets = map[string]map[string]int{}
			for _, f := range ix.facets {
				res.Facets[f.name] = map[string]int{}
			}
		}
	}
	var (
		groups []termGroup
		all    []int32
	)
	if len(q.Terms) > 0 {
		var err error
		if groups, all, err = s.planTerms(ctx, q.Terms); err != nil {
			return res, err
		}
		if len(all) == 0 {
			emptyFacets()
			return res, nil
		}
	}

	type hit struct {
		sc  float64
		at  int64
		id  string
		doc T
	}
	var hits []hit
	emptyFacets()
	err := s.indexLive(ctx, ix.owner, func(proj, gen, guard string) (bool, error) {
		sql, args := searchSQL(ix, proj, gen, guard, q, groups, all, limit, recent)
		// An unnamed statement: planned for this query's values, not cached.
		rows, err := s.pool.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
		if err != nil {
			return false, err
		}
		var (
			part             int
			facet, value, id *string
			n, at            *int64
			sc               *float64
			body             []byte
		)
		hits, res.Total = nil, 0
		emptyFacets()
		_, err = pgx.ForEachRow(rows, []any{&part, &facet, &value, &n, &sc, &at, &id, &body}, func() error {
			switch part {
			case partTotal:
				res.Total = int(*n)
			case partHit:
				h := hit{sc: *sc, at: *at, id: *id}
				if err := jsonv2.Unmarshal(body, &h.doc); err != nil {
					return fmt.Errorf("decode %s: %w", *id, err)
				}
				hits = append(hits, h)
			case partFacet:
				m := res.Facets[*facet]
				if m == nil {
					return fmt.Errorf("unknown facet %q", *facet)
				}
				m[*value] = int(*n)
			}
			return nil
		})
		return res.Total > 0 || len(hits) > 0, err
	})
	if err != nil {
		return res, s.fail("search", err)
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if !recent && a.sc != b.sc {
			return cmp.Compare(b.sc, a.sc)
		}
		if a.at != b.at {
			return cmp.Compare(b.at, a.at)
		}
		return strings.Compare(b.id, a.id)
	})
	more := len(hits) > limit
	if more {
		hits = hits[:limit]
	}
	res.Hits = make([]projections.Hit[T], len(hits))
	for i := range hits {
		res.Hits[i] = projections.Hit[T]{Doc: hits[i].doc, Score: hits[i].sc}
	}
	if more {
		last := &hits[len(hits)-1]
		res.Next = &projections.Cursor{Score: last.sc, At: ix.time(&last.doc), ID: last.id}
	}
	return res, nil
}

// searchSQL builds the statement of a search (see search) and its
// parameters.
func searchSQL[T any](ix *searchIndex[T], proj, gen, guard string, q *projections.SearchQuery, groups []termGroup, all []int32, limit int, recent bool) (string, []any) {
	var args sqlArgs
	// The projection and the generation are literals (see indexLive):
	// given their values, the planner knows that they do not narrow the
	// rows down, and the term and code indexes (or the time index, for a
	// page in time order) drive the query. Promote analyses the tables,
	// so a generation just promoted has its statistics.
	cur := `o.projection = ` + proj + ` AND o.gen = ` + gen
	where := []string{cur, guard}
	filter := func(col string, vals []string, array bool) {
		if len(vals) == 0 {
			return
		}
		if array {
			where = append(where, "o."+col+" && "+args.add(vals)+"::text[]")
		} else {
			where = append(where, "o."+col+" = ANY("+args.add(vals)+"::text[])")
		}
	}
	filter("kind", q.Kind, false)
	if ix.offers {
		filter("category", q.Category, false)
		filter("partnership_types", q.PartnershipType, true)
	}
	filter("codes", q.Codes, true)
	filter("country", q.Country, false)
	filter("regions", q.Regions, true)
	filter("languages", q.Language, true)
	filter("status", q.Status, false)
	if ix.offers && !q.ValidOn.IsZero() {
		where = append(where, "o.valid_until > "+args.add(nanos(q.ValidOn))+"::int8")
	}
	var facetCols string
	for _, f := range ix.facets {
		facetCols += ", o." + f.col
	}

	var sb strings.Builder
	// after is the keyset condition on m's (sc, at, id); none is false when
	// no hit can follow the cursor.
	after, none := "", false
	if c := q.After; c != nil {
		at, id := args.add(nanos(c.At))+"::int8", args.add(c.ID)+"::text"
		switch {
		case recent:
			after = "(m.at, m.id) < (" + at + ", " + id + ")"
		case len(q.Terms) > 0:
			after = "(m.sc, m.at, m.id) < (" + args.add(c.Score) + "::float8, " + at + ", " + id + ")"
		case c.Score > 0: // every hit scores 0, after the cursor
		case c.Score < 0:
			none = true
		default:
			after = "(m.at, m.id) < (" + at + ", " + id + ")"
		}
	}
	order := "m.sc DESC, m.at DESC, m.id DESC"
	if recent || len(q.Terms) == 0 {
		order = "m.at DESC, m.id DESC"
	}
	if len(q.Terms) > 0 {
		codes := intsLit(all)
		var sum strings.Builder
		for i, g := range groups {
			if i > 0 {
				sum.WriteString(" + ")
			}
			// A token's buckets, best first; a token with several buckets
			// is tested as a whole first (most documents hold one token).
			if len(g.values) > 1 {
				var tok []int32
				for _, c := range g.codes {
					tok = append(tok, c...)
				}
				slices.Sort(tok)
				sum.WriteString("CASE WHEN NOT s1.x && " + intsLit(tok) + " THEN 0::float8 ELSE ")
			}
			sum.WriteString("CASE")
			for j, v := range g.values {
				sum.WriteString(" WHEN s1.x && " + intsLit(g.codes[j]) + " THEN " + floatLit(v))
			}
			sum.WriteString(" ELSE 0::float8 END")
			if len(g.values) > 1 {
				sum.WriteString(" END")
			}
		}
		if len(groups) == 0 {
			sum.WriteString("0::float8")
		}
		var fc1, fc2 string
		for _, f := range ix.facets {
			fc1 += ", s1." + f.col
			fc2 += ", s2." + f.col
		}
		where = append(where, "o.terms && "+codes)
		sb.WriteString(`WITH m AS MATERIALIZED (
  SELECT s2.id, s2.at, (trunc(s2.y) + CASE WHEN s2.y - trunc(s2.y) >= 0.5 THEN 1::float8 ELSE 0::float8 END) / 10000::float8 AS sc` + fc2 + `
  FROM (SELECT s1.id, s1.at, (` + sum.String() + `) * 10000::float8 AS y` + fc1 + `
    FROM (SELECT o.id, o.` + ix.at + ` AS at, o.terms & ` + codes + ` AS x` + facetCols + `
      FROM ` + ix.table + ` o WHERE ` + strings.Join(where, " AND ") + ` OFFSET 0) s1 OFFSET 0) s2)`)
	} else if q.Facets {
		sb.WriteString(`WITH m AS MATERIALIZED (SELECT o.id, o.` + ix.at + ` AS at, 0::float8 AS sc` + facetCols + `
  FROM ` + ix.table + ` o WHERE ` + strings.Join(where, " AND ") + `)`)
	}
	sb.WriteString("\n")
	// Total.
	if len(q.Terms) > 0 || q.Facets {
		sb.WriteString(`SELECT 0 AS part, NULL::text AS facet, NULL::text AS value, count(*) AS n, NULL::float8 AS sc, NULL::int8 AS at, NULL::text AS id, NULL::json AS body FROM m`)
	} else {
		sb.WriteString(`SELECT 0 AS part, NULL::text AS facet, NULL::text AS value, count(*) AS n, NULL::float8 AS sc, NULL::int8 AS at, NULL::text AS id, NULL::json AS body
FROM ` + ix.table + ` o WHERE ` + strings.Join(where, " AND "))
	}
	// The page.
	if !none {
		lim := strconv.Itoa(limit + 1)
		cond := ""
		if after != "" {
			cond = " WHERE " + after
		}
		if len(q.Terms) > 0 {
			sb.WriteString(`
UNION ALL
SELECT 1, NULL, NULL, NULL, p.sc, p.at, p.id, o.body
FROM (SELECT m.id, m.at, m.sc FROM m` + cond + ` ORDER BY ` + order + ` LIMIT ` + lim + `) p
JOIN ` + ix.table + ` o ON ` + cur + ` AND o.id = p.id`)
		} else {
			// Straight from the table, by the (projection, gen, at, id)
			// index.
			cond = strings.NewReplacer("m.at", "o."+ix.at, "m.id", "o.id").Replace(cond)
			if cond != "" {
				cond = " AND " + strings.TrimPrefix(cond, " WHERE ")
			}
			sb.WriteString(`
UNION ALL
SELECT 1, NULL, NULL, NULL, 0::float8, p.at, p.id, p.body
FROM (SELECT o.id, o.` + ix.at + ` AS at, o.body FROM ` + ix.table + ` o WHERE ` + strings.Join(where, " AND ") + cond + `
  ORDER BY o.` + ix.at + ` DESC, o.id DESC LIMIT ` + lim + `) p`)
		}
	}
	if q.Facets {
		// The single-valued facets in one pass (grouping sets), each
		// array facet from its elements (unnest in the select list: a
		// ProjectSet, far cheaper than a lateral function scan per row).
		var sets, names []string
		for _, f := range ix.facets {
			if !f.array {
				sets = append(sets, "(m."+f.col+")")
				names = append(names, "WHEN GROUPING(m."+f.col+") = 0 THEN '"+f.name+"'")
			}
		}
		var vals []string
		for _, f := range ix.facets {
			if !f.array {
				vals = append(vals, "WHEN GROUPING(m."+f.col+") = 0 THEN m."+f.col)
			}
		}
		sb.WriteString(`
UNION ALL
SELECT 2, CASE ` + strings.Join(names, " ") + ` END, CASE ` + strings.Join(vals, " ") + ` END, count(*), NULL, NULL, NULL, NULL
FROM m GROUP BY GROUPING SETS (` + strings.Join(sets, ", ") + `)`)
		for _, f := range ix.facets {
			if f.array {
				sb.WriteString(`
UNION ALL
SELECT 2, '` + f.name + `', e.v, count(*), NULL, NULL, NULL, NULL FROM (SELECT unnest(m.` + f.col + `) AS v FROM m) e GROUP BY e.v`)
			}
		}
	}

	return sb.String(), args
}

// Vocabulary implements projections.Reader: the terms of the live search
// indexes (offers and organisations) that start with token or whose
// pg_trgm similarity with it is at least minSim, by similarity
// descending, then term ascending. The empty token, or a minSim of 0 or
// less, gives every term.
func (s *ReadStore) Vocabulary(ctx context.Context, token string, minSim float64, limit int) ([]string, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, nil
	}
	// The candidates come from rm_terms' indexes; each is then probed in
	// rm_term_refs for the live generations of the owners of the offers
	// and the organisations (LATERAL, so the planner cannot turn it into
	// a scan of every reference of a generation it has no statistics of).
	vocab := func(cond string) string {
		return `WITH g AS MATERIALIZED (SELECT r.projection, p.live_gen AS gen FROM rm_owners r
    JOIN rm_projections p ON p.name = r.projection WHERE r.kind IN ('offers', 'orgs') AND r.name = '')
SELECT c.id, c.term FROM (SELECT t.id, t.term FROM rm_terms t WHERE ` + cond + ` OFFSET 0) c
CROSS JOIN LATERAL (SELECT FROM g JOIN rm_term_refs f ON f.term_id = c.id AND f.projection = g.projection AND f.gen = g.gen
    WHERE f.n > 0 LIMIT 1) x
ORDER BY similarity(c.term, $1) DESC, c.term LIMIT $2`
	}
	b := &pgx.Batch{}
	switch {
	case token == "" || minSim <= 0:
		b.Queue(vocab(`$1 = $1`), token, limit)
	case minSim > 1:
		b.Queue(vocab(`t.term LIKE $3`), token, limit, likePrefix(token))
	default:
		// The threshold of %, for this session (each use sets it first).
		b.Queue(`SELECT set_config('pg_trgm.similarity_threshold', $1, false)`, strconv.FormatFloat(minSim, 'g', -1, 64))
		b.Queue(vocab(`(t.term LIKE $3 OR t.term % $1)`), token, limit, likePrefix(token))
	}
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if b.Len() == 2 {
		if _, err := br.Exec(); err != nil {
			return nil, s.fail("vocabulary", err)
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, s.fail("vocabulary", err)
	}
	var (
		out  []string
		id   int32
		term string
		ids  = map[string]int32{}
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &term}, func() error {
		out = append(out, term)
		ids[term] = id
		return nil
	}); err != nil {
		return nil, s.fail("vocabulary", err)
	}
	s.terms.put(ids)
	return out, nil
}

// likePrefix is the LIKE pattern of the strings starting with s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
