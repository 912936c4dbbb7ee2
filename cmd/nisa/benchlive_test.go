package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The live bench re-executes its binary as the client process; in a test
// that binary is the test binary, which runs the command here instead of
// the tests.
func init() {
	if os.Getenv(benchLiveChildEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
}

func TestBenchLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and a client process")
	}
	out := filepath.Join(t.TempDir(), "live.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "live", "--clients", "20", "--rate", "50", "--duration", "2s", "--drain", "20s", "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"change → client (end to end)", "deliveries:", "memory per idle connection: server"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Command string `json:"command"`
		Results []map[string]any
		Live    map[string]any `json:"live"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	live := rep.Live
	if live["clients"] != 20.0 || live["store"] != "embedded" || live["rate"] != 50.0 {
		t.Errorf("live summary %v", live)
	}
	changes, _ := live["changes"].(float64)
	if changes < 80 || live["failed_changes"] != 0.0 {
		t.Errorf("changes %v, failed %v; want about 100 in 2s at 50/s", live["changes"], live["failed_changes"])
	}
	if exp := live["deliveries_expected"]; exp != changes*20 || live["deliveries_received"] != exp || live["deliveries_missing"] != 0.0 {
		t.Errorf("deliveries: expected %v, received %v, missing %v (changes %v × 20 clients)", exp, live["deliveries_received"], live["deliveries_missing"], changes)
	}
	if p99, ok := live["p99_ms"].(float64); !ok || p99 <= 0 || live["max_ms"].(float64) < p99 {
		t.Errorf("p99 %v, max %v", live["p99_ms"], live["max_ms"])
	}
	if v, _ := live["server_bytes_per_idle_connection"].(float64); v <= 0 {
		t.Errorf("server memory per connection %v", live["server_bytes_per_idle_connection"])
	}
	names := map[string]map[string]any{}
	for _, r := range rep.Results {
		names[r["name"].(string)] = r
	}
	e2e, ok := names["ws_change_to_client"]
	if !ok {
		t.Fatalf("no ws_change_to_client result in %s", b)
	}
	if _, ok := e2e["p99_ms"]; !ok || e2e["events"] != changes*20 {
		t.Errorf("ws_change_to_client %v", e2e)
	}
	if c := names["ws_connect"]; c == nil || c["events"] != 20.0 {
		t.Errorf("ws_connect %v", c)
	}
}
