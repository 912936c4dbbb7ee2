package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// sqlNotify announces appends to every listening process. It runs in its
// own short transaction, never in an append's: PostgreSQL serialises the
// commits of notifying transactions with a database-wide lock.
const sqlNotify = `SELECT pg_notify('` + Channel + `', '')`

// notifier turns commits of this store into wake-ups: local subscribers
// directly, other processes with one NOTIFY. Commits that arrive while a
// NOTIFY is under way share the next one (the kick channel holds one).
func (s *Store) notifier() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			// A commit not announced yet is announced before the pool closes.
			select {
			case <-s.kick:
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				s.notify(ctx)
				cancel()
			default:
			}
			return
		case <-s.kick:
		}
		s.sig.Notify()
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		s.notify(ctx)
		cancel()
	}
}

func (s *Store) notify(ctx context.Context) {
	if _, err := s.pool.Exec(ctx, sqlNotify); err != nil && s.ctx.Err() == nil {
		s.log.Warn("postgres: NOTIFY failed; other processes will poll", "channel", Channel, "err", err)
	}
}

// listenConn opens the listener's dedicated connection (not from the pool:
// it stays in LISTEN for the life of the store).
func listenConn(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
		return nil, err
	}
	return conn, nil
}

// listener wakes local subscribers for every notification on Channel, so
// appends of other processes are seen within milliseconds. When its
// connection fails it reconnects with backoff (100ms doubling to 5s) and
// wakes the subscribers once connected again, for what it may have missed.
func (s *Store) listener(conn *pgx.Conn) {
	defer s.wg.Done()
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for {
		if conn != nil {
			start := time.Now()
			var err error
			for err == nil {
				if _, err = conn.WaitForNotification(s.ctx); err == nil {
					s.sig.Notify()
				}
			}
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(cctx)
			cancel()
			conn = nil
			if s.ctx.Err() != nil {
				return
			}
			if time.Since(start) > 10*time.Second {
				backoff = minBackoff
			}
			s.log.Warn("postgres: listener connection lost; reconnecting", "err", err, "retry_in", backoff)
		}
		if sleep(s.ctx, backoff) != nil {
			return
		}
		backoff = min(2*backoff, maxBackoff)
		c, err := listenConn(s.ctx, s.pool.Config().ConnConfig)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.log.Warn("postgres: listener cannot reconnect", "err", err, "retry_in", backoff)
			continue
		}
		s.log.Info("postgres: listener reconnected", "channel", Channel)
		conn = c
		s.sig.Notify()
	}
}
