// Package memory is the read store of the embedded mode: a
// projections.Store that keeps every read model in Go maps and slices and
// is rebuilt from the event log at start-up.
//
// # Layout
//
// Every projection has generations (projections.Target); each generation
// holds its own read models: generic document collections, the search
// index of offers and organisations with its vocabulary, counters and
// evidence. A category of read models (a collection, the offers, the
// organisations, a counter metric, an evidence indicator) belongs to the
// projection that first wrote it; readers see the live generation of that
// owner, and a write by another projection is refused.
//
// # Writes
//
// Update takes the write lock for the whole batch. The Tx buffers its
// writes (reads through it see them) and applies them only when fn
// succeeds, so an error leaves nothing behind. Values are kept as given,
// without copying or a JSON round trip: Get and Doc return them as they
// are (decode them with projections.As).
//
// # Search
//
// The search index keeps an inverted index (term → sorted postings of
// offer or organisation slots, each with the fields the term is in), so a
// search touches only the postings of its terms; filters compare interned
// values; pages come from a bounded heap; facets are counted over every
// match. Replacing a document updates the postings of the terms that
// changed and nothing else. The vocabulary keeps reference-counted terms
// and a trigram → terms index for Vocabulary.
package memory
