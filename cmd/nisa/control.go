package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/domain"
)

// The control socket lets operator commands reach a running server that
// holds the embedded store (which one process at a time may open). It is a
// unix socket in the data directory, readable and writable by the owner
// only: file permissions are its authentication.
const controlSocketName = "control.sock"

// tokenRequest is what "nisa token create" asks for.
type tokenRequest struct {
	Role  domain.Role `json:"role"`
	OrgID string      `json:"organisation_id,omitempty"`
	Label string      `json:"label,omitempty"`
}

// tokenResponse is the created token with its bearer string.
type tokenResponse struct {
	Token  domain.Token `json:"token"`
	Bearer string       `json:"bearer"`
}

// controlServer serves the control socket of a running server.
type controlServer struct {
	srv  *http.Server
	path string
}

func openControl(dataDir string, store *openedStore, log *slog.Logger) (*controlServer, error) {
	cmds, reads := domain.NewCommands(store), store.reads
	path := filepath.Join(dataDir, controlSocketName)
	_ = os.Remove(path) // a stale socket of a killed server; the store's lock proves we are alone
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tokens", func(w http.ResponseWriter, r *http.Request) {
		var req tokenRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		t, bearer, err := httpapi.CreateToken(r.Context(), cmds, domain.System("cli"), req.Role, req.OrgID, req.Label)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(tokenResponse{Token: t, Bearer: bearer})
	})
	mux.HandleFunc("POST /forget", serveForget(store))
	events := cmds.Store()
	mux.HandleFunc("GET /projections", func(w http.ResponseWriter, r *http.Request) {
		rows, err := projectionStatus(r.Context(), events, reads)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(statusJSON(rows))
	})
	mux.HandleFunc("POST /projections/rebuild", func(w http.ResponseWriter, r *http.Request) {
		ps, err := selectProjections(r.URL.Query()["name"])
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fw := flushWriter{w: w}
		if err := runRebuild(r.Context(), events, reads, ps, "embedded", fw, r.URL.Query().Get("tty") == "1"); err != nil {
			fmt.Fprintf(fw, "error: %v\n", err)
		}
	})
	c := &controlServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, path: path}
	go func() {
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("control socket stopped", "err", err)
		}
	}()
	return c, nil
}

func (c *controlServer) Close(ctx context.Context) error {
	err := c.srv.Shutdown(ctx)
	_ = os.Remove(c.path)
	return err
}

// flushWriter sends every write to the client at once (progress lines).
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// controlDo sends a request to the control socket of the server running on
// dataDir.
func controlDo(ctx context.Context, dataDir, method, path string, body io.Reader, timeout time.Duration) (*http.Response, error) {
	sock := filepath.Join(dataDir, controlSocketName)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}, Timeout: timeout}
	hreq, err := http.NewRequestWithContext(ctx, method, "http://nisa"+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("the data directory %s is in use by a running server, and its control socket does not answer: %w", dataDir, err)
	}
	return resp, nil
}

// controlJSON sends a request to the control socket of the server running
// on dataDir and decodes its JSON answer; any other status is an error
// carrying the server's message.
func controlJSON[T any](ctx context.Context, dataDir, method, path string, body io.Reader, timeout time.Duration) (T, error) {
	var out T
	resp, err := controlDo(ctx, dataDir, method, path, body, timeout)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return out, errors.New(string(bytes.TrimSpace(buf.Bytes())))
	}
	return out, json.Unmarshal(buf.Bytes(), &out)
}

// controlStatus asks the server running on dataDir for its projections.
func controlStatus(ctx context.Context, dataDir string) ([]statusRow, error) {
	return controlJSON[[]statusRow](ctx, dataDir, "GET", "/projections", nil, 30*time.Second)
}

// controlRebuild asks the server running on dataDir to rebuild projections
// and copies its progress to w.
func controlRebuild(ctx context.Context, dataDir string, names []string, w io.Writer, tty bool) error {
	q := url.Values{"name": names}
	if tty {
		q.Set("tty", "1")
	}
	resp, err := controlDo(ctx, dataDir, "POST", "/projections/rebuild?"+q.Encode(), nil, 0)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var tail bytes.Buffer
	_, err = io.Copy(io.MultiWriter(w, &tail), resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(tail.Bytes(), []byte("\nerror: ")) || bytes.HasPrefix(tail.Bytes(), []byte("error: ")) {
		return errors.New("rebuild failed")
	}
	return nil
}

// controlCreateToken asks the server running on dataDir to create a token.
func controlCreateToken(ctx context.Context, dataDir string, req tokenRequest) (tokenResponse, error) {
	body, _ := json.Marshal(req)
	return controlJSON[tokenResponse](ctx, dataDir, "POST", "/tokens", bytes.NewReader(body), 30*time.Second)
}
