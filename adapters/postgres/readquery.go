package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

func quote(s string) string { return strconv.Quote(s) }

// liveOf is SQL for the projection owning category kind/name and its live
// generation, as two scalar subqueries (PostgreSQL runs each once per
// statement, before using their values as index conditions).
func liveOf(kind, name string) (projection, gen string) {
	return `(SELECT r.projection FROM rm_owners r WHERE r.kind = ` + kind + ` AND r.name = ` + name + `)`,
		`(SELECT p.live_gen FROM rm_owners r JOIN rm_projections p ON p.name = r.projection WHERE r.kind = ` + kind + ` AND r.name = ` + name + `)`
}

// Doc implements projections.Reader: the value is a json.RawMessage.
func (s *ReadStore) Doc(ctx context.Context, coll, id string) (any, bool, error) {
	if err := s.check(ctx); err != nil {
		return nil, false, err
	}
	var body []byte
	err := s.pool.QueryRow(ctx, `SELECT d.body FROM (`+ownerLive(`'doc'`, `$1`)+`) w
JOIN rm_docs d ON d.projection = w.projection AND d.gen = w.gen AND d.coll = $1 AND d.id = $2`, coll, id).Scan(&body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, s.fail("doc", err)
	}
	return json.RawMessage(body), true, nil
}

var listProj, listGen = liveOf(`'doc'`, `$1`)

const sqlListHead = `SELECT k.sort, k.id, d.body FROM rm_doc_keys k
JOIN rm_docs d ON d.projection = k.projection AND d.gen = k.gen AND d.coll = k.coll AND d.id = k.id
WHERE k.coll = $1 AND k.key = $2`

var (
	sqlListFirst = sqlListHead + ` AND k.projection = ` + listProj + ` AND k.gen = ` + listGen + `
ORDER BY k.sort DESC, k.id DESC LIMIT $3`
	sqlListAfter = sqlListHead + ` AND k.projection = ` + listProj + ` AND k.gen = ` + listGen + `
  AND (k.sort, k.id) < ($4, $5)
ORDER BY k.sort DESC, k.id DESC LIMIT $3`
)

// List implements projections.Reader. The values are json.RawMessage; the
// cursor is "<sort>:<id>" of the last document of the page; a limit below
// 1 counts as 1.
func (s *ReadStore) List(ctx context.Context, coll, key, cursor string, limit int) ([]any, string, error) {
	var (
		after   bool
		cs      int64
		cid     string
		sqlText = sqlListFirst
	)
	if cursor != "" {
		n, id, ok := strings.Cut(cursor, ":")
		v, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil {
			return nil, "", fmt.Errorf("%w: list cursor %q", domain.ErrInvalid, cursor)
		}
		after, cs, cid, sqlText = true, v, id, sqlListAfter
	}
	if err := s.check(ctx); err != nil {
		return nil, "", err
	}
	limit = max(limit, 1)
	args := []any{coll, key, limit + 1}
	if after {
		args = append(args, cs, cid)
	}
	rows, err := s.pool.Query(ctx, sqlText, args...)
	if err != nil {
		return nil, "", s.fail("list", err)
	}
	var (
		out      []any
		sort     int64
		id, next string
		body     []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&sort, &id, &body}, func() error {
		if len(out) == limit {
			next = "more"
			return nil
		}
		out = append(out, json.RawMessage(body))
		cs, cid = sort, id
		return nil
	})
	if err != nil {
		return nil, "", s.fail("list", err)
	}
	if next != "" {
		next = strconv.FormatInt(cs, 10) + ":" + cid
	}
	return out, next, nil
}

// OfferByID implements projections.Reader.
func (s *ReadStore) OfferByID(ctx context.Context, id string) (projections.OfferDoc, bool, error) {
	return byID[projections.OfferDoc](ctx, s, "rm_offers", `'offers'`, id)
}

// OrganisationByID implements projections.Reader.
func (s *ReadStore) OrganisationByID(ctx context.Context, id string) (projections.OrgDoc, bool, error) {
	return byID[projections.OrgDoc](ctx, s, "rm_orgs", `'orgs'`, id)
}

func byID[T any](ctx context.Context, s *ReadStore, table, kind, id string) (T, bool, error) {
	var zero T
	if err := s.check(ctx); err != nil {
		return zero, false, err
	}
	var body []byte
	err := s.pool.QueryRow(ctx, `SELECT o.body FROM (`+ownerLive(kind, `''`)+`) w
JOIN `+table+` o ON o.projection = w.projection AND o.gen = w.gen AND o.id = $1`, id).Scan(&body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return zero, false, nil
	case err != nil:
		return zero, false, s.fail("by id", err)
	}
	var v T
	if err := jsonv2.Unmarshal(body, &v); err != nil {
		return zero, false, s.fail("decode "+id, err)
	}
	return v, true, nil
}

// sqlLiteral is s as an SQL string literal.
func sqlLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ownerOf returns the projection owning the offers or organisations of
// the search index (kind ownOffers or ownOrgs), "" while nobody does.
// Queries name it as a literal rather than as a subquery: knowing the
// value, the planner sees that one projection holds nearly every row and
// takes the term or code index instead of the projection's.
func (s *ReadStore) ownerOf(ctx context.Context, kind string) (string, error) {
	k := ownerKey{kind, ""}
	if p, ok := s.owners.get(k); ok {
		return p, nil
	}
	if err := s.check(ctx); err != nil {
		return "", err
	}
	p, err := ownerVia(ctx, s.pool, &s.owners, k)
	if err != nil {
		return "", s.fail("owner of "+k.String(), err)
	}
	return p, nil
}

// indexLive runs query q on the live generation of the projection owning
// the offers or the organisations of the search index (kind ownOffers or
// ownOrgs), both given to q as SQL: the projection as a literal and the
// generation as a number, together with a guard condition for q's WHERE
// that holds only while that generation is live. Knowing the values, the
// planner sees that they select nearly every row of the table and takes
// the term, code or time index. (As subqueries, their values unknown, it
// estimated a two-hundredth of the rows and read and sorted every match
// rather than stop after the newest.)
//
// The generation is the one this process last read. q reports whether it
// found anything; when it did not, the live generation is read again and,
// if a rebuild elsewhere promoted another one, q runs again on it. Nothing
// runs while nobody owns the kind (q is not called; empty is reported).
func (s *ReadStore) indexLive(ctx context.Context, kind string, q func(proj, gen, guard string) (bool, error)) error {
	proj, err := s.ownerOf(ctx, kind)
	if err != nil || proj == "" {
		return err
	}
	s.liveMu.Lock()
	gen, known := s.live[proj]
	s.liveMu.Unlock()
	if !known {
		if gen, err = s.readLive(ctx, proj); err != nil {
			return err
		}
	}
	for {
		g := strconv.FormatInt(gen, 10)
		found, err := q(sqlLiteral(proj), g, `(SELECT live_gen FROM rm_projections WHERE name = `+sqlLiteral(proj)+`) = `+g)
		if err != nil || found {
			return err
		}
		now, err := s.readLive(ctx, proj)
		if err != nil || now == gen {
			return err
		}
		gen = now
	}
}

// readLive reads the live generation of projection proj and remembers it
// for indexLive.
func (s *ReadStore) readLive(ctx context.Context, proj string) (int64, error) {
	var gen int64
	if err := s.pool.QueryRow(ctx, `SELECT live_gen FROM rm_projections WHERE name = $1`, proj).Scan(&gen); err != nil {
		return 0, s.fail("live generation of "+proj, err)
	}
	s.liveMu.Lock()
	s.live[proj] = gen
	s.liveMu.Unlock()
	return gen, nil
}

// OfferCandidates implements projections.Reader; offers published at the
// same time come by ID descending.
func (s *ReadStore) OfferCandidates(ctx context.Context, q projections.CandidateQuery) ([]projections.OfferDoc, error) {
	if q.Limit < 1 || len(q.Codes) == 0 {
		return nil, s.check(ctx)
	}
	var out []projections.OfferDoc
	err := s.indexLive(ctx, ownOffers, func(proj, gen, guard string) (found bool, err error) {
		out, err = collectBodies[projections.OfferDoc](ctx, s, "offer candidates", `SELECT o.body FROM rm_offers o
WHERE o.projection = `+proj+` AND o.gen = `+gen+` AND `+guard+`
  AND o.status = $1 AND o.kind = $2 AND o.codes && $3::text[]
  AND ($4 = '' OR o.owner_org_id <> $4) AND ($5 = '' OR o.id <> $5)
ORDER BY o.published_at DESC, o.id DESC LIMIT $6`,
			domain.OfferStatusPublished, q.Kind, q.Codes, q.ExcludeOwner, q.ExcludeID, q.Limit)
		return len(out) > 0, err
	})
	return out, err
}

// OrganisationCandidates implements projections.Reader; organisations
// registered at the same time come by ID descending.
func (s *ReadStore) OrganisationCandidates(ctx context.Context, q projections.CandidateQuery) ([]projections.OrgDoc, error) {
	if q.Limit < 1 || len(q.Codes) == 0 {
		return nil, s.check(ctx)
	}
	var out []projections.OrgDoc
	err := s.indexLive(ctx, ownOrgs, func(proj, gen, guard string) (found bool, err error) {
		out, err = collectBodies[projections.OrgDoc](ctx, s, "organisation candidates", `SELECT o.body FROM rm_orgs o
WHERE o.projection = `+proj+` AND o.gen = `+gen+` AND `+guard+`
  AND o.status = $1 AND o.codes && $2::text[] AND ($3 = '' OR o.id <> $3)
ORDER BY o.registered_at DESC, o.id DESC LIMIT $4`,
			domain.OrgActive, q.Codes, q.ExcludeOwner, q.Limit)
		return len(out) > 0, err
	})
	return out, err
}

// collectBodies runs a query of JSON bodies and decodes them.
func collectBodies[T any](ctx context.Context, s *ReadStore, op, sql string, args ...any) ([]T, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	var (
		out  []T
		body []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&body}, func() error {
		var v T
		if err := jsonv2.Unmarshal(body, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

var counterProj, counterGen = liveOf(`'counter'`, `$1`)

// Counters implements projections.Reader; counters at 0 are left out.
func (s *ReadStore) Counters(ctx context.Context, metric string) ([]projections.CounterValue, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var (
		rows pgx.Rows
		err  error
	)
	if metric != "" {
		rows, err = s.pool.Query(ctx, `SELECT c.metric, c.dim, c.value, c.month, c.n FROM rm_counters c
WHERE c.projection = `+counterProj+` AND c.gen = `+counterGen+` AND c.metric = $1 AND c.n <> 0
ORDER BY c.metric, c.dim, c.value, c.month`, metric)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT c.metric, c.dim, c.value, c.month, c.n
FROM rm_owners r JOIN rm_projections p ON p.name = r.projection
JOIN rm_counters c ON c.projection = r.projection AND c.gen = p.live_gen AND c.metric = r.name
WHERE r.kind = 'counter' AND c.n <> 0
ORDER BY c.metric, c.dim, c.value, c.month`)
	}
	if err != nil {
		return nil, s.fail("counters", err)
	}
	var (
		out []projections.CounterValue
		cv  projections.CounterValue
	)
	_, err = pgx.ForEachRow(rows, []any{&cv.Metric, &cv.Dim, &cv.Value, &cv.Month, &cv.N}, func() error {
		out = append(out, cv)
		return nil
	})
	if err != nil {
		return nil, s.fail("counters", err)
	}
	return out, nil
}

var evidenceProj, evidenceGen = liveOf(`'evidence'`, `$1`)

// Evidence implements projections.Reader. Evidence at the same position
// comes by subject.
func (s *ReadStore) Evidence(ctx context.Context, indicator string, after domain.Position, limit int) ([]projections.Evidence, error) {
	if limit < 1 {
		return nil, s.check(ctx)
	}
	c, p := posText(after)
	return collectBodies[projections.Evidence](ctx, s, "evidence", `SELECT e.body FROM rm_evidence e
WHERE e.projection = `+evidenceProj+` AND e.gen = `+evidenceGen+` AND e.indicator = $1
  AND (e.commit, e.prepare) > ($2::numeric, $3::numeric)
ORDER BY e.commit, e.prepare, e.subject LIMIT $4`, indicator, c, p, limit)
}

// dumpLine is one line of Dump, as the memory store writes it.
type dumpLine struct {
	Type         string                    `json:"type"`
	Coll         string                    `json:"coll,omitempty"`
	ID           string                    `json:"id,omitempty"`
	Keys         []string                  `json:"keys,omitempty"`
	Sort         int64                     `json:"sort,omitempty"`
	Value        any                       `json:"value,omitempty"`
	Offer        json.RawMessage           `json:"offer,omitempty"`
	Organisation json.RawMessage           `json:"organisation,omitempty"`
	Counter      *projections.CounterValue `json:"counter,omitempty"`
	Evidence     json.RawMessage           `json:"evidence,omitempty"`
}

// Dump implements projections.Store, in the memory store's format: one
// JSON object per line with "type" "doc" (coll, id, keys sorted, sort,
// value), "offer", "organisation", "counter" or "evidence"; documents by
// collection and id, offers and organisations by id, counters by metric,
// dim, value and month (those at 0 left out), evidence by position,
// indicator and subject. It reads one snapshot; emit must not call the
// store's write methods.
func (s *ReadStore) Dump(ctx context.Context, name string, emit func(line []byte) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	var emitErr error
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var gen int64
		err := tx.QueryRow(ctx, `SELECT live_gen FROM rm_projections WHERE name = $1`, name).Scan(&gen)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		write := func(l *dumpLine) error {
			b, err := json.Marshal(l)
			if err != nil {
				return err
			}
			if err := emit(b); err != nil {
				emitErr = err
				return err
			}
			return nil
		}
		each := func(sql string, scans []any, f func() error) error {
			rows, err := tx.Query(ctx, sql, name, gen)
			if err != nil {
				return err
			}
			_, err = pgx.ForEachRow(rows, scans, f)
			return err
		}
		var (
			l    dumpLine
			body []byte
		)
		if err := each(`SELECT coll, id, keys, sort, body FROM rm_docs WHERE projection = $1 AND gen = $2 ORDER BY coll, id`,
			[]any{&l.Coll, &l.ID, &l.Keys, &l.Sort, &body}, func() error {
				l.Type, l.Value = "doc", nil
				if string(body) != "null" {
					l.Value = json.RawMessage(body)
				}
				return write(&l)
			}); err != nil {
			return err
		}
		l = dumpLine{Type: "offer"}
		if err := each(`SELECT body FROM rm_offers WHERE projection = $1 AND gen = $2 ORDER BY id`, []any{&body}, func() error {
			l.Offer = body
			return write(&l)
		}); err != nil {
			return err
		}
		l = dumpLine{Type: "organisation"}
		if err := each(`SELECT body FROM rm_orgs WHERE projection = $1 AND gen = $2 ORDER BY id`, []any{&body}, func() error {
			l.Organisation = body
			return write(&l)
		}); err != nil {
			return err
		}
		var cv projections.CounterValue
		l = dumpLine{Type: "counter", Counter: &cv}
		if err := each(`SELECT metric, dim, value, month, n FROM rm_counters WHERE projection = $1 AND gen = $2 AND n <> 0
ORDER BY metric, dim, value, month`, []any{&cv.Metric, &cv.Dim, &cv.Value, &cv.Month, &cv.N}, func() error {
			return write(&l)
		}); err != nil {
			return err
		}
		l = dumpLine{Type: "evidence"}
		return each(`SELECT body FROM rm_evidence WHERE projection = $1 AND gen = $2 ORDER BY commit, prepare, indicator, subject`,
			[]any{&body}, func() error {
				l.Evidence = body
				return write(&l)
			})
	})
	if emitErr != nil {
		return emitErr
	}
	if err != nil {
		return s.fail("dump "+name, err)
	}
	return nil
}
