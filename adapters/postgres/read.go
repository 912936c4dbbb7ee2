package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nisa-eu/nisa/domain"
)

// eventColumns are the columns every event query selects, in the order
// decoder.event reads them, from a relation aliased e.
const eventColumns = `e.transaction_id, e.global_position, e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.actor, e.correlation_id, e.causation_id, e.recorded_at`

// eventColumnNames are eventColumns without the alias.
const eventColumnNames = `transaction_id, global_position, event_id, stream_id, stream_version, event_type, schema_version, data, actor, correlation_id, causation_id, recorded_at`

// Offsets of the event columns from the first one.
const (
	colTransactionID = iota
	colGlobalPosition
	colEventID
	colStreamID
	colStreamVersion
	colEventType
	colSchemaVersion
	colData
	colActor
	colCorrelationID
	colCausationID
	colRecordedAt
	numEventColumns
)

// sqlReadAll reads the global log after ($1, $2), at most $3 events, and
// says whether committed events after ($1, $2) are held back by the bound.
//
// The bound: only transactions whose id is below the xmin of the statement's
// snapshot are read. Every transaction below xmin has finished (committed or
// aborted), so nothing can appear below it later; every transaction that
// is still running, or starts later, has an id of at least xmin. Hence an
// event read later always sorts after every event read now, although
// transaction ids are assigned at first write and commits finish in any
// order. "held" is true when committed events exist after the position
// that the bound hides (a transaction with a smaller id is still in
// flight); the read must then be retried shortly.
//
// The held probe starts its index scan at max((after), (xmin, 0)), which is
// the first row that is both after the position and at or above xmin
// (global positions start at 1): it costs one index descent. It is a
// scalar subquery with ORDER BY … LIMIT 1, not EXISTS, on purpose: the
// planner strips ORDER BY and LIMIT from EXISTS and, in the generic plan of
// the prepared statement, then prefers a sequential scan "that stops at the
// first match", which reads the whole table when nothing matches.
const sqlReadAll = `SELECT h.held, ` + eventColumns + `
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) s
CROSS JOIN LATERAL (SELECT (
        SELECT x.transaction_id FROM nisa_events x
        WHERE (x.transaction_id, x.global_position) >
              (greatest($1::bigint, s.xmin), CASE WHEN $1::bigint >= s.xmin THEN $2::bigint ELSE 0 END)
        ORDER BY x.transaction_id, x.global_position LIMIT 1
    ) IS NOT NULL AS held) h
LEFT JOIN LATERAL (
    SELECT ` + eventColumnNames + ` FROM nisa_events n
    WHERE (n.transaction_id, n.global_position) > ($1::bigint, $2::bigint)
      AND n.transaction_id < s.xmin
    ORDER BY n.transaction_id, n.global_position
    LIMIT $3
) e ON true`

// sqlHead returns the last position readable by the bounded read and the
// last committed position.
const sqlHead = `SELECT b.transaction_id, b.global_position, u.transaction_id, u.global_position
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) s
LEFT JOIN LATERAL (
    SELECT transaction_id, global_position FROM nisa_events
    WHERE transaction_id < s.xmin
    ORDER BY transaction_id DESC, global_position DESC LIMIT 1
) b ON true
LEFT JOIN LATERAL (
    SELECT transaction_id, global_position FROM nisa_events
    ORDER BY transaction_id DESC, global_position DESC LIMIT 1
) u ON true`

const (
	sqlReadForwards = `SELECT ` + eventColumns + ` FROM nisa_events e
WHERE e.stream_id = $1 AND e.stream_version >= $2
ORDER BY e.stream_version LIMIT $3`
	sqlReadBackwards = `SELECT ` + eventColumns + ` FROM nisa_events e
WHERE e.stream_id = $1 AND e.stream_version <= $2
ORDER BY e.stream_version DESC LIMIT $3`
	sqlStreamExists = `SELECT EXISTS (SELECT 1 FROM nisa_events WHERE stream_id = $1)`
)

// dbPosition turns a position into query parameters. Positions beyond the
// bigint range (from another kind of store) are clamped: nothing of this
// store lies beyond them.
func dbPosition(p domain.Position) (commit, prepare int64) {
	if p.Commit > math.MaxInt64 {
		return math.MaxInt64, math.MaxInt64
	}
	return int64(p.Commit), int64(min(p.Prepare, math.MaxInt64))
}

// readPage is the bounded read of the global log; it is the tail.Reader of
// Subscribe and the core of ReadAll.
func (s *Store) readPage(ctx context.Context, after domain.Position, limit int) ([]domain.Event, bool, error) {
	if err := s.check(ctx); err != nil {
		return nil, false, err
	}
	c, p := dbPosition(after)
	rows, err := s.pool.Query(ctx, sqlReadAll, c, p, limit)
	if err != nil {
		return nil, false, s.fail("read all", err)
	}
	defer rows.Close()
	var (
		held bool
		out  = make([]domain.Event, 0, min(limit, 64))
		d    = newDecoder(rows.Conn().TypeMap(), rows.FieldDescriptions(), 1)
	)
	for rows.Next() {
		vals := rows.RawValues()
		if held, err = d.bool(0, vals); err != nil {
			break
		}
		if vals[1] == nil {
			continue // no events: the one row carries only "held"
		}
		out = append(out, domain.Event{})
		if err = d.event(vals, &out[len(out)-1]); err != nil {
			break
		}
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, false, s.fail("read all", err)
	}
	for i := range out {
		prev := after
		if i > 0 {
			prev = out[i-1].Position
		}
		if !prev.Less(out[i].Position) {
			return nil, false, fmt.Errorf("postgres: read all: position %s after %s", out[i].Position, prev)
		}
	}
	return out, held, nil
}

// ReadAll implements domain.EventStore with the bounded read (see the
// package documentation). When it would return nothing only because older
// transactions are still in flight, it waits for them up to
// Options.HeldWait, so that a read after an acknowledged append sees it. A
// limit of zero or less reads up to 1000 events.
func (s *Store) ReadAll(ctx context.Context, after domain.Position, limit int) ([]domain.Event, error) {
	if limit <= 0 {
		limit = defaultReadAllLimit
	}
	var deadline time.Time
	for backoff := time.Duration(0); ; {
		events, held, err := s.readPage(ctx, after, limit)
		if err != nil || len(events) > 0 || !held || s.opts.HeldWait < 0 {
			return events, err
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(s.opts.HeldWait)
		}
		backoff = min(max(2*backoff, 500*time.Microsecond), 20*time.Millisecond)
		if time.Now().Add(backoff).After(deadline) {
			return events, nil
		}
		if err := sleep(ctx, backoff); err != nil {
			return nil, err
		}
	}
}

// Head implements domain.EventStore: the last position the bounded read can
// return. Like ReadAll it waits up to Options.HeldWait for transactions that
// hold back events committed before the call.
func (s *Store) Head(ctx context.Context) (domain.Position, error) {
	var (
		target   *domain.Position
		deadline time.Time
	)
	for backoff := time.Duration(0); ; {
		if err := s.check(ctx); err != nil {
			return domain.Start, err
		}
		var bx, bg, ux, ug *int64
		if err := s.pool.QueryRow(ctx, sqlHead).Scan(&bx, &bg, &ux, &ug); err != nil {
			return domain.Start, s.fail("head", err)
		}
		head := domain.Start
		if bx != nil {
			head = domain.Position{Commit: uint64(*bx), Prepare: uint64(*bg)}
		}
		if target == nil {
			t := domain.Start
			if ux != nil {
				t = domain.Position{Commit: uint64(*ux), Prepare: uint64(*ug)}
			}
			target = &t
			deadline = time.Now().Add(s.opts.HeldWait)
		}
		if !head.Less(*target) || s.opts.HeldWait < 0 {
			return head, nil
		}
		backoff = min(max(2*backoff, 500*time.Microsecond), 20*time.Millisecond)
		if time.Now().Add(backoff).After(deadline) {
			return head, nil
		}
		if err := sleep(ctx, backoff); err != nil {
			return domain.Start, err
		}
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ReadStream implements domain.EventStore. It reads committed rows of the
// stream directly: stream order is settled once an append has committed.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts domain.ReadStreamOptions) ([]domain.Event, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var (
		query string
		from  int64
	)
	switch opts.Direction {
	case domain.Forwards:
		query, from = sqlReadForwards, int64(min(max(opts.From, 1), math.MaxInt64))
	case domain.Backwards:
		query, from = sqlReadBackwards, int64(min(opts.From, math.MaxInt64))
	default:
		return nil, &domain.ValidationError{Field: "direction", Value: fmt.Sprint(opts.Direction), Reason: "must be forwards or backwards"}
	}
	if opts.Limit < 0 {
		return nil, &domain.ValidationError{Field: "limit", Value: fmt.Sprint(opts.Limit), Reason: "must be 0 (all) or more"}
	}
	var limit *int64 // NULL: LIMIT ALL
	if opts.Limit > 0 {
		l := int64(opts.Limit)
		limit = &l
	}
	rows, err := s.pool.Query(ctx, query, streamID, from, limit)
	if err != nil {
		return nil, s.fail("read stream", err)
	}
	out, err := scanEvents(rows, 0)
	if err != nil {
		return nil, s.fail("read stream", err)
	}
	if len(out) == 0 {
		var exists bool
		if err := s.pool.QueryRow(ctx, sqlStreamExists, streamID).Scan(&exists); err != nil {
			return nil, s.fail("read stream", err)
		}
		if !exists {
			return nil, fmt.Errorf("stream %q: %w", streamID, domain.ErrNotFound)
		}
	}
	return out, nil
}

// scanEvents decodes rows whose event columns start at column off, and
// closes rows.
func scanEvents(rows pgx.Rows, off int) ([]domain.Event, error) {
	defer rows.Close()
	d := newDecoder(rows.Conn().TypeMap(), rows.FieldDescriptions(), off)
	out := []domain.Event{}
	for rows.Next() {
		out = append(out, domain.Event{})
		if err := d.event(rows.RawValues(), &out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	rows.Close()
	return out, rows.Err()
}

// decoder turns raw column values into events. The columns the pool
// requests in binary (bigint, int, uuid, timestamptz, bool) are decoded
// directly; text and json bytes are the same in both formats. Any other
// format (e.g. the simple protocol) goes through pgx's type map.
type decoder struct {
	m   *pgtype.Map
	fds []pgconn.FieldDescription
	off int
}

func newDecoder(m *pgtype.Map, fds []pgconn.FieldDescription, off int) *decoder {
	return &decoder{m: m, fds: fds, off: off}
}

// pgEpochMicros is 2000-01-01T00:00:00Z in Unix microseconds.
const pgEpochMicros = 946684800000000

func (d *decoder) binary(i int, oid uint32, size int, v []byte) bool {
	fd := &d.fds[i]
	return fd.Format == pgtype.BinaryFormatCode && fd.DataTypeOID == oid && len(v) == size
}

func (d *decoder) null(i int) error {
	return fmt.Errorf("column %s is NULL", d.fds[i].Name)
}

func (d *decoder) int64(i int, vals [][]byte) (int64, error) {
	v := vals[i]
	if d.binary(i, pgtype.Int8OID, 8, v) {
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	var n pgtype.Int8
	if err := d.m.Scan(d.fds[i].DataTypeOID, d.fds[i].Format, v, &n); err != nil {
		return 0, err
	}
	if !n.Valid {
		return 0, d.null(i)
	}
	return n.Int64, nil
}

func (d *decoder) int32(i int, vals [][]byte) (int32, error) {
	v := vals[i]
	if d.binary(i, pgtype.Int4OID, 4, v) {
		return int32(binary.BigEndian.Uint32(v)), nil
	}
	var n pgtype.Int4
	if err := d.m.Scan(d.fds[i].DataTypeOID, d.fds[i].Format, v, &n); err != nil {
		return 0, err
	}
	if !n.Valid {
		return 0, d.null(i)
	}
	return n.Int32, nil
}

func (d *decoder) bool(i int, vals [][]byte) (bool, error) {
	v := vals[i]
	if d.binary(i, pgtype.BoolOID, 1, v) {
		return v[0] != 0, nil
	}
	var b pgtype.Bool
	if err := d.m.Scan(d.fds[i].DataTypeOID, d.fds[i].Format, v, &b); err != nil {
		return false, err
	}
	return b.Bool, nil
}

func (d *decoder) uuid(i int, vals [][]byte) (domain.EventID, error) {
	v := vals[i]
	if d.binary(i, pgtype.UUIDOID, 16, v) {
		return domain.EventID(v), nil
	}
	var u pgtype.UUID
	if err := d.m.Scan(d.fds[i].DataTypeOID, d.fds[i].Format, v, &u); err != nil {
		return domain.EventID{}, err
	}
	if !u.Valid {
		return domain.EventID{}, d.null(i)
	}
	return domain.EventID(u.Bytes), nil
}

func (d *decoder) time(i int, vals [][]byte) (time.Time, error) {
	v := vals[i]
	if d.binary(i, pgtype.TimestamptzOID, 8, v) {
		return time.UnixMicro(pgEpochMicros + int64(binary.BigEndian.Uint64(v))).UTC(), nil
	}
	var t pgtype.Timestamptz
	if err := d.m.Scan(d.fds[i].DataTypeOID, d.fds[i].Format, v, &t); err != nil {
		return time.Time{}, err
	}
	if !t.Valid || t.InfinityModifier != pgtype.Finite {
		return time.Time{}, fmt.Errorf("column %s: not a finite time", d.fds[i].Name)
	}
	return t.Time.UTC(), nil
}

// text returns a text or json column: its bytes are the text in either
// format. A NULL is an error.
func (d *decoder) text(i int, vals [][]byte) (string, error) {
	v := vals[i]
	if v == nil {
		return "", d.null(i)
	}
	return string(v), nil
}

// inserted decodes what the append statements return of an inserted
// event, from the columns at the given indexes.
func (d *decoder) inserted(vals [][]byte, xid, gp, sv, at int) (insertedRow, error) {
	var r insertedRow
	var err1, err2, err3, err4 error
	r.xid, err1 = d.int64(xid, vals)
	r.gp, err2 = d.int64(gp, vals)
	r.sv, err3 = d.int64(sv, vals)
	r.at, err4 = d.time(at, vals)
	return r, errors.Join(err1, err2, err3, err4)
}

// event decodes the event columns of one row into ev.
func (d *decoder) event(vals [][]byte, ev *domain.Event) error {
	o := d.off
	if len(vals) < o+numEventColumns {
		return fmt.Errorf("row has %d columns, want %d", len(vals), o+numEventColumns)
	}
	var (
		xid, gp, sv int64
		schema      int32
		err         error
	)
	if xid, err = d.int64(o+colTransactionID, vals); err != nil {
		return err
	}
	if gp, err = d.int64(o+colGlobalPosition, vals); err != nil {
		return err
	}
	if ev.ID, err = d.uuid(o+colEventID, vals); err != nil {
		return err
	}
	if ev.StreamID, err = d.text(o+colStreamID, vals); err != nil {
		return err
	}
	if sv, err = d.int64(o+colStreamVersion, vals); err != nil {
		return err
	}
	if ev.Type, err = d.text(o+colEventType, vals); err != nil {
		return err
	}
	if schema, err = d.int32(o+colSchemaVersion, vals); err != nil {
		return err
	}
	data := vals[o+colData]
	if data == nil {
		return d.null(o + colData)
	}
	if ev.Actor, err = d.text(o+colActor, vals); err != nil {
		return err
	}
	if ev.CorrelationID, err = d.text(o+colCorrelationID, vals); err != nil {
		return err
	}
	if ev.CausationID, err = d.text(o+colCausationID, vals); err != nil {
		return err
	}
	if ev.RecordedAt, err = d.time(o+colRecordedAt, vals); err != nil {
		return err
	}
	ev.Data = append([]byte(nil), data...)
	ev.SchemaVersion = int(schema)
	ev.StreamVersion = uint64(sv)
	ev.Position = domain.Position{Commit: uint64(xid), Prepare: uint64(gp)}
	return nil
}
