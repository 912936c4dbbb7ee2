// Package embedded is nisa's default event store: one local data directory,
// pure Go, with bbolt (go.etcd.io/bbolt) as the storage engine. It
// implements domain.EventStore.
//
// # File layout
//
// The directory holds one file, events.db, with these buckets:
//
//	meta           "format" -> storage format version (1 byte)
//	events         8-byte big-endian position -> encoded event
//	ids            16-byte event id -> 8-byte position
//	streams        stream id -> 8-byte big-endian current version
//	stream_events  stream id, 0x00, 8-byte big-endian version -> 8-byte position
//
// Positions are dense: the n-th event of the global log is at
// Position{Commit: n, Prepare: n}, n from 1; stream versions start at 1.
// Events are encoded with a compact binary codec (see encodeEvent) whose
// first byte is a record format version; a file with an unknown storage
// format or record version is refused, never misread.
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
// # Durability
//
// Every commit is fsync'd (bbolt's NoSync stays off) before any request of
// its batch is answered, so an acknowledged append survives a crash or power
// loss. The freelist is not persisted (it is rebuilt on open), which costs
// a scan at Open and saves a write per commit. Only one process can open a
// directory at a time (an exclusive flock on events.db); a second Open fails
// after about a second.
//
// Subscribers are woken by every commit through a tail.Signal and fall back
// to polling every Options.Poll.
package embedded
