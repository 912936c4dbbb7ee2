// Package fanout tells server processes about events appended by other
// processes through a message broker (NATS, via watermill-nats), so a
// process sharing one event store with others learns of their appends
// without relying on the store's own notification (PostgreSQL
// LISTEN/NOTIFY, for instance).
//
// # The log is the truth, the broker only wakes
//
// Wrap puts a *Store around any domain.EventStore. Its Append delegates
// and, once the append is committed, publishes one broker message whose
// payload is the position of the last appended event (Position.String())
// and whose metadata names the publishing process. Nothing else travels
// through the broker: no event, no data.
//
// Subscribe is a catch-up subscription built only on the wrapped store's
// ReadAll: it reads pages of at most 500 events after the last position it
// yielded, and only when a page comes back empty does it wait, for the
// first of a broker wake-up, a local append, the safety poll
// (Config.Poll) or the end of ctx. A broker message therefore never
// carries an event to a reader; it only makes the reader read the log
// again. Consequences:
//
//   - A lost, late, duplicated or reordered broker message cannot lose,
//     duplicate or reorder an event: order and completeness are those of
//     ReadAll. The worst a lost message does is delay a reader until the
//     next wake-up or poll; a late one costs one empty read.
//   - Publishing can fail without failing the append: the failure is
//     logged and the poll covers it.
//   - The payload position is informational (logs, debugging); readers
//     do not trust it.
//
// Each Store keeps one broker subscription for the whole process and fans
// every wake-up out to all its active Subscribe calls with a broadcast
// (a channel closed and replaced on every wake-up, taken before each read,
// so a wake-up that arrives during a read is not lost). Appends made
// through the Store itself wake its own subscribers directly; its own
// broker messages, recognised by the process id in their metadata, are
// acknowledged and ignored. Every Store (every process) has its own plain,
// non-queue subscription, so every process receives every message.
//
// # Core NATS, not JetStream
//
// The broker messages are published and received over core NATS
// (watermill-nats with JetStreamConfig.Disabled), deliberately:
//
//   - A wake-up is worthless once the log has been read, and the log is
//     already durable. JetStream would add a stream to provision, size and
//     expire for no gain. watermill-nats's AutoProvision cannot even
//     provision the default subject: it names the stream after the topic,
//     and NATS refuses stream names with dots ("nisa.appended" fails with
//     "nats: invalid stream name", checked against nats-server); and the
//     stream it creates has no limits, growing by one message per append.
//   - Every process must see every message, so with JetStream each
//     process needs its own ephemeral consumer. If the server restarts or
//     the client stays away longer than the consumer's inactivity
//     threshold, the consumer is deleted and the push subscription simply
//     stops receiving: the process would fall back to polling with no
//     error. Core NATS subscriptions are re-established by the client on
//     every reconnect.
//   - A JetStream publish waits for the server's acknowledgement (up to its
//     timeout while the server is away) inside Append; a core publish is
//     a buffered write.
//
// What core NATS does not give — at-most-once delivery, nothing replayed
// after a disconnect — is covered the same way the PostgreSQL listener
// covers a lost connection: when the subscription's connection reconnects,
// or the client reports an asynchronous error such as a slow consumer
// (dropped messages), every subscriber is woken once to read again; and
// the poll bounds everything else. Received messages are still
// acknowledged (watermill requires it before delivering the next one;
// over core NATS the acknowledgement goes no further).
//
// # Configuration
//
//   - Config.URL: the NATS server(s), comma separated (default
//     nats://127.0.0.1:4222). Wrap fails if the server cannot be reached;
//     later outages are retried forever in the background (appends keep
//     working; readers poll).
//   - Config.Subject: the NATS subject of the wake-ups (default
//     "nisa.appended"). Every process sharing one event log must use the
//     same subject, and processes of different logs different subjects. It
//     must be a literal subject: no wildcards, no spaces.
//   - Config.Logger: publish failures, disconnects and reconnects (nil:
//     discarded).
//   - Config.Poll: the longest a subscriber waits without a wake-up before
//     reading anyway (default 1s). It bounds the delay caused by a lost
//     wake-up and by appends made without this package.
package fanout
