package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nisa-eu/nisa/domain"
)

// Codes of the HTTP layer itself, beside the domain's codes.
const (
	codeRouteNotFound     = "route_not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeNotReady          = "not_ready"
	codeBodyTooLarge      = "body_too_large"
	codeUnsupportedMedia  = "unsupported_media_type"
	codeIdempotencyReused = "idempotency_key_reused"
	codeInProgress        = "request_in_progress"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[string]int{
	domain.CodeInvalid:            http.StatusBadRequest,
	domain.CodeUnauthenticated:    http.StatusUnauthorized,
	domain.CodeForbidden:          http.StatusForbidden,
	domain.CodeNotFound:           http.StatusNotFound,
	domain.CodeConflict:           http.StatusConflict,
	domain.CodeDuplicateID:        http.StatusConflict,
	domain.CodeInvalidState:       http.StatusConflict,
	domain.CodePreconditionFailed: http.StatusPreconditionFailed,
	domain.CodeUnavailable:        http.StatusServiceUnavailable,
	domain.CodeInternal:           http.StatusInternalServerError,
	codeRouteNotFound:             http.StatusNotFound,
	codeMethodNotAllowed:          http.StatusMethodNotAllowed,
	codeNotReady:                  http.StatusServiceUnavailable,
	codeBodyTooLarge:              http.StatusRequestEntityTooLarge,
	codeUnsupportedMedia:          http.StatusUnsupportedMediaType,
	codeIdempotencyReused:         http.StatusUnprocessableEntity,
	codeInProgress:                http.StatusConflict,
}

// Problem is an RFC 9457 problem details document with nisa's stable code.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
	// Errors lists every invalid input of a validation error.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError is one invalid input: a JSON pointer (RFC 6901) into the
// request body (or "/query/<name>", "/header/<name>") and what is wrong.
type FieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

// httpError is an error the HTTP layer raises with its own code.
type httpError struct {
	code   string
	detail string
	fields []FieldError
}

func (e *httpError) Error() string { return e.detail }

func newError(code, detail string, fields ...FieldError) error {
	return &httpError{code: code, detail: detail, fields: fields}
}

// invalid returns a validation error on one pointer.
func invalid(pointer, detail string) error {
	return newError(domain.CodeInvalid, detail, FieldError{Pointer: pointer, Detail: detail})
}

// pointer turns a domain field path ("contacts.0.email") into a JSON
// pointer ("/contacts/0/email").
func pointer(field string) string {
	if strings.HasPrefix(field, "/") {
		return field
	}
	field = strings.NewReplacer("[", ".", "]", "").Replace(field)
	return "/" + strings.ReplaceAll(field, ".", "/")
}

// writeError answers with the problem that err stands for. Server faults are
// logged with the request id; client errors are not.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var p Problem
	var he *httpError
	if errors.As(err, &he) {
		p = Problem{Code: he.code, Detail: he.detail, Errors: he.fields}
	} else {
		p = Problem{Code: domain.ErrorCode(err), Detail: err.Error()}
		var ves domain.ValidationErrors
		var ve *domain.ValidationError
		switch {
		case errors.As(err, &ves):
			for _, e := range ves {
				p.Errors = append(p.Errors, FieldError{Pointer: pointer(e.Field), Detail: e.Error()})
			}
		case errors.As(err, &ve):
			p.Errors = []FieldError{{Pointer: pointer(ve.Field), Detail: ve.Error()}}
		}
	}
	if p.Code == domain.CodeInternal {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "request_id", w.Header().Get("X-Request-Id"), "err", err)
		p.Detail = "an internal error occurred; it has been logged with request id " + w.Header().Get("X-Request-Id")
	}
	if p.Code == domain.CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nisa"`)
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
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p Problem) { _ = json.NewEncoder(w).Encode(p) }
