package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/report"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

const reportUsage = `Usage:
  nisa report indicators --from YYYY-MM --to YYYY-MM [--project REF] [--format csv|json] [--evidence] [flags]
                                     the Interreg indicators per country and month, with their evidence
  nisa report attendance --meeting ID [--format csv|json] [flags]
                                     the attendance list of a meeting

Run "nisa report <subcommand> --help" for the flags of one.`

// reportStoreNote is the common part of the subcommands' help.
const reportStoreNote = `The command reads and changes nothing. With PostgreSQL (or EventStoreDB) it
reads the read models from their tables, beside running servers (a warning
on standard error says when they lag behind the log). With the embedded
store the read models live in a server's memory: the command builds the
ones it needs from the log first, and the data directory can be opened by
one process at a time, so stop the server or ask its HTTP API instead.`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, reportUsage, map[string]subcommand{
		"indicators": reportIndicators,
		"attendance": reportAttendance,
	})
}

// indicatorHelp explains each indicator in one line.
func indicatorHelp() string {
	var b strings.Builder
	for _, ind := range report.IndicatorNames {
		fmt.Fprintf(&b, "  %-17s %s\n", ind, report.IndicatorDescriptions[ind])
	}
	return b.String()
}

func reportIndicators(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("report indicators", `Print the Interreg indicators per country and month for the months --from
(inclusive) to --to (exclusive): with --format csv (the default) the rows
indicator,country,month,value, each indicator followed by its totals per
country (month "total"), per month (country "total") and overall; with
--format json one document {"from", "to", "project", "indicators": [{
"indicator", "description", "total", "subjects", "by_country", "by_month",
"figures": [{"country", "month", "value", "subjects"}]}]}.

--evidence lists the events behind every figure instead: in CSV one row per
event (indicator,country,month,value,subject,position,stream_id,type,at,
note; the values of a figure's rows add up to the figure), in JSON every
figure with its "evidence".

Indicators:
`+indicatorHelp()+`
A subject counts once, in the month (and country) of its first evidence, as
on the dashboard (GET /v1/stats). The country is empty for subjects of no
known country (online meetings). --project keeps what the meetings and
exchange visits with that project reference count; an organisation counts
toward RCO87 of a project from its first evidence in it.

Over HTTP: GET /v1/reports/indicators?from=…&to=…&project=…&format=csv and
GET /v1/reports/indicators/evidence?indicator=…&country=…&month=….

`+reportStoreNote, stderr)
	var sf storeFlags
	sf.register(f)
	var from, to, project, format string
	var withEvidence bool
	f.StringVar(&from, "from", "", "first month of the report, YYYY-MM (required)")
	f.StringVar(&to, "to", "", "month after the last month of the report, YYYY-MM (required)")
	f.StringVar(&project, "project", "", "only the meetings and exchange visits of this project reference")
	f.StringVar(&format, "format", "csv", "csv or json")
	f.BoolVar(&withEvidence, "evidence", false, "list the events behind every figure")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := requireFlags(f, map[string]string{"from": from, "to": to}); err != nil {
		return err
	}
	if err := checkFormat(format, "csv", "json"); err != nil {
		return err
	}
	q := report.Query{From: from, To: to, Project: project}
	if err := q.Validate(); err != nil {
		return reportFlagError(err)
	}
	s, err := openReportStore(ctx, sf, stderr, "GET /v1/reports/indicators?from="+from+"&to="+to, projections.NewStats())
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := report.Indicators(ctx, report.Source{Events: s, Reads: s.reads}, q)
	if err != nil {
		return reportFlagError(err)
	}
	switch {
	case format == "json" && withEvidence:
		return writeIndented(stdout, rep)
	case format == "json":
		return writeIndented(stdout, rep.WithoutEvidence())
	case withEvidence:
		return report.WriteEvidenceCSV(stdout, rep.Evidence())
	}
	return report.WriteFiguresCSV(stdout, rep)
}

func reportAttendance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("report attendance", `Print the attendance list of a meeting: one row per participant of every
registration, in the order the registrations were made, with
registration_id, organisation_id, organisation_name, country, participant
(the name, "[erased]" once the person's data was erased), position,
status (pending_approval, registered, waitlisted, cancelled, rejected,
checked_in, no_show) and checked_in_at. --format csv (the default) prints
a header row first; --format json one document with the meeting's title,
times, project reference and the rows as "items".

Over HTTP: GET /v1/meetings/{id}/attendance?format=csv.

`+reportStoreNote, stderr)
	var sf storeFlags
	sf.register(f)
	var meeting, format string
	f.StringVar(&meeting, "meeting", "", "the meeting's id (required)")
	f.StringVar(&format, "format", "csv", "csv or json")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := requireFlags(f, map[string]string{"meeting": meeting}); err != nil {
		return err
	}
	if err := checkFormat(format, "csv", "json"); err != nil {
		return err
	}
	s, err := openReportStore(ctx, sf, stderr, "GET /v1/meetings/"+meeting+"/attendance", projections.NewRosters())
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := report.MeetingAttendance(ctx, report.Source{Events: s, Reads: s.reads}, meeting)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeIndented(stdout, a)
	}
	return report.WriteAttendanceCSV(stdout, a)
}

// requireFlags is a usage error naming the first flag (sorted) whose value
// is empty.
func requireFlags(f *flags, values map[string]string) error {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if values[n] == "" {
			fmt.Fprintf(f.Output(), "--%s is required\n", n)
			f.Usage()
			return errUsage
		}
	}
	return nil
}

// checkFormat is a usage error unless format is one of allowed.
func checkFormat(format string, allowed ...string) error {
	if !slices.Contains(allowed, format) {
		return fmt.Errorf("%w: --format %q: want %s", errUsage, format, strings.Join(allowed, " or "))
	}
	return nil
}

// reportFlagError turns the validation errors of a report, which name
// parameters ("from", "to"), into a usage error naming the flags.
func reportFlagError(err error) error {
	var es domain.ValidationErrors
	if errors.As(err, &es) {
		msgs := make([]string, len(es))
		for i, e := range es {
			msgs[i] = fmt.Sprintf("--%s %q: %s", strings.ReplaceAll(e.Field, "_", "-"), e.Value, e.Reason)
		}
		return fmt.Errorf("%w: %s", errUsage, strings.Join(msgs, "; "))
	}
	return flagError(err)
}

// openReportStore opens the store for reading (no migrations) with the
// read models of ps: built in memory from the log for the embedded store;
// read from their tables otherwise, with a warning on stderr for each that
// lags behind the log. httpHint is the HTTP request that answers the same
// while a server holds the embedded store.
func openReportStore(ctx context.Context, sf storeFlags, stderr io.Writer, httpHint string, ps ...projections.Projection) (*openedStore, error) {
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
		return nil, fmt.Errorf("%w\nthe embedded store can be opened by one process at a time: stop the server, or ask its HTTP API with a coordinator or auditor token (%s)", err, httpHint)
	}
	if err != nil {
		return nil, err
	}
	if s.kind == "embedded" {
		if len(ps) == 0 {
			return s, nil
		}
		if _, err := projections.Rebuild(ctx, s, s.reads, ps, nil); err != nil {
			s.Close()
			return nil, fmt.Errorf("build the read models from the log: %w", err)
		}
		return s, nil
	}
	states, err := s.reads.Projections(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, p := range ps {
		cp := domain.Start
		for _, st := range states {
			if st.Name == p.Name() {
				cp = st.Checkpoint
			}
		}
		lag, err := projections.MeasureLag(ctx, s, cp, statusLagLimit, time.Now())
		if err != nil {
			s.Close()
			return nil, err
		}
		if lag.Events > 0 {
			n := groupDigits(int64(lag.Events))
			if lag.Capped {
				n = "more than " + n
			}
			fmt.Fprintf(stderr, "warning: the read model %q is %s events behind the log: the report may miss recent changes (is a server running? \"nisa projections rebuild %s\" catches it up)\n", p.Name(), n, p.Name())
		}
	}
	return s, nil
}

// writeIndented writes v as indented JSON.
func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
