package projections

// All returns every projection of nisa, new instances in a fixed order:
// the catalogue (search index and matching), the meeting rosters, the
// exchange visit overviews, the organisations' timelines, the
// dashboard statistics with the Interreg indicators and the
// organisations' subscriptions (saved searches, webhooks). The Runner runs
// these unless told otherwise; rebuilds and read stores rely on the names
// staying the same.
func All() []Projection {
	return []Projection{
		NewCatalogue(),
		NewRosters(),
		NewVisits(),
		NewTimeline(),
		NewStats(),
		NewSubscriptions(),
	}
}
