package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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

func openControl(dataDir string, cmds *domain.Commands, log *slog.Logger) (*controlServer, error) {
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

// controlCreateToken asks the server running on dataDir to create a token.
func controlCreateToken(ctx context.Context, dataDir string, req tokenRequest) (tokenResponse, error) {
	path := filepath.Join(dataDir, controlSocketName)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}, Timeout: 30 * time.Second}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, "POST", "http://nisa/tokens", bytes.NewReader(body))
	if err != nil {
		return tokenResponse{}, err
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("the data directory %s is in use by a running server, and its control socket does not answer: %w", dataDir, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return tokenResponse{}, errors.New(string(bytes.TrimSpace(buf.Bytes())))
	}
	var out tokenResponse
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		return tokenResponse{}, err
	}
	return out, nil
}
