package history

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestDiffJSON(t *testing.T) {
	cases := []struct {
		name, a, b string
		want       string // the changes as JSON
	}{
		{"equal", `{"a":1,"b":[1,2],"c":{"d":null}}`, `{"c":{"d":null},"b":[1,2],"a":1}`, `[]`},
		{"numbers by value", `{"n":1}`, `{"n":1.0}`, `[]`},
		{"big integers exactly", `{"n":12345678901234567890}`, `{"n":12345678901234567891}`,
			`[{"path":"/n","op":"replace","from":12345678901234567890,"to":12345678901234567891}]`},
		{"replace a member", `{"profile":{"name":"Alpha GmbH","city":"Görlitz"}}`, `{"profile":{"name":"Alpha AG","city":"Görlitz"}}`,
			`[{"path":"/profile/name","op":"replace","from":"Alpha GmbH","to":"Alpha AG"}]`},
		{"add and remove members", `{"a":1,"b":2}`, `{"b":2,"c":3}`,
			`[{"path":"/a","op":"remove","from":1},{"path":"/c","op":"add","to":3}]`},
		{"null values are written", `{"a":null,"b":1}`, `{"a":1,"b":null}`,
			`[{"path":"/a","op":"replace","from":null,"to":1},{"path":"/b","op":"replace","from":1,"to":null}]`},
		{"added null", `{}`, `{"x":null}`, `[{"path":"/x","op":"add","to":null}]`},
		{"arrays by index, longer", `{"s":["a","b"]}`, `{"s":["a","c","d"]}`,
			`[{"path":"/s/1","op":"replace","from":"b","to":"c"},{"path":"/s/2","op":"add","to":"d"}]`},
		{"arrays by index, shorter", `{"s":["a","b","c"]}`, `{"s":["a"]}`,
			`[{"path":"/s/1","op":"remove","from":"b"},{"path":"/s/2","op":"remove","from":"c"}]`},
		{"nested in arrays", `{"c":[{"n":"x","e":"x@a.de"}]}`, `{"c":[{"n":"x","e":"y@a.de"}]}`,
			`[{"path":"/c/0/e","op":"replace","from":"x@a.de","to":"y@a.de"}]`},
		{"type change", `{"a":{"b":1}}`, `{"a":[1]}`, `[{"path":"/a","op":"replace","from":{"b":1},"to":[1]}]`},
		{"pointer escaping", `{"a/b":1,"m~n":1}`, `{"a/b":2,"m~n":2}`,
			`[{"path":"/a~1b","op":"replace","from":1,"to":2},{"path":"/m~0n","op":"replace","from":1,"to":2}]`},
		{"empty key", `{"":1}`, `{"":2}`, `[{"path":"/","op":"replace","from":1,"to":2}]`},
		{"from nothing", `null`, `{"a":1}`, `[{"path":"","op":"add","to":{"a":1}}]`},
		{"to nothing", `{"a":1}`, `null`, `[{"path":"","op":"remove","from":{"a":1}}]`},
		{"scalar documents", `"x"`, `"y"`, `[{"path":"","op":"replace","from":"x","to":"y"}]`},
		{"null member to object", `{"a":null}`, `{"a":{"b":1}}`, `[{"path":"/a","op":"replace","from":null,"to":{"b":1}}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changes, err := DiffJSON([]byte(c.a), []byte(c.b))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(changes)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("diff %s → %s\n got  %s\n want %s", c.a, c.b, got, c.want)
			}
		})
	}
	if _, err := DiffJSON([]byte(`{`), []byte(`{}`)); err == nil {
		t.Error("invalid JSON was diffed")
	}
	if _, err := DiffJSON([]byte(`{} {}`), []byte(`{}`)); err == nil {
		t.Error("two documents were diffed as one")
	}
}

// TestDiffAppliesBack checks on bigger documents that the changes, applied
// to the old document, give the new one, and that they come in document
// order (members by name, elements by index).
func TestDiffAppliesBack(t *testing.T) {
	a := `{"id":"o1","profile":{"name":"Alpha","sectors":["C25","C28","M72"],"contacts":[{"name":"Ewa","email":"e@a.pl"},{"name":"Jan"}],"description":{"de":"Fräsen","pl":"Frezowanie"}},"status":"active","members":[1,2,3,4,5,6,7,8,9,10,11,12]}`
	b := `{"id":"o1","profile":{"name":"Alpha AG","sectors":["C25"],"contacts":[{"name":"Ewa","email":"ewa@a.pl","phone":"+48"}],"description":{"de":"Fräsen","cs":"Frézování"}},"status":"verified","members":[1,2,3,4,5,6,7,8,9,10,11,13,14],"verified_at":"2026-03-01T10:00:00Z"}`
	changes, err := DiffJSON([]byte(a), []byte(b))
	if err != nil {
		t.Fatal(err)
	}
	var doc, want any
	json.Unmarshal([]byte(a), &doc)
	json.Unmarshal([]byte(b), &want)
	// Apply removals from the end so that array indices stay valid.
	for i := len(changes) - 1; i >= 0; i-- {
		if changes[i].Op == OpRemove {
			doc = apply(t, doc, changes[i])
		}
	}
	for _, c := range changes {
		if c.Op != OpRemove {
			doc = apply(t, doc, c)
		}
	}
	if got, _ := json.Marshal(doc); !equal(doc, want) {
		t.Errorf("applied changes give\n %s\nwant\n %s\nchanges %v", got, b, changes)
	}
	if !slices.IsSortedFunc(changes, func(x, y Change) int { return comparePointers(x.Path, y.Path) }) {
		t.Errorf("changes not in document order: %v", changes)
	}
	for _, c := range changes {
		if c.Path == "/members/9" || c.Path == "/id" {
			t.Errorf("unchanged %s reported", c.Path)
		}
	}
}

// comparePointers orders pointers segment by segment, numbers by value.
func comparePointers(a, b string) int {
	sa, sb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < min(len(sa), len(sb)); i++ {
		if sa[i] == sb[i] {
			continue
		}
		na, errA := strconv.Atoi(sa[i])
		nb, errB := strconv.Atoi(sb[i])
		if errA == nil && errB == nil {
			return na - nb
		}
		return strings.Compare(sa[i], sb[i])
	}
	return len(sa) - len(sb)
}

// apply applies one change to a decoded document (test helper: objects
// and arrays, no escaping beyond ~0 and ~1).
func apply(t *testing.T, doc any, c Change) any {
	t.Helper()
	if c.Path == "" {
		return plain(c.To)
	}
	segs := strings.Split(c.Path, "/")[1:]
	parent := doc
	for _, s := range segs[:len(segs)-1] {
		parent = child(t, parent, s)
	}
	last := strings.NewReplacer("~1", "/", "~0", "~").Replace(segs[len(segs)-1])
	switch p := parent.(type) {
	case map[string]any:
		if c.Op == OpRemove {
			delete(p, last)
		} else {
			p[last] = plain(c.To)
		}
	case []any:
		i, _ := strconv.Atoi(last)
		// Arrays are replaced in their parent: rebuild it.
		switch c.Op {
		case OpReplace:
			p[i] = plain(c.To)
		case OpAdd:
			if i != len(p) {
				t.Fatalf("add at %s: array has %d elements", c.Path, len(p))
			}
			return setAt(t, doc, segs[:len(segs)-1], append(p, plain(c.To)))
		case OpRemove:
			if i != len(p)-1 {
				t.Fatalf("remove at %s: not the last of %d elements", c.Path, len(p))
			}
			return setAt(t, doc, segs[:len(segs)-1], p[:i])
		}
	default:
		t.Fatalf("apply %v: parent is %T", c, parent)
	}
	return doc
}

func child(t *testing.T, v any, seg string) any {
	seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
	switch x := v.(type) {
	case map[string]any:
		return x[seg]
	case []any:
		i, _ := strconv.Atoi(seg)
		return x[i]
	}
	t.Fatalf("no %s in %T", seg, v)
	return nil
}

func setAt(t *testing.T, doc any, segs []string, v any) any {
	if len(segs) == 0 {
		return v
	}
	parent := doc
	for _, s := range segs[:len(segs)-1] {
		parent = child(t, parent, s)
	}
	last := segs[len(segs)-1]
	switch p := parent.(type) {
	case map[string]any:
		p[last] = v
	case []any:
		i, _ := strconv.Atoi(last)
		p[i] = v
	}
	return doc
}

// plain turns json.Number values into float64, like json.Unmarshal.
func plain(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}
