package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// retentionSet adapts SetRetention for project reference ref.
func retentionSet(c SetRetention, ref string, a Actor) func(Retention, time.Time) ([]Payload, error) {
	return func(r Retention, now time.Time) ([]Payload, error) { return c.Decide(r, ref, a, now) }
}

func TestRetentionLifecycle(t *testing.T) {
	earlier := RetentionPolicySet{ProjectReference: "PLSN.01.01-IP.01-0042", FundingProgramme: "Interreg Polska – Saksonia 2021–2027",
		LastPaymentOn: "2024-02-29", SetAt: testNow.Add(-time.Hour)}
	set := SetRetention{FundingProgramme: " Interreg Polska – Saksonia 2021–2027 ", LastPaymentOn: "2024-02-29"}
	runScenarios(t, RetentionKind, []scenario[Retention]{
		{name: "coordinator sets the default period", when: retentionSet(set, "PLSN.01.01-IP.01-0042", coordinator),
			then: []Payload{RetentionPolicySet{ProjectReference: "PLSN.01.01-IP.01-0042", FundingProgramme: "Interreg Polska – Saksonia 2021–2027",
				LastPaymentOn: "2024-02-29", SetAt: testNow}}},
		{name: "admin sets a state-aid case with an explicit period", when: retentionSet(SetRetention{LastPaymentOn: "2020-03-15", StateAid: true, Years: 12}, "SNCZ/0007", admin),
			then: []Payload{RetentionPolicySet{ProjectReference: "SNCZ/0007", LastPaymentOn: "2020-03-15", StateAid: true, Years: 12, SetAt: testNow}}},
		{name: "the same policy again decides nothing", given: []Payload{earlier}, when: retentionSet(set, "PLSN.01.01-IP.01-0042", coordinator)},
		{name: "a changed policy replaces it", given: []Payload{earlier}, when: retentionSet(SetRetention{LastPaymentOn: "2025-01-31", StateAid: true}, "PLSN.01.01-IP.01-0042", coordinator),
			then: []Payload{RetentionPolicySet{ProjectReference: "PLSN.01.01-IP.01-0042", LastPaymentOn: "2025-01-31", StateAid: true, SetAt: testNow}}},
		{name: "partner may not set", when: retentionSet(set, "P-1", partnerA), err: ErrForbidden},
		{name: "auditor may not set", when: retentionSet(set, "P-1", offerAuditor), err: ErrForbidden},
		{name: "no last payment", when: retentionSet(SetRetention{}, "P-1", admin), err: ErrInvalid},
	})
}

func TestRetentionState(t *testing.T) {
	for _, c := range []struct {
		name     string
		event    RetentionPolicySet
		period   int
		due      string
		stateAid bool
	}{
		{"default: five years after the end of the payment's year", RetentionPolicySet{LastPaymentOn: "2020-06-15"}, 5, "2025-12-31", false},
		{"a payment on 1 January", RetentionPolicySet{LastPaymentOn: "2021-01-01"}, 5, "2026-12-31", false},
		{"a payment on a leap day: only the year counts", RetentionPolicySet{LastPaymentOn: "2024-02-29"}, 5, "2029-12-31", false},
		{"state aid: ten years", RetentionPolicySet{LastPaymentOn: "2024-02-29", StateAid: true}, 10, "2034-12-31", true},
		{"state aid on 31 December", RetentionPolicySet{LastPaymentOn: "2019-12-31", StateAid: true}, 10, "2029-12-31", true},
		{"explicit years win", RetentionPolicySet{LastPaymentOn: "2020-06-15", Years: 7}, 7, "2027-12-31", false},
		{"explicit years win over state aid", RetentionPolicySet{LastPaymentOn: "2020-06-15", StateAid: true, Years: 15}, 15, "2035-12-31", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.event.ProjectReference = "P-1"
			r := RetentionKind.Evolve(Retention{}, c.event)
			if r.ProjectReference != "P-1" || r.PeriodYears != c.period || r.DueOn != c.due || r.StateAid != c.stateAid || r.LastPaymentOn != c.event.LastPaymentOn {
				t.Errorf("state %+v, want period %d due %s", r, c.period, c.due)
			}
		})
	}
	if RetentionKind.StreamID("PLSN-0042") != "retention-PLSN-0042" {
		t.Errorf("stream id %q", RetentionKind.StreamID("PLSN-0042"))
	}
	if _, err := RetentionDueOn("2023-02-29", 5); !errors.Is(err, ErrInvalid) {
		t.Errorf("RetentionDueOn of a date that does not exist: %v", err)
	}
}

func TestRetentionValidation(t *testing.T) {
	for _, c := range []struct {
		name   string
		ref    string
		cmd    SetRetention
		fields []string
	}{
		{"no date", "P-1", SetRetention{}, []string{"last_payment_on"}},
		{"not a date", "P-1", SetRetention{LastPaymentOn: "15.06.2020"}, []string{"last_payment_on"}},
		{"a day that does not exist", "P-1", SetRetention{LastPaymentOn: "2023-02-29"}, []string{"last_payment_on"}},
		{"far past", "P-1", SetRetention{LastPaymentOn: "1950-01-01"}, []string{"last_payment_on"}},
		{"negative years", "P-1", SetRetention{LastPaymentOn: "2020-01-01", Years: -1}, []string{"years"}},
		{"shorter than the default", "P-1", SetRetention{LastPaymentOn: "2020-01-01", Years: 3}, []string{"years"}},
		{"shorter than the state-aid period", "P-1", SetRetention{LastPaymentOn: "2020-01-01", StateAid: true, Years: 7}, []string{"years"}},
		{"too long", "P-1", SetRetention{LastPaymentOn: "2020-01-01", Years: 31}, []string{"years"}},
		{"programme too long", "P-1", SetRetention{LastPaymentOn: "2020-01-01", FundingProgramme: strings.Repeat("p", 201)}, []string{"funding_programme"}},
		{"reference with a space", "PLSN 0042", SetRetention{LastPaymentOn: "2020-01-01"}, []string{"project_reference"}},
		{"reference not trimmed", " P-1", SetRetention{LastPaymentOn: "2020-01-01"}, []string{"project_reference"}},
		{"reference with a control character", "P-1\x7f", SetRetention{LastPaymentOn: "2020-01-01"}, []string{"project_reference"}},
		{"reference too long", strings.Repeat("r", 101), SetRetention{LastPaymentOn: "2020-01-01"}, []string{"project_reference"}},
		{"everything at once", "", SetRetention{LastPaymentOn: "x", Years: 99}, []string{"project_reference", "last_payment_on", "years"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, err := c.cmd.Decide(Retention{}, c.ref, coordinator, testNow)
			var es ValidationErrors
			if !errors.As(err, &es) || len(evs) != 0 {
				t.Fatalf("err = %v, events %v; want ValidationErrors", err, evs)
			}
			got := map[string]bool{}
			for _, e := range es {
				got[e.Field] = true
			}
			for _, f := range c.fields {
				if !got[f] {
					t.Errorf("no error on %s: %v", f, err)
				}
			}
			if len(got) != len(c.fields) {
				t.Errorf("errors on %v, want exactly %v", got, c.fields)
			}
		})
	}
}

// TestMeetingProjectReference checks the optional funding programme and
// project reference of meetings: trimmed, bounded, left out of JSON when
// empty.
func TestMeetingProjectReference(t *testing.T) {
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	d := MeetingDetails{Title: Text{DE: "Workshop"}, Kind: "workshop", Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Berlin",
		Place: &Address{City: "Görlitz", Country: "DE"}, Languages: []string{"de"}, Capacity: 10,
		FundingProgramme: "  Interreg Polska – Saksonia 2021–2027 ", ProjectReference: " PLSN-0042\t"}
	n, err := d.Normalize()
	if err != nil || n.FundingProgramme != "Interreg Polska – Saksonia 2021–2027" || n.ProjectReference != "PLSN-0042" {
		t.Fatalf("Normalize = %q, %q, %v", n.FundingProgramme, n.ProjectReference, err)
	}
	evs, err := ScheduleMeeting{Details: d}.Decide(Meeting{}, "m1", coordinator, testNow)
	if err != nil || evs[0].(MeetingScheduled).Details.ProjectReference != "PLSN-0042" {
		t.Fatalf("ScheduleMeeting: %v %v", evs, err)
	}
	m := MeetingKind.Evolve(Meeting{}, evs[0])
	if m.ProjectReference != "PLSN-0042" || m.FundingProgramme != "Interreg Polska – Saksonia 2021–2027" {
		t.Errorf("state %q %q", m.ProjectReference, m.FundingProgramme)
	}

	d.FundingProgramme, d.ProjectReference = strings.Repeat("f", 201), strings.Repeat("r", 101)
	_, err = d.Normalize()
	var es ValidationErrors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Field != "funding_programme" || es[1].Field != "project_reference" {
		t.Errorf("too long: %v", err)
	}

	d.FundingProgramme, d.ProjectReference = "", ""
	data, err := Encode(MeetingScheduled{MeetingID: "m1", Details: d, ScheduledAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data.Data); strings.Contains(s, "project_reference") || strings.Contains(s, "funding_programme") {
		t.Errorf("empty references are encoded: %s", s)
	}
}
