package projections_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/demo"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// runnerEnv is an event store with the demo network and a way to open read
// stores on the same backend.
type runnerEnv struct {
	events    domain.EventStore
	openReads func(t *testing.T) projections.Store
}

func newRunnerEnv(t *testing.T, mode string) runnerEnv {
	t.Helper()
	ctx := context.Background()
	var env runnerEnv
	switch mode {
	case "memory":
		s, err := embedded.Open(t.TempDir(), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		env.events = s
		env.openReads = func(t *testing.T) projections.Store {
			rs := memory.New()
			t.Cleanup(func() { rs.Close() })
			return rs
		}
	case "postgres":
		url := pgtest.NewDatabase(t)
		s, err := postgres.Open(ctx, url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := postgres.Migrate(ctx, s.Pool(), nil); err != nil {
			t.Fatal(err)
		}
		env.events = s
		var shared projections.Store
		env.openReads = func(t *testing.T) projections.Store {
			// Every handle reads and writes the same tables, as two server
			// processes on one database do.
			rs, err := postgres.OpenReadStore(ctx, s.Pool())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rs.Close() })
			if shared == nil {
				shared = rs
			}
			return rs
		}
	}
	if _, err := demo.Seed(ctx, domain.NewCommands(env.events), time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	seedSubscriptions(t, env.events) // the demo network has none
	return env
}

// run runs a runner until it has caught up with the log, then stops it.
func runUntilCaughtUp(t *testing.T, r *projections.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	err := r.CatchUp(wctx)
	cancel()
	if rerr := <-done; rerr != nil {
		t.Fatalf("runner: %v", rerr)
	}
	if err != nil {
		t.Fatalf("catch up: %v (%+v)", err, r.Progress())
	}
}

func dumpAll(t *testing.T, rs projections.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range projections.All() {
		var buf bytes.Buffer
		if err := rs.Dump(context.Background(), p.Name(), func(line []byte) error {
			buf.Write(line)
			buf.WriteByte('\n')
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if buf.Len() == 0 {
			t.Fatalf("projection %s dumped nothing for the demo network", p.Name())
		}
		out[p.Name()] = buf.String()
	}
	return out
}

func compareDumps(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	for name, w := range want {
		if g := got[name]; g != w {
			t.Errorf("%s: projection %s differs (%d vs %d bytes)\n%s", what, name, len(w), len(g), firstDiff(w, g))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	for i := range min(len(al), len(bl)) {
		if !bytes.Equal(al[i], bl[i]) {
			return "want: " + string(al[i]) + "\n got: " + string(bl[i])
		}
	}
	return "one is a prefix of the other"
}

// flaky fails every Apply of one event type the first few times, and panics
// once: the runner must retry without applying anything twice.
type flaky struct {
	projections.Projection
	failures atomic.Int32
	panicked atomic.Bool
}

func (f *flaky) Apply(ctx context.Context, tx projections.Tx, ev domain.Event, p domain.Payload) error {
	if ev.Type == "MeetingRegistered" {
		if f.panicked.CompareAndSwap(false, true) {
			panic("flaky projection panics once")
		}
		if f.failures.Add(1) <= 3 {
			return errors.New("flaky projection fails")
		}
	}
	return f.Projection.Apply(ctx, tx, ev, p)
}

func TestRunner(t *testing.T) {
	for _, mode := range []string{"memory", "postgres"} {
		t.Run(mode, func(t *testing.T) {
			env := newRunnerEnv(t, mode)
			ctx := context.Background()

			// Live processing, interrupted and resumed, with a projection
			// that fails and panics on the way.
			live := env.openReads(t)
			ps := projections.All()
			for i, p := range ps {
				if p.Name() == "stats" {
					ps[i] = &flaky{Projection: p}
				}
			}
			r1, err := projections.NewRunner(projections.RunnerConfig{Events: env.events, Reads: live, Projections: ps, MaxBatch: 37})
			if err != nil {
				t.Fatal(err)
			}
			stopEarly, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- r1.Run(stopEarly) }()
			// Stop after some batches, wherever the runner is.
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if r1.Progress()[0].Events > 300 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			// A second runner on the same read store (a restarted process)
			// and, on PostgreSQL, a third one on another handle at the same
			// time (a second process).
			r2, err := projections.NewRunner(projections.RunnerConfig{Events: env.events, Reads: live})
			if err != nil {
				t.Fatal(err)
			}
			if mode == "postgres" {
				other := env.openReads(t)
				r3, err := projections.NewRunner(projections.RunnerConfig{Events: env.events, Reads: other, MaxBatch: 50})
				if err != nil {
					t.Fatal(err)
				}
				c3, stop3 := context.WithCancel(ctx)
				done3 := make(chan error, 1)
				go func() { done3 <- r3.Run(c3) }()
				defer func() {
					stop3()
					if err := <-done3; err != nil {
						t.Error(err)
					}
				}()
			}
			runUntilCaughtUp(t, r2)
			liveDump := dumpAll(t, live)

			// A fresh store built in one go must hold exactly the same.
			fresh := env.openReads(t)
			if mode == "postgres" {
				// Same tables: rebuild beside the live generation instead.
				rep, err := projections.Rebuild(ctx, env.events, fresh, projections.All(), nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, tg := range rep.Projections {
					if tg.Generation < 2 {
						t.Errorf("rebuild of %s promoted generation %d, want a new one", tg.Name, tg.Generation)
					}
				}
			} else {
				runUntilCaughtUp(t, mustRunner(t, env.events, fresh))
			}
			compareDumps(t, "live (interrupted, failing, concurrent) vs rebuilt", liveDump, dumpAll(t, fresh))

			states, err := fresh.Projections(ctx)
			if err != nil {
				t.Fatal(err)
			}
			head, _ := env.events.Head(ctx)
			for _, st := range states {
				if st.Checkpoint != head {
					t.Errorf("%s checkpoint %s, want the head %s", st.Name, st.Checkpoint, head)
				}
			}
		})
	}
}

func mustRunner(t *testing.T, events domain.EventStore, reads projections.Store) *projections.Runner {
	t.Helper()
	r, err := projections.NewRunner(projections.RunnerConfig{Events: events, Reads: reads})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRebuildWhileLive rebuilds a projection while a runner applies live
// events to the generation being replaced: readers switch to the new one,
// the live runner follows it, and nothing is lost.
func TestRebuildWhileLive(t *testing.T) {
	env := newRunnerEnv(t, "memory")
	ctx := context.Background()
	reads := env.openReads(t)
	r := mustRunner(t, env.events, reads)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if err := r.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	before := dumpAll(t, reads)
	rep, err := projections.Rebuild(ctx, env.events, reads, projections.All(), nil)
	if err != nil {
		t.Fatal(err)
	}
	compareDumps(t, "before vs after rebuild", before, dumpAll(t, reads))
	// New events after the switch reach the new generation through the
	// live runner.
	cmds := domain.NewCommands(env.events)
	sys := domain.System("test")
	org := "rebuild-test-org"
	if _, err := domain.Execute(ctx, cmds, domain.OrganisationKind, org, domain.Request{Actor: sys}, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterOrganisation{Profile: domain.OrganisationProfile{Name: "Nachbau GmbH", Kind: "sme", Country: "DE",
			Address: domain.Address{City: "Zittau", Country: "DE"}, Languages: []string{"de"}, Description: domain.Text{DE: "Neu"}}}.Decide(o, org, sys, now)
	}); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := r.CatchUp(wctx); err != nil {
		t.Fatalf("live runner did not follow the rebuilt generation: %v (%+v)", err, r.Progress())
	}
	doc, ok, err := reads.OrganisationByID(ctx, org)
	if err != nil || !ok {
		t.Fatalf("organisation registered after the rebuild is not in the read model (generation %d): %v", rep.Projections[0].Generation, err)
	}
	if doc.Name != "Nachbau GmbH" {
		t.Errorf("name %q", doc.Name)
	}
}
