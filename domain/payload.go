package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
)

// Payload is the body of a domain event decided by an aggregate:
// OrganisationRegistered, OfferPublished, … Every payload type returns a
// constant, stable type name from EventType; the stored name never derives
// from the Go type name, so renaming a struct cannot rename stored events.
type Payload interface {
	EventType() string
}

// Upcaster turns the JSON body of an event at schema version n into the body
// at version n+1.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

type eventKind struct {
	name     string
	version  int
	decode   func([]byte) (Payload, error)
	upcaster map[int]Upcaster // from version → next version
}

var registry = struct {
	sync.RWMutex
	kinds map[string]*eventKind
}{kinds: map[string]*eventKind{}}

// RegisterEvent records payload type P under its EventType name with its
// current schema version. Aggregates call it from init. It panics on a
// second registration of the same name.
func RegisterEvent[P Payload](version int) {
	var zero P
	name := zero.EventType()
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.kinds[name]; dup {
		panic("domain: event type registered twice: " + name)
	}
	if version < 1 {
		panic("domain: schema version must be 1 or more: " + name)
	}
	registry.kinds[name] = &eventKind{
		name:    name,
		version: version,
		// Decoding uses the JSON v2 implementation (the future
		// encoding/json/v2): about three times faster than encoding/json
		// for our payloads, and decoding is most of a rebuild's work.
		// Payloads are encoded by Encode with exact member names, so v2's
		// case-sensitive matching and its rejection of duplicate names and
		// invalid UTF-8 only refuse what Encode never writes.
		decode: func(b []byte) (Payload, error) {
			var p P
			if err := jsonv2.Unmarshal(b, &p); err != nil {
				return nil, err
			}
			return p, nil
		},
		upcaster: map[int]Upcaster{},
	}
}

// RegisterUpcaster registers the step that turns event type name at schema
// version from into version from+1. The chain must reach the current
// version: Decode fails loudly on a gap.
func RegisterUpcaster(name string, from int, up Upcaster) {
	registry.Lock()
	defer registry.Unlock()
	k, ok := registry.kinds[name]
	if !ok {
		panic("domain: upcaster for unregistered event type " + name)
	}
	k.upcaster[from] = up
}

// EventTypes returns the registered event type names, sorted.
func EventTypes() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.kinds))
	for n := range registry.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SchemaVersion returns the current schema version of an event type.
func SchemaVersion(name string) (int, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := registry.kinds[name]
	if !ok {
		return 0, false
	}
	return k.version, true
}

// Encode turns a payload into the type, schema version and body of an
// EventData. It fails for a payload type that was never registered.
func Encode(p Payload) (EventData, error) {
	registry.RLock()
	k, ok := registry.kinds[p.EventType()]
	registry.RUnlock()
	if !ok {
		return EventData{}, fmt.Errorf("domain: event type %q is not registered", p.EventType())
	}
	data, err := json.Marshal(p)
	if err != nil {
		return EventData{}, fmt.Errorf("domain: encode %s: %w", k.name, err)
	}
	return EventData{Type: k.name, SchemaVersion: k.version, Data: data}, nil
}

// Decode turns a stored event into its payload, upcasting older schema
// versions step by step to the current one.
func Decode(ev Event) (Payload, error) {
	registry.RLock()
	k, ok := registry.kinds[ev.Type]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("domain: event %s (%s v%d): unknown event type %q", ev.ID, ev.StreamID, ev.StreamVersion, ev.Type)
	}
	data := ev.Data
	if ev.SchemaVersion > k.version {
		return nil, fmt.Errorf("domain: event %s: %s schema version %d is newer than this build knows (%d)", ev.ID, ev.Type, ev.SchemaVersion, k.version)
	}
	for v := ev.SchemaVersion; v < k.version; v++ {
		up, ok := k.upcaster[v]
		if !ok {
			return nil, fmt.Errorf("domain: event %s: no upcaster for %s from schema version %d", ev.ID, ev.Type, v)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, fmt.Errorf("domain: event %s: upcast %s v%d: %w", ev.ID, ev.Type, v, err)
		}
	}
	p, err := k.decode(data)
	if err != nil {
		return nil, fmt.Errorf("domain: event %s: decode %s: %w", ev.ID, ev.Type, err)
	}
	return p, nil
}
