package live

import (
	"context"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// OrganisationsFrom returns an OrgLookup over the organisations of the
// search read model.
func OrganisationsFrom(r projections.Reader) OrgLookup {
	return func(ctx context.Context, id string) (string, []string, bool) {
		d, ok, err := r.OrganisationByID(ctx, id)
		if err != nil || !ok {
			return "", nil, false
		}
		return d.Country, d.Codes, true
	}
}

// StatsPositionOf returns the checkpoint of the runner's stats projection:
// the position the figures reflect.
func StatsPositionOf(r *projections.Runner) func() domain.Position {
	return func() domain.Position {
		for _, p := range r.Progress() {
			if p.Name == projections.StatsName {
				return p.Checkpoint
			}
		}
		return domain.Start
	}
}
