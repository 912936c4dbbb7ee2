package demo

import (
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// savedSearchCount is how many organisations of the demo network keep a
// saved search (a match alert).
const savedSearchCount = 24

// planSavedSearches lets the first organisations with sectors save a search
// for offers of their first sector from the other side of the border, as a
// partner would. No webhooks: the demo must not call out.
func (s *seeder) planSavedSearches() []step {
	var steps []step
	at := s.now.Add(-30 * 24 * time.Hour)
	for _, o := range s.orgs {
		if len(steps) == savedSearchCount {
			break
		}
		if len(o.sectors) == 0 || len(o.sectors[0].nace) == 0 {
			continue
		}
		var countries []string
		for _, c := range []string{"DE", "PL", "CZ"} {
			if c != o.country {
				countries = append(countries, c)
			}
		}
		id := id("saved_search", len(steps)+1)
		cmd := domain.CreateSavedSearch{
			OrgID: o.id, Name: "Partners across the border: " + o.sectors[0].key,
			Filters:  domain.SearchFilters{NACE: o.sectors[0].nace[:1], Countries: countries},
			MinScore: 30,
		}
		actor := partner(o)
		steps = append(steps, step{at, id, func(at time.Time) error {
			_, err := execute(s, domain.SavedSearchKind, id, actor, at, "save a search", func(st domain.SavedSearch, _ uint64, now time.Time) ([]domain.Payload, error) {
				return cmd.Decide(st, id, actor, now)
			})
			return err
		}})
	}
	return steps
}
