package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nisa-eu/nisa/adapters/live"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
)

// natsURL is the NATS server of the fan-out test (NISA_TEST_NATS_URL).
func natsURL() string {
	if u := os.Getenv("NISA_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// serverProcess is a "nisa serve" process started by a test.
type serverProcess struct {
	url  string
	cmd  *exec.Cmd
	logs *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer starts the binary with args and waits until it is ready.
func startServer(t *testing.T, bin string, args ...string) *serverProcess {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:" + port, "--data-dir", t.TempDir()}, args...)...)
	p := &serverProcess{url: "http://127.0.0.1:" + port, cmd: cmd, logs: &syncBuffer{}}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("server exited before it was ready; logs:\n%s", p.logs)
		default:
		}
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready within 30s; logs:\n%s", p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoProcesses starts two real server processes on one PostgreSQL
// database: a change made through process A reaches a websocket client of
// process B — through PostgreSQL's own notifications, and again with NATS
// configured for fan-out.
func TestTwoProcesses(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "nisa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, mode := range []string{"postgres", "nats"} {
		t.Run(mode, func(t *testing.T) {
			db := pgtest.NewDatabase(t)
			args := []string{"--store", db}
			if mode == "nats" {
				conn, err := net.DialTimeout("tcp", strings.TrimPrefix(natsURL(), "nats://"), 2*time.Second)
				if err != nil {
					if os.Getenv("CI") == "true" {
						t.Fatalf("NATS at %s: %v", natsURL(), err)
					}
					t.Skipf("NATS at %s unreachable (%v); set NISA_TEST_NATS_URL", natsURL(), err)
				}
				conn.Close()
				args = append(args, "--fanout", natsURL())
			}
			a := startServer(t, bin, args...)
			b := startServer(t, bin, args...)
			admin, code, stderr := tokenCreate(t, "--role", "admin", "--store", db)
			if code != 0 {
				t.Fatalf("token create: %s", stderr)
			}

			h := http.Header{"Authorization": {"Bearer " + admin}}
			ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(b.url, "http")+"/v1/ws", h)
			if err != nil {
				t.Fatalf("dial B: %v; logs:\n%s", err, b.logs)
			}
			defer ws.Close()
			read := func() live.ServerMessage {
				t.Helper()
				_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
				var m live.ServerMessage
				if err := ws.ReadJSON(&m); err != nil {
					t.Fatalf("read from B: %v; logs of B:\n%s", err, b.logs)
				}
				return m
			}
			if m := read(); m.Type != "welcome" {
				t.Fatalf("welcome: %+v", m)
			}
			if err := ws.WriteJSON(map[string]any{"type": "subscribe", "channel": "activity"}); err != nil {
				t.Fatal(err)
			}
			for m := read(); m.Type != "caught_up"; m = read() {
			}

			body, _ := json.Marshal(map[string]any{"name": "Kovo s.r.o.", "kind": "sme", "country": "CZ",
				"address": map[string]any{"city": "Liberec", "country": "CZ"}, "languages": []string{"cs"}, "description": map[string]any{"cs": "Kovovýroba"}})
			req, _ := http.NewRequestWithContext(context.Background(), "POST", a.url+"/v1/organisations", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+admin)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var created map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&created)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				t.Fatalf("create through A: %d %v", resp.StatusCode, created)
			}
			for {
				m := read()
				if m.Type == "event" && m.Event.Type == "OrganisationRegistered" {
					if m.Event.StreamID != "organisation-"+created["id"].(string) {
						t.Fatalf("B pushed %s, A created %v", m.Event.StreamID, created["id"])
					}
					break
				}
			}
			if mode == "nats" && !strings.Contains(b.logs.String(), "fan-out through NATS") {
				t.Errorf("B does not report NATS fan-out; logs:\n%s", b.logs)
			}
		})
	}
}
