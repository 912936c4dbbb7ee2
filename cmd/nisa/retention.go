package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nisa-eu/nisa/adapters/report"
	"github.com/nisa-eu/nisa/domain"
)

const retentionUsage = `Usage:
  nisa retention report [--as-of YYYY-MM-DD] [--within DAYS] [--format table|csv|json] [flags]
                                     the retention periods of the records of every project

Run "nisa retention report --help" for its flags.`

func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, retentionUsage, map[string]subcommand{
		"report": retentionReport,
	})
}

func retentionReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("retention report", `List every project reference named by a meeting, an exchange visit or a
retention policy, with the funding programme, the last payment, whether it
is a state-aid case, the retention period, the day its records must be
kept until, the status as of --as-of and the records it covers (the
streams of its meetings and exchange visits).

The records of a project are kept until 31 December of the year of the
last payment plus the period: 5 years by default, 10 for state-aid cases,
or the years the policy sets. Statuses: "due" (the period ended before
--as-of), "due within N days" (it ends within --within days), "not due",
and "unknown" while no policy names the last payment (set one with
PUT /v1/retention/{ref}, as a coordinator or admin).

Nothing is deleted, by this command or when a period ends: the event log
stays whole and verifiable. Personal data in expired records is erased by
crypto-shredding ("nisa forget").

The report is computed from the event log itself (no read model), so it
works beside running PostgreSQL servers; with the embedded store the data
directory can be opened by one process at a time.`, stderr)
	var sf storeFlags
	sf.register(f)
	var asOf, format string
	var within int
	f.StringVar(&asOf, "as-of", time.Now().UTC().Format(time.DateOnly), "the day the statuses are computed for, YYYY-MM-DD")
	f.IntVar(&within, "within", 90, "days ahead that make a period \"due within\" (0: none)")
	f.StringVar(&format, "format", "table", "table, csv or json")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := checkFormat(format, "table", "csv", "json"); err != nil {
		return err
	}
	q := report.RetentionQuery{AsOf: asOf, WithinDays: within}
	if _, err := time.Parse(time.DateOnly, asOf); err != nil {
		return fmt.Errorf("%w: --as-of %q: not a date YYYY-MM-DD", errUsage, asOf)
	}
	if within < 0 {
		return fmt.Errorf("%w: --within %d: must be 0 or more days", errUsage, within)
	}
	s, err := openReportStore(ctx, sf, stderr, "GET /v1/retention/{ref} for one project")
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := report.RetentionOverview(ctx, s, q)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return flagError(err)
	}
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return writeIndented(stdout, rep)
	case "csv":
		return report.WriteRetentionCSV(stdout, rep)
	}
	fmt.Fprintf(stdout, "Retention of project records as of %s (\"due within\": %d days)\n\n", rep.AsOf, rep.WithinDays)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tPROGRAMME\tLAST PAYMENT\tSTATE AID\tPERIOD\tDUE ON\tSTATUS\tRECORDS")
	for _, r := range rep.Items {
		last, stateAid, period, due := r.LastPaymentOn, "no", dash(""), dash(r.DueOn)
		if r.Status == report.RetentionUnknown {
			last, stateAid = r.Hint, "-"
		}
		if r.StateAid {
			stateAid = "yes"
		}
		if r.PeriodYears != 0 {
			period = fmt.Sprintf("%d years", r.PeriodYears)
		}
		records := strings.Join(r.Records, ", ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ProjectReference, dash(r.FundingProgramme), last, stateAid, period, due,
			rep.StatusText(r), dash(records))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Items) == 0 {
		fmt.Fprintln(stdout, "(no meeting, exchange visit or retention policy names a project reference)")
	}
	fmt.Fprintf(stdout, "\n%s\n", rep.Note)
	return nil
}
