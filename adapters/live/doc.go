// Package live is nisa's websocket hub (/v1/ws, DESIGN.md §3–4): dashboards
// and partners subscribe to channels and receive every change they may see,
// each event message carrying its global position.
//
// The event log is the only source. One follower per process reads the
// store's catch-up subscription and fans each event out to the subscribed
// connections; a subscription with "after" first replays the missed events
// straight from the store (ReadAll; there is no history window) while the
// follower already buffers live events for it, then switches to live with
// no gap and no duplicate (events at or before the last delivered position
// are dropped) and says caught_up. With several server processes on one
// PostgreSQL (or EventStoreDB) every process follows the same global log,
// so a change made through one reaches the clients of all.
//
// Each connection has one reader and one writer goroutine and a bounded
// queue between the hub and the writer. The hub never waits for a client:
// when a queue is full the client is closed with CloseTooSlow and resumes
// with after. Pings keep idle connections alive; a missing pong, a read
// limit breach or a write that does not finish in time closes the
// connection; Close sends every client a close frame with a reason.
package live
