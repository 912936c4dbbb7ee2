package esdbtest

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// batch is the number of records a read takes from the log at once; the
// lock is not held while they are sent.
const batch = 64

// Read implements the Streams service's server-streaming read: counted
// reads of a stream or $all, forwards or backwards, and subscriptions.
func (s *Server) Read(req *streams.ReadReq, srv streams.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "'options' is a required argument")
	}
	if o.GetUuidOption() == nil {
		return status.Error(codes.InvalidArgument, "'uuidOption' is a required argument")
	}
	if o.GetResolveLinks() {
		return status.Error(codes.Unimplemented, "esdbtest: resolveLinkTos is not implemented")
	}
	asString := o.GetUuidOption().GetString_() != nil
	var f *filter
	if fo := o.GetFilter(); fo != nil {
		if o.GetStream() != nil {
			return status.Error(codes.InvalidArgument, "The combination of (Stream, Filter) is invalid.")
		}
		var err error
		if f, err = newFilter(fo); err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
	}
	backwards := o.GetReadDirection() == streams.ReadReq_Options_Backwards
	send := func(r *record) error {
		return srv.Send(&streams.ReadResp{Content: &streams.ReadResp_Event{Event: toRecordedEvent(r, asString)}})
	}
	switch count := o.GetCountOption().(type) {
	case *streams.ReadReq_Options_Count:
		if st := o.GetStream(); st != nil {
			return s.readStream(st, backwards, count.Count, send, srv)
		}
		if all := o.GetAll(); all != nil {
			return s.readAll(all, backwards, count.Count, f, send)
		}
	case *streams.ReadReq_Options_Subscription:
		if backwards {
			return status.Error(codes.InvalidArgument, "subscriptions read forwards")
		}
		if st := o.GetStream(); st != nil {
			return s.subscribeStream(srv.Context(), st, send, srv)
		}
		if all := o.GetAll(); all != nil {
			return s.subscribeAll(srv.Context(), all, f, send, srv)
		}
	}
	return status.Error(codes.InvalidArgument, "the read needs a stream or $all and a count or a subscription")
}

// readStream sends up to count events of one stream.
func (s *Server) readStream(o *streams.ReadReq_Options_StreamOptions, backwards bool, count uint64, send func(*record) error, srv streams.Streams_ReadServer) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	s.mu.Lock()
	recs := s.streams[name]
	last := int64(len(recs)) - 1
	s.mu.Unlock()
	if last < 0 {
		return srv.Send(&streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{StreamNotFound: &streams.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
		}}})
	}
	// recs is a snapshot: records are never changed, only appended.
	var from int64
	switch r := o.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_Revision:
		from = min(int64(r.Revision), last+1)
		if backwards {
			from = min(from, last)
		}
	case *streams.ReadReq_Options_StreamOptions_End:
		from = last + 1
		if backwards {
			from = last
		}
	}
	for i := from; i >= 0 && i <= last && count > 0; count-- {
		if err := send(recs[i]); err != nil {
			return err
		}
		if backwards {
			i--
		} else {
			i++
		}
	}
	return nil
}

// readAll sends up to count events of $all that pass f.
func (s *Server) readAll(o *streams.ReadReq_Options_AllOptions, backwards bool, count uint64, f *filter, send func(*record) error) error {
	s.mu.Lock()
	n := len(s.log)
	var i int
	switch p := o.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Position:
		// Forwards from a position includes the event there; backwards
		// returns the events before it.
		i = s.firstAt(p.Position.GetCommitPosition(), p.Position.GetPreparePosition(), true)
		if backwards {
			i--
		}
	case *streams.ReadReq_Options_AllOptions_End:
		i = n
		if backwards {
			i = n - 1
		}
	default: // Start
		i = 0
		if backwards {
			i = -1
		}
	}
	log := s.log[:n]
	s.mu.Unlock()
	for ; i >= 0 && i < n && count > 0; i = step(i, backwards) {
		if !f.match(log[i]) {
			continue
		}
		if err := send(log[i]); err != nil {
			return err
		}
		count--
	}
	return nil
}

func step(i int, backwards bool) int {
	if backwards {
		return i - 1
	}
	return i + 1
}

// confirm sends the subscription confirmation.
func confirm(srv streams.Streams_ReadServer) error {
	return srv.Send(&streams.ReadResp{Content: &streams.ReadResp_Confirmation{Confirmation: &streams.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}})
}

func caughtUp(srv streams.Streams_ReadServer) error {
	return srv.Send(&streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}})
}

func checkpoint(srv streams.Streams_ReadServer, pos uint64) error {
	return srv.Send(&streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{Checkpoint: &streams.ReadResp_Checkpoint{
		CommitPosition: pos, PreparePosition: pos,
	}}})
}

// subscribeAll is a catch-up subscription to $all: the events after the
// position (all from Start, only new ones from End) that pass f, then
// caught-up, then live events until the client goes away. A filtered
// subscription also sends a checkpoint every f.window events considered,
// and one when it catches up.
func (s *Server) subscribeAll(ctx context.Context, o *streams.ReadReq_Options_AllOptions, f *filter, send func(*record) error, srv streams.Streams_ReadServer) error {
	s.mu.Lock()
	var next int
	switch p := o.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Position:
		next = s.firstAt(p.Position.GetCommitPosition(), p.Position.GetPreparePosition(), false)
	case *streams.ReadReq_Options_AllOptions_End:
		next = len(s.log)
	}
	s.mu.Unlock()
	if err := confirm(srv); err != nil {
		return err
	}
	considered, live := uint32(0), false
	var lastPos uint64
	return s.follow(ctx, &next, func(r *record) bool { return true }, func(recs []*record) error {
		if recs == nil { // caught up with the log
			if live {
				return nil
			}
			live = true
			if f != nil && lastPos > 0 {
				if err := checkpoint(srv, lastPos); err != nil {
					return err
				}
			}
			return caughtUp(srv)
		}
		for _, r := range recs {
			lastPos = r.pos
			if f.match(r) {
				if err := send(r); err != nil {
					return err
				}
			}
			if f != nil {
				if considered++; considered >= f.window {
					considered = 0
					if err := checkpoint(srv, r.pos); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// subscribeStream is a catch-up subscription to one stream: the events
// after the revision (all from Start, only new ones from End), caught-up,
// then live events.
func (s *Server) subscribeStream(ctx context.Context, o *streams.ReadReq_Options_StreamOptions, send func(*record) error, srv streams.Streams_ReadServer) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	s.mu.Lock()
	next := 0
	switch r := o.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_Revision:
		if recs := s.streams[name]; int(r.Revision) < len(recs) {
			next = s.firstAt(recs[r.Revision].pos, recs[r.Revision].pos, false)
		} else {
			next = len(s.log)
		}
	case *streams.ReadReq_Options_StreamOptions_End:
		next = len(s.log)
	}
	s.mu.Unlock()
	if err := confirm(srv); err != nil {
		return err
	}
	live := false
	return s.follow(ctx, &next, func(r *record) bool { return r.stream == name }, func(recs []*record) error {
		if recs == nil {
			if live {
				return nil
			}
			live = true
			return caughtUp(srv)
		}
		for _, r := range recs {
			if err := send(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// follow hands the records of the log from index *next on, those that pass
// keep, to deliver in batches; it calls deliver(nil) whenever it has
// reached the end of the log, then waits for appends. It returns when ctx
// ends, the server closes, or deliver fails.
func (s *Server) follow(ctx context.Context, next *int, keep func(*record) bool, deliver func([]*record) error) error {
	for {
		s.mu.Lock()
		end := min(len(s.log), *next+batch)
		var recs []*record
		for _, r := range s.log[*next:end] {
			if keep(r) {
				recs = append(recs, r)
			}
		}
		scanned := end - *next
		*next = end
		wake := s.wake
		s.mu.Unlock()
		if len(recs) > 0 {
			if err := deliver(recs); err != nil {
				return err
			}
		}
		if scanned == batch {
			continue
		}
		if err := deliver(nil); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.closing:
			return status.Error(codes.Unavailable, "esdbtest: server closed")
		case <-wake:
		}
	}
}
