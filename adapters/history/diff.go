package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Change operations.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// Change is one difference between two JSON documents: at Path (an RFC 6901
// JSON pointer; "" is the whole document) a member or element was added
// (To), removed (From) or replaced (From → To).
type Change struct {
	Path string `json:"path"`
	// Op is add, remove or replace.
	Op string `json:"op"`
	// From is the old value (remove, replace).
	From any `json:"from,omitempty"`
	// To is the new value (add, replace).
	To any `json:"to,omitempty"`
}

// MarshalJSON writes from for remove and replace and to for add and
// replace, even when the value is null.
func (c Change) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"path":`)
	p, _ := json.Marshal(c.Path)
	b.Write(p)
	b.WriteString(`,"op":`)
	o, _ := json.Marshal(c.Op)
	b.Write(o)
	if c.Op != OpAdd {
		v, err := json.Marshal(c.From)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"from":`)
		b.Write(v)
	}
	if c.Op != OpRemove {
		v, err := json.Marshal(c.To)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"to":`)
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// DiffJSON compares two JSON documents and returns their differences.
// Objects are compared member by member; arrays element by element by
// index, the longer array's extra elements being added or removed; any
// other difference (another value, another type) replaces the value. The
// changes come in document order: object members by name (byte order),
// array elements by index.
func DiffJSON(a, b []byte) ([]Change, error) {
	va, err := decode(a)
	if err != nil {
		return nil, fmt.Errorf("history: diff: old document: %w", err)
	}
	vb, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("history: diff: new document: %w", err)
	}
	return Diff(va, vb), nil
}

// decode decodes a JSON document keeping numbers as written
// (json.Number), so that large integers survive a diff unchanged.
func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// Diff compares two decoded JSON values (nil, bool, float64 or json.Number,
// string, []any, map[string]any) like DiffJSON.
func Diff(a, b any) []Change {
	changes := []Change{}
	diff("", a, b, &changes)
	return changes
}

func diff(path string, a, b any, out *[]Change) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, dup := x[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "/" + EscapePointer(k)
			va, inA := x[k]
			vb, inB := y[k]
			switch {
			case !inB:
				*out = append(*out, Change{Path: p, Op: OpRemove, From: va})
			case !inA:
				*out = append(*out, Change{Path: p, Op: OpAdd, To: vb})
			default:
				diff(p, va, vb, out)
			}
		}
		return
	case []any:
		y, ok := b.([]any)
		if !ok {
			break
		}
		for i := 0; i < max(len(x), len(y)); i++ {
			p := path + "/" + strconv.Itoa(i)
			switch {
			case i >= len(y):
				*out = append(*out, Change{Path: p, Op: OpRemove, From: x[i]})
			case i >= len(x):
				*out = append(*out, Change{Path: p, Op: OpAdd, To: y[i]})
			default:
				diff(p, x[i], y[i], out)
			}
		}
		return
	}
	if !equal(a, b) {
		switch {
		case a == nil && path == "":
			// Nothing before (the aggregate did not exist yet).
			*out = append(*out, Change{Path: path, Op: OpAdd, To: b})
		case b == nil && path == "":
			*out = append(*out, Change{Path: path, Op: OpRemove, From: a})
		default:
			*out = append(*out, Change{Path: path, Op: OpReplace, From: a, To: b})
		}
	}
}

// equal compares two decoded JSON values. Numbers are equal when they
// denote the same number (1 and 1.0).
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number, float64:
		na, okA := number(a)
		nb, okB := number(b)
		return okA && okB && na == nb
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// number returns the canonical text of a JSON number, so that 1, 1.0 and
// 1e0 compare equal while integers beyond float64 precision still compare
// exactly.
func number(v any) (string, bool) {
	switch n := v.(type) {
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64), true
	case json.Number:
		s := n.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return strconv.FormatInt(i, 10), true
			}
			return strings.TrimPrefix(s, "+"), true
		}
		f, err := n.Float64()
		if err != nil {
			return s, true
		}
		return strconv.FormatFloat(f, 'g', -1, 64), true
	}
	return "", false
}

// EscapePointer escapes one reference token of a JSON pointer (RFC 6901):
// "~" as "~0" and "/" as "~1".
func EscapePointer(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}
