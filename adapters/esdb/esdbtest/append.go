package esdbtest

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// Expected revisions as EventStoreDB encodes them internally.
const (
	expectNoStream     = -1
	expectAny          = -2
	expectStreamExists = -4
)

// decision is the outcome of the commit check.
type decision int

const (
	decideWrite decision = iota
	decideIdempotent
	decideWrongExpectedVersion
)

// Append implements the Streams service's client-streaming append: an
// options message, then the proposed events.
func (s *Server) Append(srv streams.Streams_AppendServer) error {
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first message of an append must carry its options")
	}
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	var expected int64
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Revision:
		expected = int64(e.Revision)
	case *streams.AppendReq_Options_NoStream:
		expected = expectNoStream
	case *streams.AppendReq_Options_Any:
		expected = expectAny
	case *streams.AppendReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		return status.Errorf(codes.InvalidArgument, "'%v' is not a valid expected stream revision", e)
	}
	var evs []proposed
	size := 0
	for {
		m, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		pm := m.GetProposedMessage()
		if pm == nil {
			return status.Error(codes.InvalidArgument, "expected a proposed message")
		}
		p := proposed{data: pm.GetData(), metadata: pm.GetCustomMetadata()}
		var ok bool
		if p.eventType, ok = pm.GetMetadata()["type"]; !ok {
			return missingMetadata(srv, "type")
		}
		if p.contentType, ok = pm.GetMetadata()["content-type"]; !ok {
			return missingMetadata(srv, "content-type")
		}
		if p.id, err = parseUUID(pm.GetId()); err != nil {
			return status.Errorf(codes.InvalidArgument, "event id: %v", err)
		}
		size += len(p.data) + len(p.metadata) + len(p.eventType)
		if size > s.opts.MaxAppendSize {
			_ = grpc.SetTrailer(srv.Context(), metadata.Pairs(
				"exception", "maximum-append-size-exceeded",
				"maximum-append-size", strconv.Itoa(s.opts.MaxAppendSize)))
			return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", s.opts.MaxAppendSize)
		}
		evs = append(evs, p)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cur := int64(len(s.streams[stream])) - 1 // -1: no stream
	d, end := s.check(stream, expected, cur, evs)
	switch d {
	case decideWrongExpectedVersion:
		return srv.SendAndClose(wrongExpectedVersion(opts, cur))
	case decideIdempotent:
		r := s.streams[stream][end]
		return srv.SendAndClose(success(int64(r.revision), r.pos))
	}
	if len(evs) == 0 {
		return srv.SendAndClose(success(cur, 0))
	}
	recs := s.commit(stream, evs)
	last := recs[len(recs)-1]
	return srv.SendAndClose(success(int64(last.revision), last.pos))
}

// check is EventStoreDB's commit check (IndexCommitter.CheckCommit) for a
// stream that is not deleted: it decides whether the events are written,
// acknowledged as a retry (then end is the revision of the last of them),
// or refused. s.mu must be held.
func (s *Server) check(stream string, expected, cur int64, evs []proposed) (d decision, end int64) {
	if expected == expectStreamExists && cur < 0 {
		return decideWrongExpectedVersion, 0
	}
	if expected == expectAny || expected == expectStreamExists {
		// Idempotency by the cache of committed ids: the first id decides.
		if len(evs) == 0 {
			return decideWrite, 0
		}
		for i, p := range evs {
			info, ok := s.ids[p.id]
			if !ok || info.stream != stream {
				if i == 0 {
					return decideWrite, 0
				}
				return decideWrongExpectedVersion, 0 // corrupted idempotency
			}
			end = int64(info.revision)
		}
		return decideIdempotent, end
	}
	if expected < cur {
		// The stream moved past the expected revision: a retry if the ids
		// are stored right after it.
		n := expected
		for _, p := range evs {
			n++
			if n <= cur && s.streams[stream][n].id == p.id {
				continue
			}
			// A first mismatch is a plain wrong expected version; a later
			// one is "corrupted idempotency", which the server also
			// reports as a wrong expected version.
			return decideWrongExpectedVersion, 0
		}
		if n == expected { // no events
			return decideWrongExpectedVersion, 0
		}
		return decideIdempotent, n
	}
	if expected > cur {
		return decideWrongExpectedVersion, 0
	}
	return decideWrite, 0
}

func success(revision int64, pos uint64) *streams.AppendResp {
	ok := &streams.AppendResp_Success{}
	if revision < 0 {
		ok.CurrentRevisionOption = &streams.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
	} else {
		ok.CurrentRevisionOption = &streams.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(revision)}
	}
	if pos == 0 {
		ok.PositionOption = &streams.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	} else {
		ok.PositionOption = &streams.AppendResp_Success_Position{Position: &streams.AppendResp_Position{CommitPosition: pos, PreparePosition: pos}}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: ok}}
}

// wrongExpectedVersion fills both the current fields and the ones of
// server version 20.6.0, as the server does.
func wrongExpectedVersion(opts *streams.AppendReq_Options, cur int64) *streams.AppendResp {
	w := &streams.AppendResp_WrongExpectedVersion{}
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Any:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case *streams.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	case *streams.AppendReq_Options_NoStream:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: ^uint64(0)}
	case *streams.AppendReq_Options_Revision:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: e.Revision}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: e.Revision}
	}
	if cur < 0 {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(cur)}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(cur)}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

func missingMetadata(srv grpc.ServerStream, key string) error {
	_ = grpc.SetTrailer(srv.Context(), metadata.Pairs(
		"exception", "missing-required-metadata-property",
		"required-metadata-properties", "type,content-type"))
	return status.Error(codes.InvalidArgument, fmt.Sprintf("Required Metadata Property '%s' is missing", key))
}
