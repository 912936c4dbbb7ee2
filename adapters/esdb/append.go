package esdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/nisa-eu/nisa/domain"
)

// appendAttempt is what translate needs to know about a refused append.
type appendAttempt struct {
	expected domain.ExpectedVersion
	firstID  domain.EventID
}

// Append appends events to the stream if it is at the expected version;
// see the package documentation for the mapping and the read-back.
func (s *Store) Append(ctx context.Context, streamID string, expected domain.ExpectedVersion, events []domain.EventData) (domain.AppendResult, error) {
	if err := domain.ValidateAppend(streamID, events); err != nil {
		return domain.AppendResult{}, err
	}
	for i, ev := range events {
		if strings.HasPrefix(ev.Type, "$") {
			return domain.AppendResult{}, &domain.ValidationError{Field: fmt.Sprintf("events[%d].type", i), Value: ev.Type, Reason: `must not start with "$" (EventStoreDB reserves it for system events)`}
		}
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return domain.AppendResult{}, err
	}
	defer done()
	proposed := make([]esdb.EventData, len(events))
	for i, ev := range events {
		if proposed[i], err = toEventData(ev); err != nil {
			return domain.AppendResult{}, fmt.Errorf("esdb: append to %q: %w", streamID, err)
		}
	}
	stream := s.streamName(streamID)
	if derived(events) {
		if res, found, err := s.storedRetry(ctx, stream, streamID, events); found || err != nil {
			return res, err
		}
	}
	res, err := s.client.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: expectedRevision(expected)}, proposed...)
	if err != nil {
		return domain.AppendResult{}, s.translate(ctx, "append to", streamID, &appendAttempt{expected: expected, firstID: events[0].ID}, err)
	}
	// The result names the revision of the last event (of this append, or
	// of the original append when the server recognised a retry): read the
	// run of len(events) events that ends there.
	n := uint64(len(events))
	last := res.NextExpectedVersion
	if last+1 < n {
		// A retry acknowledged by ids that are stored, but not as a run
		// ending at the last one.
		return domain.AppendResult{}, notARun(streamID)
	}
	recorded, err := s.read(ctx, stream, esdb.Forwards, esdb.Revision(last+1-n), n)
	if err != nil {
		return domain.AppendResult{}, s.translate(ctx, "read back the append to", streamID, nil, err)
	}
	if uint64(len(recorded)) != n {
		return domain.AppendResult{}, fmt.Errorf("esdb: append to %q: read back %d of %d events at revisions %d…%d", streamID, len(recorded), n, last+1-n, last)
	}
	for i := range recorded {
		switch {
		case recorded[i].ID != events[i].ID:
			// Only a retry acknowledged by ids can end here: the ids are
			// stored in this stream but not as one run in this order.
			return domain.AppendResult{}, notARun(streamID)
		case !recorded[i].EventData.SameContent(events[i]):
			// EventStoreDB acknowledged a retry by id alone; the stored
			// event is another one.
			return domain.AppendResult{}, fmt.Errorf("%w: %s is stored in %q with different content", domain.ErrDuplicateEventID, events[i].ID, streamID)
		}
	}
	return domain.AppendResult{Version: last + 1, Events: recorded}, nil
}

// notARun is the error of a retry whose events are stored in the stream,
// but not as one run in the order of the append.
func notARun(streamID string) error {
	return fmt.Errorf("%w: the events of the append are stored in %q, but not consecutively in this order (a retry must resend exactly the original append)", domain.ErrDuplicateEventID, streamID)
}

// derived reports whether an event of the append has a derived id (UUID
// version 8, domain.DeriveEventID). Random ids (version 7,
// domain.NewEventID) come back only in a retry of the same append, with
// the same expected version, and EventStoreDB recognises such retries.
// A derived id can come back in a later append, at the stream's current
// version, and there EventStoreDB does not look at ids: it would store the
// events again.
func derived(events []domain.EventData) bool {
	for _, ev := range events {
		if ev.ID[6]>>4 == 8 {
			return true
		}
	}
	return false
}

// storedRetry looks for the events of the append in the stream, as the
// port wants: found is true with the original result when the append is a
// retry of stored events, and err matches domain.ErrDuplicateEventID when
// the ids are stored otherwise. It reads the whole stream.
func (s *Store) storedRetry(ctx context.Context, stream, streamID string, events []domain.EventData) (res domain.AppendResult, found bool, err error) {
	evs, err := s.read(ctx, stream, esdb.Forwards, esdb.Start{}, allEvents)
	if err != nil {
		var e *esdb.Error
		if errors.As(err, &e) && e.Code() == esdb.ErrorCodeResourceNotFound {
			return res, false, nil
		}
		return res, false, s.translate(ctx, "append to", streamID, nil, err)
	}
	byID := make(map[domain.EventID]*domain.Event, len(evs))
	for i := range evs {
		byID[evs[i].ID] = &evs[i]
	}
	stored := make([]*domain.Event, len(events))
	for i, ev := range events {
		stored[i] = byID[ev.ID]
	}
	return domain.MatchDuplicate(streamID, events, stored)
}
