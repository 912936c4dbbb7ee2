package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/history"
	"github.com/nisa-eu/nisa/domain"
)

const historyUsage = `Usage:
  nisa history stream ID [--as-of T] [--json] [flags]   one stream's events (ID: e.g. organisation-0190…)
  nisa history log [--after P] [--from T] [--to T] [--type T] [--stream S]
                   [--stream-prefix P] [--actor A] [--limit N] [--json] [flags]
                                                       the global log, filtered
  nisa history diff ID [--from V] [--to V] [--as-of T] [--json] [flags]
                                                       what changed in an aggregate between two versions

Run "nisa history <subcommand> --help" for the flags of one.`

// historyStoreNote is the common part of the subcommands' help.
const historyStoreNote = `The command reads the event store directly and changes nothing. With the
embedded store the data directory can be opened by one process at a time:
while "nisa serve" runs on it, stop the server or read the same history
through the HTTP API with an auditor token (GET /v1/events,
/v1/streams/{id}/events, /v1/streams/{id}/diff). With PostgreSQL it works
beside running servers.

Times (T) are RFC 3339, e.g. 2026-03-01T12:00:00Z, or a date (2026-03-01,
midnight UTC).`

func runHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, historyUsage, map[string]subcommand{
		"stream": historyStream,
		"log":    historyLog,
		"diff":   historyDiff,
	})
}

func historyStream(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("history stream ID", `Print the events of one stream (an aggregate: organisation-…, offer-…,
meeting-…, exchange_visit-…, saved_search-…, webhook-…, token-…) in order:
version, recorded-at time, type, actor and correlation id. --json prints
every event with its whole envelope and data, one JSON object a line.

`+historyStoreNote, stderr)
	var sf storeFlags
	sf.register(f)
	var asOf timeFlag
	var asJSON bool
	f.Var(&asOf, "as-of", "only the events recorded up to this time (the state an aggregate read with ?as_of= shows)")
	f.BoolVar(&asJSON, "json", false, "print JSON Lines (one event a line)")
	id, err := parseWithID(f, args, "stream id")
	if err != nil {
		return err
	}
	s, err := openHistoryStore(ctx, sf)
	if err != nil {
		return err
	}
	defer s.Close()
	evs, err := history.StreamAsOf(ctx, s, id, asOf.t)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSONLines(stdout, evs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tTIME\tTYPE\tACTOR\tCORRELATION")
	for _, ev := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", ev.StreamVersion, formatTime(ev.RecordedAt), ev.Type, ev.Actor, dash(ev.CorrelationID))
	}
	return tw.Flush()
}

func historyLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("history log", `Print the events of the global log after a position, filtered: position,
recorded-at time, stream, version, type and actor. Every filter is optional
and they combine. --json prints every event with its whole envelope and
data, one JSON object a line.

When more events match than --limit, the position to continue from is
printed on standard error ("--after P").

`+historyStoreNote, stderr)
	var sf storeFlags
	sf.register(f)
	var (
		after, stream, prefix, actor string
		from, to                     timeFlag
		types                        listFlag
		limit                        int
		asJSON                       bool
	)
	f.StringVar(&after, "after", "", "start after this global log position (the next of an earlier run)")
	f.Var(&from, "from", "only events recorded at or after this time")
	f.Var(&to, "to", "only events recorded before this time")
	f.Var(&types, "type", "only events of this type (repeatable, or comma-separated)")
	f.StringVar(&stream, "stream", "", "only events of this stream (exact id)")
	f.StringVar(&prefix, "stream-prefix", "", "only events of streams starting with this (e.g. offer-)")
	f.StringVar(&actor, "actor", "", "only events whose actor contains this, ignoring case (e.g. token:3f9c, coordinator, system:)")
	f.IntVar(&limit, "limit", 100, "print at most this many events (0: all)")
	f.BoolVar(&asJSON, "json", false, "print JSON Lines (one event a line)")
	if err := f.parse(args); err != nil {
		return err
	}
	pos, err := domain.ParsePosition(after)
	if err != nil {
		return fmt.Errorf("%w: --after %q: %v", errUsage, after, err)
	}
	if limit < 0 {
		return fmt.Errorf("%w: --limit must be 0 (all) or more", errUsage)
	}
	filter := history.Filter{From: from.t, To: to.t, Stream: stream, StreamPrefix: prefix, Actor: actor}
	if filter.Types, err = history.ParseTypes(types); err != nil {
		return flagError(err)
	}
	if err := filter.Validate(); err != nil {
		return flagError(err)
	}
	s, err := openHistoryStore(ctx, sf)
	if err != nil {
		return err
	}
	defer s.Close()

	var tw *tabwriter.Writer
	if !asJSON {
		tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "POSITION\tTIME\tSTREAM\tVERSION\tTYPE\tACTOR")
	}
	printed := 0
	for {
		want := 1000
		if limit > 0 {
			want = min(want, limit-printed)
		}
		page, err := history.Scan(ctx, s, pos, filter, want, 0)
		if err != nil {
			return err
		}
		for _, ev := range page.Items {
			if asJSON {
				if err := writeJSONLines(stdout, []domain.Event{ev}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", ev.Position, formatTime(ev.RecordedAt), ev.StreamID, ev.StreamVersion, ev.Type, ev.Actor)
			}
		}
		printed += len(page.Items)
		if !page.More {
			break
		}
		pos = page.Next
		if limit > 0 && printed >= limit {
			if tw != nil {
				tw.Flush()
			}
			fmt.Fprintf(stderr, "more events may follow: continue with --after %s\n", pos)
			return nil
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

func historyDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("history diff ID", `Rebuild the state of an aggregate at two versions of its stream and print
what changed: add, remove and replace at JSON pointers (RFC 6901), and the
events in between. By default the last event's change: --to is the current
version (or the one current at --as-of), --from is --to minus one; --from 0
is before the first event. Streams of organisations, offers, meetings,
exchange visits, saved searches and webhooks (not tokens).

`+historyStoreNote, stderr)
	var sf storeFlags
	sf.register(f)
	var (
		from, to versionFlag
		asOf     timeFlag
		asJSON   bool
	)
	f.Var(&from, "from", "older version (0: before the first event; default: --to minus one)")
	f.Var(&to, "to", "newer version (default: the current one)")
	f.Var(&asOf, "as-of", "without --to: compare up to the version current at this time")
	f.BoolVar(&asJSON, "json", false, "print the diff as one JSON document")
	id, err := parseWithID(f, args, "stream id")
	if err != nil {
		return err
	}
	s, err := openHistoryStore(ctx, sf)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := history.DiffStream(ctx, s, id, history.DiffOptions{From: from.v, To: to.v, AsOf: asOf.t})
	if err != nil {
		return flagError(err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	fmt.Fprintf(stdout, "%s (%s): version %d → %d (current version %d)\n", d.StreamID, d.Category, d.From, d.To, d.Current)
	if len(d.Events) > 0 {
		fmt.Fprintln(stdout, "\nevents:")
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, ev := range d.Events {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", ev.StreamVersion, formatTime(ev.RecordedAt), ev.Type, ev.Actor, dash(ev.CorrelationID))
		}
		tw.Flush()
	}
	if len(d.Changes) == 0 {
		fmt.Fprintln(stdout, "\nno changes")
		return nil
	}
	fmt.Fprintln(stdout, "\nchanges:")
	for _, c := range d.Changes {
		path := c.Path
		if path == "" {
			path = "(the whole state)"
		}
		switch c.Op {
		case history.OpAdd:
			fmt.Fprintf(stdout, "  add      %s: %s\n", path, compact(c.To))
		case history.OpRemove:
			fmt.Fprintf(stdout, "  remove   %s: %s\n", path, compact(c.From))
		default:
			fmt.Fprintf(stdout, "  replace  %s: %s → %s\n", path, compact(c.From), compact(c.To))
		}
	}
	return nil
}

// flagError turns a validation error of the history package, which names
// a parameter ("to"), into a usage error naming the flag.
func flagError(err error) error {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("%w: --%s %s: %s", errUsage, strings.ReplaceAll(ve.Field, "_", "-"), ve.Value, ve.Reason)
	}
	return err
}

// openHistoryStore opens the store for reading: no migrations; a missing
// embedded data directory or one a server holds is explained.
func openHistoryStore(ctx context.Context, sf storeFlags) (*openedStore, error) {
	if sf.Store == "" || sf.Store == "embedded" {
		if _, err := os.Stat(sf.DataDir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no data directory %s: name the embedded store's directory with --data-dir (or NISA_DATA_DIR)", sf.DataDir)
		}
	}
	log, err := sf.logger(io.Discard)
	if err != nil {
		return nil, err
	}
	s, err := openStore(ctx, sf, false, log)
	if errors.Is(err, embedded.ErrLocked) {
		return nil, fmt.Errorf("%w\nthe embedded store can be opened by one process at a time: stop the server, or read the history through its HTTP API with an auditor token (GET /v1/events, /v1/streams/{id}/events, /v1/streams/{id}/diff)", err)
	}
	return s, err
}

// parseWithID parses flags around one positional argument (before or
// after the flags), what names it in errors.
func parseWithID(f *flags, args []string, what string) (string, error) {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	var rest []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", errUsage
		}
		rest = f.Args()
		if id != "" || len(rest) == 0 {
			break
		}
		// The id between or after the flags: parse the flags after it.
		id, args = rest[0], rest[1:]
	}
	if len(f.envErrs) > 0 {
		fmt.Fprintln(f.Output(), errors.Join(f.envErrs...))
		return "", errUsage
	}
	if len(rest) > 0 {
		fmt.Fprintf(f.Output(), "unexpected argument %q\n", rest[0])
		f.Usage()
		return "", errUsage
	}
	if id == "" {
		fmt.Fprintf(f.Output(), "missing %s\n", what)
		f.Usage()
		return "", errUsage
	}
	return id, nil
}

// timeFlag is an RFC 3339 time or a date (midnight UTC).
type timeFlag struct{ t time.Time }

func (t *timeFlag) String() string {
	if t == nil || t.t.IsZero() {
		return ""
	}
	return t.t.Format(time.RFC3339Nano)
}

func (t *timeFlag) Set(s string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.t = v
			return nil
		}
	}
	return fmt.Errorf("want an RFC 3339 time such as 2026-03-01T12:00:00Z or a date such as 2026-03-01")
}

// versionFlag is a stream version; nil when not set.
type versionFlag struct{ v *uint64 }

func (v *versionFlag) String() string {
	if v == nil || v.v == nil {
		return ""
	}
	return strconv.FormatUint(*v.v, 10)
}

func (v *versionFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a stream version (0, 1, 2, …)")
	}
	v.v = &n
	return nil
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func writeJSONLines(w io.Writer, evs []domain.Event) error {
	enc := json.NewEncoder(w)
	for _, ev := range evs {
		if err := enc.Encode(ev); err != nil {
			return err
		}
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// compact formats a JSON value on one line.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
