// Package embedded is nisa's default event store: one local data directory,
// pure Go, with bbolt (go.etcd.io/bbolt) as the storage engine. It
// implements domain.EventStore.
//
// # File layout
//
// The directory holds one file, events.db (bolt pages of 2 KiB), with these
// buckets:
//
//	meta           "format" -> storage format version (1 byte, now 2)
//	events         8-byte big-endian position -> encoded event
//	ids            16-byte event id -> 8-byte position
//	stream_events  stream id, 0x00, 8-byte big-endian version -> 8-byte position
//
// Positions are dense: the n-th event of the global log is at
// Position{Commit: n, Prepare: n}, n from 1; stream versions start at 1.
// The current version of a stream is the version in its last stream_events
// key (found with a seek to stream id, 0x01 and a step back), so an append
// writes no per-stream record besides its index entries. Events are
// encoded with a compact binary codec (see encodeEvent) whose first byte is
// a record format version; a file with an unknown storage format or record
// version is refused, never misread. Format 1 (which also kept a "streams"
// bucket of current versions) is refused too: there is no conversion.
//
// # Group commit
//
// Append validates its input and hands the request to a single committer
// goroutine. The committer takes every request that is waiting (up to
// Options.MaxBatch) and applies them in order in one bolt transaction: a
// retry (same event ids and content) is answered with the original result,
// a reused event id or a wrong expected version fails only its own request,
// and the stream versions seen by a request include those written by the
// earlier requests of its batch. Many concurrent writers thus share one
// commit and one fsync.
//
// Writers answered by a commit often append again at once. Before a commit
// the committer therefore waits briefly for them (see gatherer): while
// requests keep arriving no more than 50µs apart, until it has 90% of the
// requests that were waiting or answered when the previous commit ended,
// for at most half the previous commit's duration and 500µs. Without the
// wait, 32 busy writers split into alternate large and tiny commits, each
// paying the full cost of bolt's two fdatasyncs. A lone writer never waits,
// nor does a request that arrives after a pause longer than the previous
// commit. When requests arrive at random rather than in bursts after each
// commit, waits fall short of their target; after each such miss the
// committer skips the wait for the next 1, 3, 7 … 63 commits, so that
// traffic keeps the latency it had without the wait.
//
// # Durability
//
// Every commit is fsync'd (bbolt's NoSync stays off) before any request of
// its batch is answered, so an acknowledged append survives a crash or power
// loss. The freelist is not persisted (it is rebuilt on open), which costs
// a scan at Open and saves a write per commit. Only one process can open a
// directory at a time (an exclusive flock on events.db); a second Open fails
// after about a second.
//
// # Cost of a commit
//
// A commit is bolt's work on the dirtied pages (decode into nodes, insert,
// re-encode: CPU on the committer), one pwrite per dirty page, and two
// fdatasyncs (pages, then the meta page); on the 2-core VM it was measured
// on, the fdatasyncs alone take about 0.3 ms. Appends to random streams
// dirty one stream_events leaf each, the events and ids trees only their
// right edge. The page size of 2 KiB was measured against 1, 4 and 8 KiB
// and is the fastest for single-event and 10-event appends with 8 and 32
// writers; smaller pages mean less to decode, re-encode and write per
// dirtied leaf.
//
// Subscribers are woken by every commit through a tail.Signal and fall back
// to polling every Options.Poll.
package embedded
