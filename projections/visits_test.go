package projections_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

func visitIDs(h *harness, key string) []string {
	h.t.Helper()
	var out []string
	for _, v := range listAs[projections.VisitOverview](h, projections.VisitCollection, key) {
		out = append(out, v.ID)
	}
	return out
}

func TestVisits(t *testing.T) {
	h := newHarness(t, projections.NewVisits())
	h.registerOrg("de1", "Hochschule Zittau/Görlitz", "DE", "DED2D", "85")
	h.registerOrg("pl1", "Uniwersytet Wrocławski", "PL", "PL514", "85")
	h.registerOrg("de2", "Landratsamt Görlitz", "DE", "DED2D", "84")

	const project = "PLSN.02.01-IP.01-0001/23"
	proposedAt := h.now
	h.proposeVisit("v1", "de1", "pl1", 2, 10, project)
	h.sync()
	v := docAs[projections.VisitOverview](h, projections.VisitCollection, "v1")
	want := projections.VisitOverview{ID: "v1", Type: "staff_exchange",
		GuestOrgID: "de1", GuestName: "Hochschule Zittau/Görlitz", GuestCountry: "DE",
		HostOrgID: "pl1", HostName: "Uniwersytet Wrocławski", HostCountry: "PL", Participants: 2,
		StartDate: "2026-11-12", EndDate: "2026-11-14", Languages: []string{"en", "de"},
		FundingProgramme: "Interreg Polska – Saksonia 2021–2027", ProjectReference: project,
		Status: "proposed", ProposedAt: proposedAt, JointProjects: []string{}, CrossBorder: true, UpdatedAt: proposedAt, Version: 1}
	if !equalJSON(t, v, want) {
		t.Errorf("proposed visit:\n got  %+v\n want %+v", v, want)
	}

	// Accepted, scheduled on other dates, completed with joint projects.
	h.atDay(1)
	h.visitCmd("v1", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.AcceptVisit{}.Decide(v, a, now)
	})
	h.sync()
	if v := docAs[projections.VisitOverview](h, projections.VisitCollection, "v1"); v.Status != "accepted" || !v.DecidedAt.Equal(h.now) || v.Version != 2 {
		t.Errorf("accepted visit: %+v", v)
	}
	h.atDay(2)
	scheduledAt := h.now
	h.visitCmd("v1", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ScheduleVisit{StartDate: "2026-11-16", EndDate: "2026-11-20"}.Decide(v, a, now)
	})
	h.now = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)
	h.visitCmd("v1", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.CompleteVisit{Report: domain.VisitReport{Outcomes: domain.Text{EN: "Joint curriculum agreed."},
			JointProjects: []domain.VisitJointProject{{Title: "Cross-border summer school"}, {Title: "Joint lab for materials", Partners: []string{"de1", "pl1"}}}}}.Decide(v, a, now)
	})
	h.sync()
	v = docAs[projections.VisitOverview](h, projections.VisitCollection, "v1")
	if v.Status != "completed" || v.StartDate != "2026-11-16" || v.EndDate != "2026-11-20" || !v.ScheduledAt.Equal(scheduledAt) ||
		!v.CompletedAt.Equal(h.now) || !v.UpdatedAt.Equal(h.now) || v.Version != 4 || !v.ProposedAt.Equal(proposedAt) ||
		!slices.Equal(v.JointProjects, []string{"Cross-border summer school", "Joint lab for materials"}) {
		t.Errorf("completed visit: %+v", v)
	}

	// A visit within one country, declined; a visit to an organisation
	// registered only later; a cancelled one.
	h.atDay(3)
	h.proposeVisit("v2", "de1", "de2", 1, 5, "")
	h.proposeVisit("v3", "pl1", "later", 3, 5, project)
	h.atDay(4)
	h.visitCmd("v2", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DeclineVisit{Reason: "No capacity this month."}.Decide(v, a, now)
	})
	h.sync()
	v = docAs[projections.VisitOverview](h, projections.VisitCollection, "v2")
	if v.Status != "declined" || v.CrossBorder || v.DecisionReason != "No capacity this month." || !v.DecidedAt.Equal(h.now) {
		t.Errorf("declined visit: %+v", v)
	}
	v = docAs[projections.VisitOverview](h, projections.VisitCollection, "v3")
	if v.HostName != "" || v.HostCountry != "" || v.CrossBorder {
		t.Errorf("visit to an unknown host: %+v", v)
	}
	h.registerOrg("later", "Technická univerzita v Liberci", "CZ", "CZ051", "85")
	h.atDay(5)
	h.visitCmd("v3", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.CancelVisit{Reason: "Funding not granted."}.Decide(v, a, now)
	})
	h.sync()
	v = docAs[projections.VisitOverview](h, projections.VisitCollection, "v3")
	if v.HostName != "Technická univerzita v Liberci" || v.HostCountry != "CZ" || !v.CrossBorder || v.Status != "cancelled" ||
		v.CancellationReason != "Funding not granted." || !v.CancelledAt.Equal(h.now) || v.Participants != 3 {
		t.Errorf("cancelled visit: %+v", v)
	}

	for key, want := range map[string][]string{
		"all":                {"v3", "v2", "v1"},
		"org:de1":            {"v2", "v1"},
		"org:pl1":            {"v3", "v1"},
		"org:later":          {"v3"},
		"country:DE":         {"v2", "v1"},
		"country:PL":         {"v3", "v1"},
		"country:CZ":         {"v3"},
		"project:" + project: {"v3", "v1"},
		"status:completed":   {"v1"},
		"status:declined":    {"v2"},
		"status:proposed":    nil,
	} {
		if got := visitIDs(h, key); !slices.Equal(got, want) {
			t.Errorf("list %s = %v, want %v", key, got, want)
		}
	}

	// An organisation that moves to another country makes its visits
	// cross-border and moves them to the new country's list.
	h.updateOrg("de2", func(p *domain.OrganisationProfile) { p.Country, p.NUTS, p.Address.Country = "PL", "PL51", "PL" })
	h.sync()
	v = docAs[projections.VisitOverview](h, projections.VisitCollection, "v2")
	if !v.CrossBorder || v.HostCountry != "PL" || v.Version != 2 {
		t.Errorf("after the host moved: %+v", v)
	}
	if got := visitIDs(h, "country:PL"); !slices.Equal(got, []string{"v3", "v2", "v1"}) {
		t.Errorf("country:PL = %v", got)
	}

	// Participants are counted, never named.
	for _, id := range []string{"v1", "v2", "v3"} {
		b, _ := json.Marshal(docAs[projections.VisitOverview](h, projections.VisitCollection, id))
		if strings.Contains(string(b), "Visitor") {
			t.Errorf("visit %s holds personal data: %s", id, b)
		}
	}

	h.checkRebuild(50)
}

// equalJSON reports whether a and b encode to the same JSON.
func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
