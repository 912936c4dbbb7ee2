package esdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nisa-eu/nisa/domain"
)

// currentRevision finds the current revision in the client's
// wrong-expected-version error: "… expecting 'X' but got 'N'" (N is a
// revision or no_stream). The client keeps the number only in this text.
var currentRevision = regexp.MustCompile(`but got '(no_stream|\d+)'`)

// translate maps an error of the client library for the operation op on
// the nisa stream streamID (empty for $all) to the errors of the port. It
// is the only place that interprets EventStoreDB's errors. app describes
// the append when op is one; translate may then read the stream to tell a
// concurrent change from a retry that matches only in part.
func (s *Store) translate(ctx context.Context, op, streamID string, app *appendAttempt, err error) error {
	where := "esdb: " + op
	if streamID != "" {
		where += fmt.Sprintf(" %q", streamID)
	}
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", where, domain.ErrClosed)
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: %w", where, cerr)
	}
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrConcurrency) || errors.Is(err, domain.ErrDuplicateEventID) {
		return err // already translated
	}
	var e *esdb.Error
	if !errors.As(err, &e) {
		if c := status.Code(err); c == codes.Unavailable || c == codes.DeadlineExceeded {
			return fmt.Errorf("%s: %w: %w", where, ErrUnavailable, err)
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	switch e.Code() {
	case esdb.ErrorCodeWrongExpectedVersion:
		if app == nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return s.wrongExpectedVersion(ctx, streamID, app, e)
	case esdb.ErrorCodeResourceNotFound, esdb.ErrorCodeStreamDeleted:
		return fmt.Errorf("%s: %w (%v)", where, domain.ErrNotFound, err)
	case esdb.ErrorUnavailable, esdb.ErrorCodeConnectionClosed, esdb.ErrorCodeDeadlineExceeded, esdb.ErrorCodeNotLeader, esdb.ErrorAborted:
		return fmt.Errorf("%s: %w: %w", where, ErrUnavailable, err)
	case esdb.ErrorCodeUnknown:
		st := status.Convert(e.Err())
		switch {
		case st.Code() == codes.InvalidArgument && strings.Contains(st.Message(), "Maximum Append"):
			// The append is larger than the server accepts (1 MiB of
			// data, metadata and types in all, by default).
			return fmt.Errorf("%s: %w", where, &domain.ValidationError{Field: "events", Reason: "exceed the server's maximum append size: " + st.Message()})
		case st.Code() == codes.Unavailable:
			return fmt.Errorf("%s: %w: %w", where, ErrUnavailable, err)
		}
	}
	return fmt.Errorf("%s: %w", where, err)
}

// wrongExpectedVersion turns EventStoreDB's refusal of an append into the
// port's error. The server refuses with "wrong expected version" both when
// the stream is not at the expected revision and when the append repeats
// some stored events but not all ("corrupted idempotency").
func (s *Store) wrongExpectedVersion(ctx context.Context, streamID string, app *appendAttempt, e *esdb.Error) error {
	stream := s.streamName(streamID)
	current, known := uint64(0), false
	if m := currentRevision.FindStringSubmatch(e.Error()); m != nil {
		if m[1] == "no_stream" {
			current, known = 0, true
		} else if rev, err := strconv.ParseUint(m[1], 10, 64); err == nil {
			current, known = rev+1, true
		}
	}
	if !known {
		last, err := s.read(ctx, stream, esdb.Backwards, esdb.End{}, 1)
		var ee *esdb.Error
		switch {
		case err == nil && len(last) == 1:
			current = last[0].StreamVersion
		case errors.As(err, &ee) && ee.Code() == esdb.ErrorCodeResourceNotFound:
			current = 0
		default:
			return fmt.Errorf("esdb: append to %q: %w (and reading its current version: %v)", streamID, &domain.ConcurrencyError{StreamID: streamID, Expected: app.expected}, err)
		}
	}
	duplicate := fmt.Errorf("%w: some events of the append are stored in %q and others are not (a retry must resend exactly the original append)", domain.ErrDuplicateEventID, streamID)
	switch n, pinned := app.expected.Exact(); {
	case app.expected.IsAny(), app.expected.IsStreamExists() && current > 0:
		// Nothing but a partial retry makes the server refuse these.
		return duplicate
	case pinned && current > n:
		// A partial retry if the first event is stored right after the
		// expected version.
		next, err := s.read(ctx, stream, esdb.Forwards, esdb.Revision(n), 1)
		if err == nil && len(next) == 1 && next[0].ID == app.firstID {
			return duplicate
		}
	}
	return &domain.ConcurrencyError{StreamID: streamID, Expected: app.expected, Actual: current}
}
