package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/nisa-eu/nisa/domain"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[string]int{
	domain.CodeInvalid:     http.StatusBadRequest,
	domain.CodeNotFound:    http.StatusNotFound,
	domain.CodeConflict:    http.StatusConflict,
	domain.CodeDuplicateID: http.StatusConflict,
	domain.CodeUnavailable: http.StatusServiceUnavailable,
	domain.CodeInternal:    http.StatusInternalServerError,
	codeRouteNotFound:      http.StatusNotFound,
	codeNotReady:           http.StatusServiceUnavailable,
}

const (
	codeRouteNotFound = "route_not_found"
	codeNotReady      = "not_ready"
)

// Problem is an RFC 9457 problem details document with nisa's stable code.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
	// Field names the offending input field of a validation error.
	Field string `json:"field,omitempty"`
}

// writeError answers with the problem that err stands for. Server faults are
// logged; client errors are not.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := domain.ErrorCode(err)
	p := Problem{Code: code, Detail: err.Error()}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		p.Field = ve.Field
	}
	if code == domain.CodeInternal {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "an internal error occurred; it has been logged"
	}
	writeProblem(w, p)
}

// writeProblem fills in type, title and status from the code and writes p.
func writeProblem(w http.ResponseWriter, p Problem) {
	p.Status = statusByCode[p.Code]
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	p.Type = "https://nisa.dev/problems/" + p.Code
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
