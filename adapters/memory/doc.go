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
// The Tx of an Update buffers its writes (reads through it see them) and
// applies them only when fn succeeds, so an error leaves nothing behind.
// fn runs without the store's lock: the Updates of one generation take
// turns, and a generation's read models change only when one of its
// batches commits, so fn reads them undisturbed while queries and the
// other projections go on. Only the commit takes the write lock, after
// checking again that the generation is still live or being built and
// that what the batch writes was not claimed by another projection
// meanwhile. Values are kept as given,
// without copying or a JSON round trip: Get and Doc return them as they
// are (decode them with projections.As).
//
// # Search
//
// The search index keeps an inverted index (term → postings of offer or
// organisation slots, each with the fields the term is in), so a search
// touches only the postings of its terms, scoring into per-slot
// accumulators with the arithmetic of projections.Score. Filters and
// facets work on numbered combinations of a document's values (kind,
// category, status, country; partnership types, languages, sections as
// masks), so most filters are one table lookup and facets one counter per
// combination; pages come from a bounded heap. A large search splits its
// slots between two goroutines. Replacing a document updates the postings
// of the terms that changed and nothing else (postings are unordered, so
// removing one moves the last posting into its place). The vocabulary
// keeps reference-counted terms and a trigram → terms index for
// Vocabulary.
package memory
