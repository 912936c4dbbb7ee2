package projections_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// timelineOf returns the timeline of organisation org, oldest first, and
// checks that List gives it newest first by position.
func timelineOf(h *harness, org string) []projections.TimelineEntry {
	h.t.Helper()
	es := listAs[projections.TimelineEntry](h, projections.TimelineCollection, "org:"+org)
	for i := 1; i < len(es); i++ {
		if !es[i].Position.Less(es[i-1].Position) {
			h.t.Errorf("timeline of %s: entry %d at %s comes after one at %s", org, i, es[i].Position, es[i-1].Position)
		}
	}
	slices.Reverse(es)
	return es
}

// line describes an entry for comparison: "Type role other: summary".
func line(e projections.TimelineEntry) string {
	s := e.Type + " " + e.Role
	if e.OtherOrgID != "" {
		s += " " + e.OtherOrgID
	}
	return s + ": " + e.Summary
}

func TestTimeline(t *testing.T) {
	h := newHarness(t, projections.NewTimeline())
	h.registerOrg("a", "Sächsische Metallbau GmbH", "DE", "DED2D", "25.62")
	h.registerOrg("b", "Dolnośląskie Narzędzia Sp. z o.o.", "PL", "PL51", "25")
	h.updateOrg("a", func(p *domain.OrganisationProfile) { p.Website = "https://metallbau.example" })

	h.atDay(1)
	h.draftOffer("o1", "a", "offer", "Laser cutting", "25.62")
	h.publishOffer("o1")
	h.draftOffer("o2", "b", "request", "Supplier of castings", "24.5")
	h.publishOffer("o2")
	h.expressInterest("o1", "i1", "b")
	h.acceptInterest("o1", "i1")
	h.expressInterest("o2", "i2", "a")
	h.offerCmd("o2", func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DeclineInterest{InterestID: "i2", Reason: "We found a supplier."}.Decide(o, a, now)
	})

	start := harnessStart.AddDate(0, 0, 20)
	d := meetingDetails("Metal workshop", start, 10, false)
	h.scheduleMeeting("m", d)
	h.register("m", "ra", "a", 2)
	h.register("m", "rb", "b", 1)
	h.regCmd("m", domain.CancelRegistration{RegistrationID: "ra"})
	d.Start, d.End = start.Add(time.Hour), start.Add(4*time.Hour)
	h.regCmd("m", domain.RescheduleMeeting{Details: d})
	h.regCmd("m", domain.CancelMeeting{Reason: "Speaker ill."})

	h.proposeVisit("v", "a", "b", 2, 10, "")
	h.runVisit("v", domain.VisitStatusAccepted)
	h.visitCmd("v", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.CancelVisit{Reason: "Plans changed."}.Decide(v, a, now)
	})
	h.sync()

	checkTimeline := func(org string, want []string) {
		t.Helper()
		es := timelineOf(h, org)
		var got []string
		for _, e := range es {
			got = append(got, line(e))
			if e.OrgID != org || e.ID != projections.TimelineEntryID(org, e.Position) || e.At.IsZero() || e.StreamID == "" {
				t.Errorf("entry %+v", e)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("timeline of %s:\n got  %q\n want %q", org, got, want)
		}
	}
	checkTimeline("a", []string{
		"OrganisationRegistered subject: organisation registered: Sächsische Metallbau GmbH",
		"OrganisationUpdated subject: profile updated",
		`OfferDrafted owner: offer "Laser cutting" drafted`,
		`OfferPublished owner: offer "Laser cutting" published`,
		`OfferInterestExpressed owner b: received interest in offer "Laser cutting"`,
		`OfferInterestAccepted owner b: accepted an interest in offer "Laser cutting"`,
		`OfferInterestExpressed interested b: expressed interest in request "Supplier of castings"`,
		`OfferInterestDeclined interested b: interest declined in request "Supplier of castings"`,
		`MeetingRegistered registrant: registered for meeting "Metal workshop"`,
		`RegistrationCancelled registrant: registration cancelled for meeting "Metal workshop"`,
		"VisitProposed guest b: proposed an exchange visit (staff_exchange) for 2026-11-13 – 2026-11-15",
		"VisitAccepted guest b: exchange visit accepted",
		"VisitCancelled guest b: exchange visit cancelled",
	})
	checkTimeline("b", []string{
		"OrganisationRegistered subject: organisation registered: Dolnośląskie Narzędzia Sp. z o.o.",
		`OfferDrafted owner: request "Supplier of castings" drafted`,
		`OfferPublished owner: request "Supplier of castings" published`,
		`OfferInterestExpressed interested a: expressed interest in offer "Laser cutting"`,
		`OfferInterestAccepted interested a: interest accepted in offer "Laser cutting"`,
		`OfferInterestExpressed owner a: received interest in request "Supplier of castings"`,
		`OfferInterestDeclined owner a: declined an interest in request "Supplier of castings"`,
		`MeetingRegistered registrant: registered for meeting "Metal workshop"`,
		`MeetingRescheduled registrant: meeting "Metal workshop" rescheduled to 2026-11-22 10:00 UTC`,
		`MeetingCancelled registrant: meeting "Metal workshop" cancelled`,
		"VisitProposed host a: received a proposal of an exchange visit (staff_exchange) for 2026-11-13 – 2026-11-15",
		"VisitAccepted host a: exchange visit accepted",
		"VisitCancelled host a: exchange visit cancelled",
	})

	// Entries carry the event's position, stream and recorded-at time.
	evs, err := h.events.ReadAll(h.ctx, domain.Start, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type != "OfferPublished" || ev.StreamID != "offer-o1" {
			continue
		}
		e := docAs[projections.TimelineEntry](h, projections.TimelineCollection, projections.TimelineEntryID("a", ev.Position))
		if e.Position != ev.Position || !e.At.Equal(ev.RecordedAt) || e.StreamID != "offer-o1" || e.Type != "OfferPublished" {
			t.Errorf("entry of %s: %+v", ev.Position, e)
		}
	}

	h.checkRebuild(7)
}
