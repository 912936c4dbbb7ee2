package eventstoretest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Environment variables that turn a test binary into a durability child.
const (
	envChild  = "NISA_DURABILITY_CHILD"
	envTarget = "NISA_DURABILITY_TARGET"
)

// Opener opens the store at target: a data directory, a database URL, …
// The same target must reach the same data from another process.
type Opener func(ctx context.Context, target string) (domain.EventStore, error)

// Durability configures RunDurability.
type Durability struct {
	// Target is where the store keeps its data; it must be empty and ready
	// to open (for PostgreSQL: migrated).
	Target string
	// Open opens the store at Target; the child process uses it too.
	Open Opener
	// Cycles is the number of kill -9 and reopen rounds (default 4).
	Cycles int
	// Writers is the number of concurrent appenders in the child (default 8).
	Writers int
}

// ack is one line the child prints after an append was acknowledged.
type ack struct {
	Stream  string           `json:"stream"`
	Version uint64           `json:"version"`
	IDs     []domain.EventID `json:"ids"`
}

// durablePayload is the body of every event of the durability test: each
// event names its append and the append's size, so a partial append shows.
type durablePayload struct {
	Append domain.EventID `json:"append"`
	Index  int            `json:"index"`
	Count  int            `json:"count"`
}

// DurabilityChild must be called at the top of TestMain of every package
// that calls RunDurability. In a normal test run it returns at once; in the
// child process started by RunDurability it opens the store with open,
// appends under load until it is killed, and never returns.
func DurabilityChild(open Opener) {
	if os.Getenv(envChild) != "1" {
		return
	}
	ctx := context.Background()
	s, err := open(ctx, os.Getenv(envTarget))
	if err != nil {
		fmt.Fprintln(os.Stderr, "durability child: open:", err)
		os.Exit(3)
	}
	writers := 8
	fmt.Sscan(os.Getenv(envChild+"_WRITERS"), &writers)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for w := range writers {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
			for {
				stream := fmt.Sprintf("durable-%d-%d", w, rng.IntN(4))
				n := 1 + rng.IntN(8)
				appendID := domain.NewEventID()
				evs := make([]domain.EventData, n)
				for i := range evs {
					data, _ := json.Marshal(durablePayload{Append: appendID, Index: i, Count: n})
					evs[i] = domain.EventData{ID: domain.NewEventID(), Type: "DurabilityProbe", SchemaVersion: 1, Data: data, Actor: "test"}
				}
				if i := rng.IntN(3); i > 0 {
					evs[0].ID = appendID // some appends use the append id as their first event id
				}
				res, err := s.Append(ctx, stream, domain.Any, evs)
				if err != nil {
					fmt.Fprintln(os.Stderr, "durability child: append:", err)
					os.Exit(4)
				}
				line, _ := json.Marshal(ack{Stream: stream, Version: res.Version, IDs: idsOf(evs)})
				mu.Lock()
				out.Write(append(line, '\n'))
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	select {}
}

func idsOf(evs []domain.EventData) []domain.EventID {
	ids := make([]domain.EventID, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

// RunDurability starts a child process (this test binary, see
// DurabilityChild) that appends under load, kill -9s it at a random moment,
// reopens the store and checks that every append acknowledged before the
// kill is present and complete, and that no append is visible in part. It
// repeats that for d.Cycles rounds on the same data.
func RunDurability(t *testing.T, d Durability) {
	if d.Cycles <= 0 {
		d.Cycles = 4
	}
	if d.Writers <= 0 {
		d.Writers = 8
	}
	var acked []ack
	for cycle := range d.Cycles {
		lines := runChild(t, d, cycle)
		acked = append(acked, lines...)
		verify(t, d, acked, cycle)
		if t.Failed() {
			return
		}
	}
}

// runChild runs one child until a random kill and returns its acks.
func runChild(t *testing.T, d Durability, cycle int) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envTarget+"="+d.Target, fmt.Sprintf("%s_WRITERS=%d", envChild, d.Writers))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []ack
	var mu sync.Mutex
	first := make(chan struct{})
	readDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			var a ack
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				continue // a line cut by the kill: not acknowledged to us
			}
			mu.Lock()
			acks = append(acks, a)
			mu.Unlock()
			once.Do(func() { close(first) })
		}
		readDone <- sc.Err()
	}()
	select {
	case <-first:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("cycle %d: the child acknowledged nothing within 60s", cycle)
	}
	time.Sleep(time.Duration(50+rand.IntN(700)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("cycle %d: kill: %v", cycle, err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("cycle %d: child did not die of SIGKILL: %v", cycle, err)
	}
	if err := <-readDone; err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
		t.Logf("cycle %d: reading child output: %v", cycle, err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("cycle %d: child killed after %d acknowledged appends", cycle, len(acks))
	return acks
}

// verify reopens the store and checks every ack and every append's wholeness.
func verify(t *testing.T, d Durability, acked []ack, cycle int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := d.Open(ctx, d.Target)
	if err != nil {
		t.Fatalf("cycle %d: reopen after kill: %v", cycle, err)
	}
	defer s.Close()
	var log []domain.Event
	for pos := domain.Start; ; {
		page, err := s.ReadAll(ctx, pos, 5000)
		if err != nil {
			t.Fatalf("cycle %d: read all: %v", cycle, err)
		}
		if len(page) == 0 {
			break
		}
		log = append(log, page...)
		pos = page[len(page)-1].Position
	}
	byID := make(map[domain.EventID]domain.Event, len(log))
	groups := map[domain.EventID][]durablePayload{}
	for _, ev := range log {
		byID[ev.ID] = ev
		var p durablePayload
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			t.Fatalf("cycle %d: event %s has a damaged body: %v", cycle, ev.ID, err)
		}
		groups[p.Append] = append(groups[p.Append], p)
	}
	for _, a := range acked {
		for i, id := range a.IDs {
			ev, ok := byID[id]
			want := a.Version - uint64(len(a.IDs)-1-i)
			switch {
			case !ok:
				t.Errorf("cycle %d: acknowledged event %s (%s v%d) is missing after kill -9", cycle, id, a.Stream, want)
			case ev.StreamID != a.Stream || ev.StreamVersion != want:
				t.Errorf("cycle %d: acknowledged event %s is at %s v%d, was acknowledged at %s v%d", cycle, id, ev.StreamID, ev.StreamVersion, a.Stream, want)
			}
		}
	}
	for appendID, parts := range groups {
		if len(parts) != parts[0].Count {
			t.Errorf("cycle %d: append %s is visible in part: %d of %d events", cycle, appendID, len(parts), parts[0].Count)
		}
	}
	checkLog(t, fmt.Sprintf("cycle %d log", cycle), log, len(log))
	t.Logf("cycle %d: %d events in the log, %d acknowledged appends all present, no partial append", cycle, len(log), len(acked))
}
