package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Store is a read store: it keeps the read models the projections write,
// each projection's checkpoint, and answers the queries of the API.
//
// Every projection has generations. Readers always see the live generation
// of a projection; a rebuild fills a new generation beside it and Promote
// switches readers over in one step, so nobody sees a half-built model.
//
// Implementations: adapters/memory (embedded mode: everything in memory,
// rebuilt from the log at start-up) and adapters/postgres (tables, one
// transaction per batch). Both run the contract suite in
// projections/readstoretest. All methods are safe for concurrent use.
type Store interface {
	Reader

	// Update applies one batch of projection p's events: the writes fn
	// makes through tx and the move of p's checkpoint from `from` to `to`
	// commit together or not at all. fn must not keep tx after it returns.
	//
	// If p's stored checkpoint is not `from`, nothing is written and
	// Update returns a *StaleError holding the stored checkpoint (another
	// process applied these events first). If p.Generation is neither the
	// live nor the building generation of p.Name, Update returns an error
	// matching ErrRetired. An error from fn is returned unchanged after
	// rolling back.
	Update(ctx context.Context, p Target, from, to domain.Position, fn func(tx Tx) error) error

	// Projections returns the state of every projection the store knows,
	// sorted by name.
	Projections(ctx context.Context) ([]State, error)

	// Live returns the live generation of projection name and its
	// checkpoint, creating generation 1 at domain.Start when the projection
	// is new.
	Live(ctx context.Context, name string) (Target, domain.Position, error)

	// StartRebuild creates a new, empty building generation of projection
	// name at checkpoint domain.Start and returns it. A building generation
	// left behind by an earlier rebuild is dropped first.
	StartRebuild(ctx context.Context, name string) (Target, error)

	// Promote makes the building generation t the live one in one step
	// and drops the read models of the generation it replaces. It returns
	// ErrRetired when t is not the building generation.
	Promote(ctx context.Context, t Target) error

	// Dump writes every read model of the live generation of projection
	// name in a canonical order as JSON lines (for comparing a rebuild
	// with live processing; checkpoints are not part of it). Lines come
	// in this order: generic docs by (coll, id), then offers by id, orgs
	// by id, counters by (metric, dim, value, month), evidence by
	// (indicator, position, subject). Each line is one JSON object
	// {"kind": "doc"|"offer"|"org"|"counter"|"evidence", "value": …}
	// (docs also carry "coll", "id", "keys", "sort"), canonicalised by
	// decoding into any and encoding again with encoding/json (sorted
	// object keys), so that every store dumps the same content the same.
	Dump(ctx context.Context, name string, emit func(line []byte) error) error

	// Close releases the store.
	Close() error
}

// Target names one generation of one projection.
type Target struct {
	Name       string `json:"name"`
	Generation int64  `json:"generation"`
}

// State is what Projections reports about one projection.
type State struct {
	Name string `json:"name"`
	// Generation is the live generation and Checkpoint its position.
	Generation int64           `json:"generation"`
	Checkpoint domain.Position `json:"checkpoint"`
	// UpdatedAt is when the checkpoint last moved (zero: never).
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Building is the generation a rebuild is filling (0: none) and
	// BuildingCheckpoint how far it got.
	Building           int64           `json:"building,omitempty"`
	BuildingCheckpoint domain.Position `json:"building_checkpoint,omitzero"`
}

// ErrRetired is returned for a generation that is no longer live or being
// built: a rebuild replaced it. A runner restarts from the live one.
var ErrRetired = errors.New("projections: generation retired")

// StaleError is returned by Update when the checkpoint moved on: another
// process applied the batch first.
type StaleError struct {
	Target     Target
	Checkpoint domain.Position
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("projections: %s generation %d is at %s, not where this batch starts", e.Target.Name, e.Target.Generation, e.Checkpoint)
}

// Tx is the write side of one Update: everything written through it
// belongs to the projection generation of that Update. Reads through Tx
// see the writes made earlier in the same Update.
//
// Values passed to Put… are owned by the store afterwards and must not be
// modified; values returned by Get… must be treated as read-only (copy a
// slice or map before changing it). The memory store keeps the values
// themselves, without copying.
type Tx interface {
	// Get finds document id of collection coll. The value is what Put
	// stored, or its JSON form (decode it with As).
	Get(ctx context.Context, coll, id string) (any, bool, error)
	// Put creates or replaces a document.
	Put(ctx context.Context, d Doc) error
	// Delete removes a document; a missing one is no error.
	Delete(ctx context.Context, coll, id string) error

	// Offer finds an offer of the search index.
	Offer(ctx context.Context, id string) (OfferDoc, bool, error)
	// PutOffer creates or replaces an offer of the search index.
	PutOffer(ctx context.Context, o OfferDoc) error
	// OffersOf lists the ids of the offers owned by organisation orgID.
	OffersOf(ctx context.Context, orgID string) ([]string, error)
	// Organisation finds an organisation of the search index.
	Organisation(ctx context.Context, id string) (OrgDoc, bool, error)
	// PutOrganisation creates or replaces an organisation of the search
	// index.
	PutOrganisation(ctx context.Context, o OrgDoc) error

	// Add adds delta to a counter (a counter starts at 0; one that comes
	// back to 0 may disappear from Counters).
	Add(ctx context.Context, c Counter, delta int64) error
	// AddEvidence records that an event counts toward an indicator. It
	// reports whether this is the first evidence for (Indicator, Subject).
	// Recording the same (Indicator, Subject, Position) again changes
	// nothing and reports false.
	AddEvidence(ctx context.Context, e Evidence) (first bool, err error)
}

// Doc is a document of a generic collection (meetings, visits, timeline,
// the projections' own bookkeeping).
type Doc struct {
	Coll string
	ID   string
	// Keys index the document for List: a document is listed under each
	// of its keys ("org:<id>", "status:scheduled", "all", …).
	Keys []string
	// Sort orders List, descending (then ID descending).
	Sort int64
	// Value is the document; it must marshal to a JSON object.
	Value any
}

// As returns a document value as T: the value itself when the store kept
// it, or decoded from its JSON form.
func As[T any](v any) (T, error) {
	switch x := v.(type) {
	case T:
		return x, nil
	case *T:
		return *x, nil
	case json.RawMessage:
		var t T
		err := json.Unmarshal(x, &t)
		return t, err
	case []byte:
		var t T
		err := json.Unmarshal(x, &t)
		return t, err
	}
	var t T
	return t, fmt.Errorf("projections: document is %T, not %T", v, t)
}

// Counter names one dashboard counter: Metric (e.g. "organisations")
// broken down by one dimension (Dim "country", Value "PL") and a month
// ("2026-11", "" for all time). Dim "" with Value "" is the total.
type Counter struct {
	Metric string `json:"metric"`
	Dim    string `json:"dim,omitempty"`
	Value  string `json:"value,omitempty"`
	Month  string `json:"month,omitempty"`
}

// CounterValue is a counter and its count.
type CounterValue struct {
	Counter
	N int64 `json:"n"`
}

// Evidence is one event that counts toward an Interreg indicator.
type Evidence struct {
	// Indicator is "RCO87", "RCO81", "RCO115" or "visits_completed".
	Indicator string `json:"indicator"`
	// Subject is what is counted: an organisation id (RCO87), a
	// registration or visit participation (RCO81), a meeting (RCO115).
	Subject  string          `json:"subject"`
	Country  string          `json:"country,omitempty"`
	Month    string          `json:"month"`
	Position domain.Position `json:"position"`
	StreamID string          `json:"stream_id"`
	Type     string          `json:"type"`
	At       time.Time       `json:"at"`
	// Note says why the event counts, for people.
	Note string `json:"note,omitempty"`
}

// Reader is the query side of a Store. Queries see the live generation of
// each projection.
type Reader interface {
	// Doc finds a document of a generic collection.
	Doc(ctx context.Context, coll, id string) (any, bool, error)
	// List lists documents of coll under key by Sort descending, then ID
	// descending, starting after cursor (empty: from the top). It returns
	// at most limit values and the cursor of the next page ("" at the end).
	List(ctx context.Context, coll, key, cursor string, limit int) ([]any, string, error)

	// SearchOffers and SearchOrganisations run a search (see SearchQuery).
	SearchOffers(ctx context.Context, q SearchQuery) (SearchResult[OfferDoc], error)
	SearchOrganisations(ctx context.Context, q SearchQuery) (SearchResult[OrgDoc], error)
	// Vocabulary returns indexed terms that could stand for a query token:
	// every indexed term that starts with token and every term whose
	// trigram similarity (Similarity) with token is at least minSim, at
	// most limit of them (most similar first). Plan scores them.
	Vocabulary(ctx context.Context, token string, minSim float64, limit int) ([]string, error)

	// OfferByID and OrganisationByID read one document of the search index.
	OfferByID(ctx context.Context, id string) (OfferDoc, bool, error)
	OrganisationByID(ctx context.Context, id string) (OrgDoc, bool, error)
	// OfferCandidates returns published offers (OfferDoc.Status "published") of
	// kind q.Kind that share a NACE code with q.Codes (OfferDoc.Codes
	// overlap), newest PublishedAt first, at most q.Limit, leaving out
	// q.ExcludeOwner's offers and q.ExcludeID.
	OfferCandidates(ctx context.Context, q CandidateQuery) ([]OfferDoc, error)
	// OrganisationCandidates returns active organisations whose Codes
	// overlap q.Codes, most recently registered first, at most q.Limit,
	// leaving out q.ExcludeOwner (q.Kind is ignored).
	OrganisationCandidates(ctx context.Context, q CandidateQuery) ([]OrgDoc, error)

	// Counters returns the counters of metric (all metrics when ""),
	// sorted by metric, dim, value, month.
	Counters(ctx context.Context, metric string) ([]CounterValue, error)
	// Evidence lists the evidence of an indicator by position, after
	// position `after`, at most limit.
	Evidence(ctx context.Context, indicator string, after domain.Position, limit int) ([]Evidence, error)
}

// CandidateQuery selects candidates for matching.
type CandidateQuery struct {
	Kind         string
	Codes        []string
	ExcludeOwner string
	ExcludeID    string
	Limit        int
}
