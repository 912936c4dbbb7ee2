package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// statusRow is one line of "nisa projections status".
type statusRow struct {
	Name               string          `json:"name"`
	Generation         int64           `json:"generation"`
	Checkpoint         domain.Position `json:"checkpoint"`
	LagEvents          int             `json:"lag_events"`
	LagCapped          bool            `json:"lag_capped,omitempty"`
	LagSeconds         float64         `json:"lag_seconds"`
	Building           int64           `json:"building,omitempty"`
	BuildingCheckpoint domain.Position `json:"building_checkpoint,omitzero"`
}

const statusLagLimit = 1_000_000

// projectionStatus reports every projection of reads with its lag behind
// the log of events.
func projectionStatus(ctx context.Context, events domain.EventStore, reads projections.Store) ([]statusRow, error) {
	states, err := reads.Projections(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var rows []statusRow
	for _, st := range states {
		lag, err := projections.MeasureLag(ctx, events, st.Checkpoint, statusLagLimit, now)
		if err != nil {
			return nil, err
		}
		rows = append(rows, statusRow{Name: st.Name, Generation: st.Generation, Checkpoint: st.Checkpoint,
			LagEvents: lag.Events, LagCapped: lag.Capped, LagSeconds: lag.Seconds,
			Building: st.Building, BuildingCheckpoint: st.BuildingCheckpoint})
	}
	return rows, nil
}

func printStatus(w io.Writer, rows []statusRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECTION\tGENERATION\tCHECKPOINT\tLAG (EVENTS)\tLAG (SECONDS)\tREBUILDING")
	for _, r := range rows {
		lag := groupDigits(int64(r.LagEvents))
		if r.LagCapped {
			lag = "> " + lag
		}
		building := "-"
		if r.Building != 0 {
			building = fmt.Sprintf("generation %d at %s", r.Building, r.BuildingCheckpoint)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.3f\t%s\n", r.Name, r.Generation, r.Checkpoint, lag, r.LagSeconds, building)
	}
	tw.Flush()
}

// selectProjections returns the projections named, all when none; an
// unknown name is a usage error that lists the known ones.
func selectProjections(names []string) ([]projections.Projection, error) {
	all := projections.All()
	if len(names) == 0 {
		return all, nil
	}
	known := projectionNames()
	var out []projections.Projection
	for _, n := range names {
		i := slices.Index(known, n)
		if i < 0 {
			return nil, fmt.Errorf("%w: no projection named %q (known: %s)", errUsage, n, strings.Join(known, ", "))
		}
		if !slices.ContainsFunc(out, func(p projections.Projection) bool { return p.Name() == n }) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// runRebuild rebuilds ps and reports progress and the outcome on w.
func runRebuild(ctx context.Context, events domain.EventStore, reads projections.Store, ps []projections.Projection, kind string, w io.Writer, tty bool) error {
	head, err := events.Head(ctx)
	if err != nil {
		return err
	}
	var total int64
	if kind != "esdb" { // positions count events on the embedded store and (nearly) on PostgreSQL
		total = int64(head.Commit) * int64(len(ps))
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name())
	}
	bar := newProgressBar(w, "rebuild "+strings.Join(names, ", "), total, tty)
	rep, err := projections.Rebuild(ctx, events, reads, ps, func(_ string, n int) { bar.Add(int64(n)) })
	bar.Done()
	if err != nil {
		return err
	}
	for _, t := range rep.Projections {
		fmt.Fprintf(w, "%s: generation %d is live (caught up to %s)\n", t.Name, t.Generation, rep.Head)
	}
	return nil
}

func runProjections(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("projections", `Inspect and rebuild the read models.

  nisa projections status [flags]            every projection: generation, checkpoint, lag in events and seconds
  nisa projections rebuild [NAME…] [flags]   rebuild the named projections (all when none)

A rebuild fills a new generation beside the live one from the whole log and
switches readers over once it has caught up, so nobody sees a half-built
read model; a running server keeps serving the old one until then.

With PostgreSQL (or EventStoreDB) the read models are tables and both
commands work while servers run. With the embedded store the read models
live in the memory of the server, rebuilt at every start: the commands talk
to the running server through the control socket in the data directory, and
without a running server "rebuild" measures a full rebuild in memory.

Projections: `+strings.Join(projectionNames(), ", "), stderr)
	var sf storeFlags
	sf.register(f)
	// nisa projections (status | rebuild [NAME…]) [flags]
	rest := []string{}
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		rest, args = append(rest, args[0]), args[1:]
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if len(rest) == 0 || (rest[0] != "status" && rest[0] != "rebuild") {
		f.Usage()
		return fmt.Errorf("%w: want \"status\" or \"rebuild\"", errUsage)
	}
	if rest[0] == "status" && len(rest) > 1 {
		return fmt.Errorf("%w: status takes no arguments", errUsage)
	}
	ps, err := selectProjections(rest[1:])
	if err != nil {
		return err
	}
	log, err := sf.logger(io.Discard)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, sf, true, log)
	if errors.Is(err, embedded.ErrLocked) {
		if rest[0] == "status" {
			rows, err := controlStatus(ctx, sf.DataDir)
			if err != nil {
				return err
			}
			printStatus(stdout, rows)
			return nil
		}
		return controlRebuild(ctx, sf.DataDir, rest[1:], stdout, isTerminal(stdout))
	}
	if err != nil {
		return err
	}
	defer s.Close()
	switch {
	case rest[0] == "status" && s.kind == "embedded":
		head, err := s.Head(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "no server runs on %s: the embedded read models live in a server's memory and are rebuilt from the %s events of the log at its start\n", sf.DataDir, groupDigits(int64(head.Commit)))
		return nil
	case rest[0] == "status":
		rows, err := projectionStatus(ctx, s, s.reads)
		if err != nil {
			return err
		}
		printStatus(stdout, rows)
		return nil
	}
	if s.kind == "embedded" {
		fmt.Fprintln(stdout, "no server runs on this data directory: measuring a full rebuild in memory (a server rebuilds at every start)")
	}
	return runRebuild(ctx, s, s.reads, ps, s.kind, stdout, isTerminal(stdout))
}

func projectionNames() []string {
	var out []string
	for _, p := range projections.All() {
		out = append(out, p.Name())
	}
	return out
}

// statusJSON encodes status rows for the control socket.
func statusJSON(rows []statusRow) []byte {
	b, _ := json.Marshal(rows)
	return b
}
