package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/nisa-eu/nisa/domain"
)

// openAPI builds the OpenAPI 3.1 document from the route table: the same
// table the router is built from. Schemas are reflected from the Go types
// the handlers decode and encode.
func (a *API) openAPI() map[string]any {
	ref := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true, Mapper: schemaFor}
	schema := func(v any) any {
		s := ref.Reflect(v)
		s.Version = ""
		return s
	}
	problem := map[string]any{"description": "problem details (RFC 9457) with a stable code",
		"content": map[string]any{"application/problem+json": map[string]any{"schema": schema(Problem{})}}}
	paths := map[string]map[string]any{}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, rt := range a.routes {
		var content map[string]any
		if rt.resp != nil {
			content = map[string]any{"application/json": map[string]any{"schema": schema(rt.resp)}}
		} else {
			// A file: a bundle or a CSV export.
			media := rt.media
			if media == "" {
				media = "application/octet-stream"
			}
			content = map[string]any{media: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		}
		op := map[string]any{
			"operationId": rt.op,
			"summary":     rt.summary,
			"description": "Who may call it: " + rt.who + ".",
			"responses": map[string]any{
				strconv.Itoa(rt.status): map[string]any{"description": "success", "content": content},
				"default":               problem,
			},
		}
		var params []any
		for _, m := range param.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if rt.method == "GET" && strings.Count(rt.path, "{") > 0 && !strings.HasSuffix(rt.path, "/events") && !rt.readModel {
			params = append(params, map[string]any{"name": "as_of", "in": "query", "description": "RFC 3339 time: the state as it was then", "schema": map[string]any{"type": "string", "format": "date-time"}})
		}
		if rt.method == "POST" || rt.method == "PUT" || rt.method == "DELETE" {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "description": "expected version (the ETag of a read); 412 on mismatch", "schema": map[string]any{"type": "string"}})
		}
		if rt.method == "POST" {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "makes a retry safe: the same key and body return the first response", "schema": map[string]any{"type": "string", "maxLength": 200}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.body != nil {
			op["requestBody"] = map[string]any{"required": !rt.optional,
				"content": map[string]any{"application/json": map[string]any{"schema": schema(rt.body)}}}
		}
		if !rt.public {
			op["security"] = []any{map[string]any{"bearer": []any{}}}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "nisa API",
			"version":     "1",
			"description": "Event-sourced collaboration backend for cross-border cooperation networks. Reads return the aggregate version as ETag; send it as If-Match to change exactly that version.",
		},
		"paths": paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "nisa_<id>_<secret>, created with nisa token create"},
		}},
	}
}

// schemaFor maps types whose JSON form is not their Go structure.
func schemaFor(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeOf(domain.Position{}):
		return &jsonschema.Schema{Type: "string", Description: `global log position: "N" or "COMMIT:PREPARE"`}
	case reflect.TypeOf(domain.EventID{}):
		return &jsonschema.Schema{Type: "string", Format: "uuid"}
	case reflect.TypeOf(json.RawMessage{}):
		return &jsonschema.Schema{Description: "any JSON document"}
	}
	return nil
}

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	a.docOnce.Do(func() {
		a.doc, _ = json.MarshalIndent(a.openAPI(), "", "  ")
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(a.doc)
}

// Operations lists "METHOD path" of every documented operation, sorted.
func (a *API) Operations() []string {
	var ops []string
	for _, rt := range a.routes {
		ops = append(ops, rt.method+" "+rt.path)
	}
	sort.Strings(ops)
	return ops
}
