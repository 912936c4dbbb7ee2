// Package esdbtest is a protocol-level test server for the EventStoreDB /
// KurrentDB gRPC streams API: an in-process, in-memory gRPC server that
// implements the Streams service (Append, Read) and a minimal
// ServerFeatures service from the protobuf definitions shipped in
// github.com/EventStore/EventStore-Client-Go/v4/protos, so that tests can
// drive the real client library without an EventStoreDB server.
//
// It is not EventStoreDB. It imitates the behaviour EventStoreDB documents
// and implements (checked against the server's source where noted), and
// nothing more:
//
//   - Stream revisions count from 0. An append checks its expected revision
//     (any, no stream, stream exists, exact) and answers a mismatch with a
//     WrongExpectedVersion response carrying the current revision.
//   - Idempotency follows the server's commit check (IndexCommitter.CheckCommit):
//     with an exact revision (or no stream) a retry whose ids sit at the
//     expected place is acknowledged with the original revisions; with any
//     or stream exists the ids are looked up in the (here unbounded) cache
//     of committed event ids of the stream; a retry that matches only in
//     part is answered with WrongExpectedVersion ("corrupted idempotency").
//     An id stored in another stream does not count: the events are
//     appended again, as EventStoreDB does.
//   - Every event has a $all position; commit and prepare are equal and
//     grow like byte offsets of a log. Reading $all forwards from a position
//     includes the event at it; subscriptions start strictly after their
//     position (as the server's subscription code does); reading backwards
//     excludes it (as the server's paging suggests; nisa's adapter works
//     either way).
//   - Reads of streams and $all, forwards and backwards, with counts and
//     server-side filters (event type or stream name, prefixes or regular
//     expression); catch-up subscriptions to $all and to streams send a
//     confirmation, history, checkpoints (filtered $all subscriptions),
//     caught-up, then live events.
//   - The maximum append size (1 MiB by default) is enforced on the sum of
//     data, metadata and type sizes (the server counts a few more bytes).
//   - A new server holds a few system events ($-prefixed streams and types),
//     as a fresh EventStoreDB does; Inject adds more.
//
// Chosen without checking a server: reading a stream backwards from a
// revision past its end starts at its last event here.
//
// Not implemented: stream deletion and tombstones (Delete, Tombstone),
// BatchAppend, stream metadata ($$ streams are only ordinary streams
// here), link events and resolveLinkTos, projections, persistent
// subscriptions, gossip and clusters, authentication and ACLs, TLS,
// max-age/max-count truncation, scavenging, the bounded size of the
// server's id cache, and durability (everything is in memory).
//
// Import it from _test.go files only.
package esdbtest

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// DefaultMaxAppendSize is EventStoreDB's default maximum append size.
const DefaultMaxAppendSize = 1 << 20

// ServerVersion is the version the server reports through ServerFeatures.
const ServerVersion = "24.10.0"

// Options configure a Server. The zero value is ready to use.
type Options struct {
	// MaxAppendSize is the largest append, in bytes of data, metadata and
	// event types (default DefaultMaxAppendSize).
	MaxAppendSize int
	// NoSystemEvents starts the log empty instead of with the system
	// events a fresh server writes.
	NoSystemEvents bool
}

// Server is the protocol-level test server. Start or New creates one; it
// listens on 127.0.0.1 without TLS until Close.
type Server struct {
	streams.UnimplementedStreamsServer
	serverfeatures.UnimplementedServerFeaturesServer

	opts Options
	lis  net.Listener
	srv  *grpc.Server

	mu      sync.Mutex
	log     []*record            // $all, in position order
	streams map[string][]*record // stream name → events by revision
	ids     map[uuid.UUID]idInfo // committed event ids (the server's idempotency cache)
	next    uint64               // position of the next record
	wake    chan struct{}        // closed and replaced at every append
	closing chan struct{}
	once    sync.Once
}

// record is one stored event.
type record struct {
	id          uuid.UUID
	stream      string
	revision    uint64
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
	created     time.Time
	pos         uint64 // commit = prepare
}

type idInfo struct {
	stream   string
	revision uint64
}

// firstPosition is where the first record goes: positions are offsets in a
// pretend log file that begins with a header.
const firstPosition = 256

// Start starts a server on 127.0.0.1 (a free port). Close stops it.
func Start(opts Options) (*Server, error) {
	if opts.MaxAppendSize <= 0 {
		opts.MaxAppendSize = DefaultMaxAppendSize
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("esdbtest: listen: %w", err)
	}
	s := &Server{
		opts:    opts,
		lis:     lis,
		streams: map[string][]*record{},
		ids:     map[uuid.UUID]idInfo{},
		next:    firstPosition,
		wake:    make(chan struct{}),
		closing: make(chan struct{}),
	}
	if !opts.NoSystemEvents {
		// What a fresh node writes before any client does (abridged).
		s.Inject("$settings", "$settings", []byte(`{"$userStreamAcl":{"$r":"$all","$w":"$all"},"$systemStreamAcl":{"$r":"$admins"}}`))
		s.Inject("$user-admin", "$User", []byte(`{"loginName":"admin","fullName":"Event Store Administrator","groups":["$admins"]}`))
		s.Inject("$users", "$UserCreated", []byte(`"admin"`))
	}
	// The client pings every 10 s even without calls in flight; EventStoreDB
	// accepts that, grpc-go's default policy would close the connection.
	s.srv = grpc.NewServer(grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
		MinTime:             time.Second,
		PermitWithoutStream: true,
	}))
	streams.RegisterStreamsServer(s.srv, s)
	serverfeatures.RegisterServerFeaturesServer(s.srv, s)
	go func() { _ = s.srv.Serve(lis) }()
	return s, nil
}

// New starts a server for t and closes it when t ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// URL returns a connection string for the client library: a single node
// (no gossip), without TLS.
func (s *Server) URL() string { return "esdb://" + s.Addr() + "?tls=false" }

// Close stops the server, ending every call in progress. It is idempotent.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.srv.Stop()
	})
}

// Inject appends one event to stream through the server's own API,
// bypassing the gRPC API and its checks: tests use it to plant events that
// nisa never writes, such as system events ($-prefixed streams or types).
// It returns the event's $all position (commit = prepare).
func (s *Server) Inject(stream, eventType string, data []byte) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.commit(stream, []proposed{{id: uuid.New(), eventType: eventType, contentType: "application/json", data: data}})
	return recs[0].pos
}

// GetSupportedMethods implements the ServerFeatures service: the client
// asks for it when it connects.
func (s *Server) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	const svc = "event_store.client.streams.streams"
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: ServerVersion,
		Methods: []*serverfeatures.SupportedMethod{
			{MethodName: "read", ServiceName: svc},
			{MethodName: "append", ServiceName: svc},
		},
	}, nil
}

// proposed is an event of an append request.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
}

// commit stores events at the end of stream. s.mu must be held.
func (s *Server) commit(stream string, evs []proposed) []*record {
	now := time.Now().UTC()
	out := make([]*record, len(evs))
	for i, p := range evs {
		r := &record{
			id:          p.id,
			stream:      stream,
			revision:    uint64(len(s.streams[stream])),
			eventType:   p.eventType,
			contentType: p.contentType,
			data:        p.data,
			metadata:    p.metadata,
			created:     now,
			pos:         s.next,
		}
		// A record takes a fixed header plus its variable parts.
		s.next += 64 + uint64(len(stream)+len(p.eventType)+len(p.data)+len(p.metadata))
		s.log = append(s.log, r)
		s.streams[stream] = append(s.streams[stream], r)
		s.ids[p.id] = idInfo{stream: stream, revision: r.revision}
		out[i] = r
	}
	close(s.wake)
	s.wake = make(chan struct{})
	return out
}

// toRecordedEvent converts r for a read response.
func toRecordedEvent(r *record, uuidAsString bool) *streams.ReadResp_ReadEvent {
	var id *shared.UUID
	if uuidAsString {
		id = &shared.UUID{Value: &shared.UUID_String_{String_: r.id.String()}}
	} else {
		id = &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
			MostSignificantBits:  int64(binary.BigEndian.Uint64(r.id[:8])),
			LeastSignificantBits: int64(binary.BigEndian.Uint64(r.id[8:])),
		}}}
	}
	return &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               id,
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.pos,
			CommitPosition:   r.pos,
			Metadata: map[string]string{
				"type":         r.eventType,
				"content-type": r.contentType,
				// .NET ticks (100 ns) since the Unix epoch.
				"created": strconv.FormatInt(r.created.UnixNano()/100, 10),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
		Position: &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos},
	}
}

// parseUUID reads the id of a proposed message.
func parseUUID(u *shared.UUID) (uuid.UUID, error) {
	if st := u.GetStructured(); st != nil {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(st.MostSignificantBits))
		binary.BigEndian.PutUint64(id[8:], uint64(st.LeastSignificantBits))
		return id, nil
	}
	return uuid.Parse(u.GetString_())
}

// filter is a server-side $all filter.
type filter struct {
	onType   bool // event type, else stream name
	prefixes []string
	re       *regexp.Regexp
	window   uint32 // max search window: events considered between checkpoints
}

func newFilter(o *streams.ReadReq_Options_FilterOptions) (*filter, error) {
	var expr *streams.ReadReq_Options_FilterOptions_Expression
	f := &filter{window: 32}
	switch {
	case o.GetEventType() != nil:
		f.onType, expr = true, o.GetEventType()
	case o.GetStreamIdentifier() != nil:
		expr = o.GetStreamIdentifier()
	default:
		return nil, fmt.Errorf("a filter needs an event type or stream identifier expression")
	}
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, fmt.Errorf("filter regex: %w", err)
		}
		f.re = re
	} else {
		f.prefixes = expr.GetPrefix()
	}
	if m := o.GetMax(); m > 0 {
		f.window = m
	}
	if mult := o.GetCheckpointIntervalMultiplier(); mult > 0 {
		f.window *= mult
	}
	return f, nil
}

func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	subject := r.stream
	if f.onType {
		subject = r.eventType
	}
	if f.re != nil {
		return f.re.MatchString(subject)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

// cmpPos compares the position of r with the $all position (commit,
// prepare): -1, 0 or +1.
func cmpPos(r *record, commit, prepare uint64) int {
	switch {
	case r.pos < commit, r.pos == commit && r.pos < prepare:
		return -1
	case r.pos == commit && r.pos == prepare:
		return 0
	}
	return 1
}

// firstAt returns the index in s.log of the first record after the $all
// position (commit, prepare), or at it when inclusive. s.mu must be held.
func (s *Server) firstAt(commit, prepare uint64, inclusive bool) int {
	return sort.Search(len(s.log), func(i int) bool {
		c := cmpPos(s.log[i], commit, prepare)
		return c > 0 || inclusive && c == 0
	})
}
