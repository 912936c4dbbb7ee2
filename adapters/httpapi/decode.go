package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// MaxBodyBytes is the largest request body accepted (413 beyond).
const MaxBodyBytes = 1 << 20

// readBody reads the request body up to MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(b) > MaxBodyBytes {
		return nil, newError(codeBodyTooLarge, fmt.Sprintf("the request body exceeds %d bytes", MaxBodyBytes))
	}
	return b, nil
}

// decodeJSON decodes a JSON request body into v strictly: the media type
// must be JSON, unknown fields are rejected, one document only, at most
// MaxBodyBytes. Errors name the offending place as a JSON pointer.
func decodeJSON(r *http.Request, body []byte, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return newError(codeUnsupportedMedia, fmt.Sprintf("Content-Type %q: send application/json", ct))
		}
	}
	return DecodeStrict(body, v)
}

// DecodeStrict decodes one JSON document into v, rejecting unknown fields
// and trailing data, and reports problems as validation errors with JSON
// pointers. It is the decoder of every command body (and the target of the
// fuzz tests).
func DecodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("/", "the request body is empty: send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return invalid("/", "the request body holds more than one JSON document")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ptErr *time.ParseError
	switch {
	case errors.As(err, &syn):
		return invalid("/", fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("/", "malformed JSON: the document ends too early")
	case errors.As(err, &typ):
		p := "/" + strings.ReplaceAll(typ.Field, ".", "/")
		return invalid(p, fmt.Sprintf("%s: expected %s, got JSON %s", p, typ.Type, typ.Value))
	case errors.As(err, &ptErr):
		return invalid("/", fmt.Sprintf("a time is not RFC 3339 (e.g. 2026-03-01T09:00:00+01:00): %q", ptErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return invalid("/"+name, fmt.Sprintf("unknown field %q", name))
	}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return err
	}
	return invalid("/", "invalid JSON: "+err.Error())
}
