// Package projections turns the global event log into read models (search,
// matching, rosters, dashboard figures). Projections are written once against
// a read-store interface and run on every read store: in memory for the
// embedded mode, PostgreSQL tables otherwise. They are fed by the event
// store's catch-up subscription (domain.EventStore.Subscribe) and keep a
// checkpoint: the domain.Position of the last event they applied.
package projections
