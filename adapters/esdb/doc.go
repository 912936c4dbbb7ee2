// Package esdb is nisa's event store on EventStoreDB / KurrentDB, through
// the official gRPC client github.com/EventStore/EventStore-Client-Go/v4.
// Open connects (esdb://host:2113?tls=false, or any connection string the
// client accepts); *Store implements domain.EventStore; Close releases it.
//
// # Streams
//
// A nisa stream is an EventStoreDB stream of the same name, prefixed with
// Options.StreamPrefix when one is set. nisa names streams
// "<category>-<id>" (offer-0190f3…, meeting-…, exchange_visit-…): the
// category never contains a dash, so EventStoreDB's $by_category
// projection (default configuration "first" and "-") links every offer to
// $ce-offer, every meeting to $ce-meeting, and so on; with a prefix
// "nisa." the categories read nisa.offer, nisa.meeting. Operators enable
// the projection themselves; nisa does not need it.
//
// # Events
//
// Each nisa event is one EventStoreDB event: the same event id (a UUID,
// so that the server's idempotency applies to retries), event type = the
// nisa type, content type application/json, data = the JSON body, and
// metadata = a JSON object
//
//	{"actor":"…","correlation_id":"…","causation_id":"…","schema_version":1}
//
// Stream version n (from 1) is EventStoreDB revision n-1 (from 0).
// The position of an event is its $all position (commit, prepare);
// RecordedAt is the server's "created" time, cut to microseconds.
// Events that nisa did not write (another application sharing the
// database without a prefix) come back with whatever metadata they carry:
// empty actor and ids, schema version 0 when absent.
//
// # Appends
//
// Expected versions map to expected revisions: domain.Any → esdb.Any{},
// NoStream (and Exact(0)) → esdb.NoStream{}, StreamExists →
// esdb.StreamExists{}, Exact(n) → esdb.Revision(n-1).
//
// EventStoreDB answers an append with the revision and $all position of
// its last event only. The port wants every recorded event with its
// version, position and recorded-at time, so Append reads the appended
// events back (one ReadStream of the appended revisions): one more round
// trip per append. The read-back also checks what the server acknowledged:
// EventStoreDB acknowledges a retry by event ids alone, so when the
// stored events differ in content from the append (the same ids reused for
// other events), or are not one consecutive run, Append returns
// domain.ErrDuplicateEventID; nothing was stored in that case.
//
// EventStoreDB recognises a retry only when the expected revision lies
// before the retried events (or, with any and stream exists, by its cache
// of recent ids); an append at the stream's current revision is written
// whatever ids it carries. nisa derives event ids (domain.DeriveEventID,
// UUID version 8) where the same command may be decided again later, at a
// newer version: for an append with such ids, Append first reads the
// stream and answers a retry of stored events itself
// (domain.MatchDuplicate). Appends with random ids (version 7) skip that
// read.
//
// Errors are translated in one place (Store.translate). A wrong expected
// version becomes a *domain.ConcurrencyError with the stream's current
// version; the client library reports the current revision only in its
// error text ("… but got 'N'"), which translate parses (and falls back to
// reading the stream's last event). EventStoreDB also answers "wrong
// expected version" when a retry matches only part of the stored events
// ("corrupted idempotency"): with expected version any, or stream exists
// on an existing stream, that is the only possible cause, and with an
// exact version translate checks whether the first event of the append is
// stored right after the expected version; both become
// domain.ErrDuplicateEventID. A stream that is not found or deleted is
// domain.ErrNotFound; an append over the server's maximum append size
// (1 MiB by default) is a *domain.ValidationError; an unreachable server
// matches ErrUnavailable.
//
// # Gaps between EventStoreDB and the port
//
//   - An event id already stored in another stream is not detected:
//     EventStoreDB stores the event again (its ids are unique per stream,
//     not per database). The port wants domain.ErrDuplicateEventID.
//   - Idempotency with expected version any or stream exists relies on the
//     server's bounded cache of recently committed ids: an old retry may
//     be appended again. With an exact expected version (what nisa's
//     commands use) the server checks the stream itself and retries are
//     always recognised.
//   - Positions are not dense: they are byte offsets in the server's log.
//
// # The global log
//
// ReadAll reads $all forwards from the given position (EventStoreDB reads
// inclusively; the event at exactly that position is skipped) and drops
// system events (streams or types starting with "$") and, with a prefix,
// events of other streams, on the client side: the client library offers
// no server-side filter for reads. Head reads $all backwards to the first
// event that passes. Subscribe is SubscribeToAll from the position with a
// server-side filter: event types not starting with "$" (the client's
// ExcludeSystemEventsFilter), or stream names starting with the prefix.
// EventStoreDB orders $all by commit, so the log never shows a gap.
// A dropped subscription ends with an error; the caller resumes from the
// last position it processed.
//
// Every call into the client holds a shared lock that Close takes
// exclusively before it closes the client: the client library panics when
// a call races with its Close.
package esdb
