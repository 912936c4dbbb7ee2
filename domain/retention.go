package domain

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Retention periods of the records of a project, counted in whole years
// after the end of the calendar year of the last payment to the project
// (Regulation (EU) 2021/1060, Art. 82: five years; records of state-aid
// cases are kept ten years, Regulation (EU) No 651/2014, Art. 12).
const (
	RetentionDefaultYears  = 5
	RetentionStateAidYears = 10
	// RetentionMaxYears is the longest period a policy may set.
	RetentionMaxYears = 30
)

// Retention is the retention policy of the records of one project, named by
// its project reference (the aggregate id): the records of the meetings and
// exchange visits that carry that reference must be kept until DueOn.
// Nothing is deleted when the period ends; personal data is erased through
// crypto-shredding.
type Retention struct {
	ProjectReference string `json:"project_reference"`
	FundingProgramme string `json:"funding_programme,omitempty"`
	// LastPaymentOn is the civil date (YYYY-MM-DD) of the last payment to
	// the project.
	LastPaymentOn string `json:"last_payment_on"`
	// StateAid marks a state-aid case (ten years by default).
	StateAid bool `json:"state_aid"`
	// Years is the period as set; 0 means the default for the case.
	Years int `json:"years"`
	// PeriodYears is the period that applies: Years, or the default.
	PeriodYears int `json:"period_years"`
	// DueOn is the last day the records must be kept: 31 December of the
	// year of the last payment plus PeriodYears (YYYY-MM-DD).
	DueOn string    `json:"due_on"`
	SetAt time.Time `json:"set_at"`
}

// RetentionKind is the aggregate kind of retention policies: streams
// "retention-<project reference>".
var RetentionKind = Kind[Retention]{Category: "retention", Evolve: Retention.evolve}

// RetentionPolicySet: the retention policy of a project's records was set
// or replaced as a whole.
type RetentionPolicySet struct {
	ProjectReference string    `json:"project_reference"`
	FundingProgramme string    `json:"funding_programme,omitempty"`
	LastPaymentOn    string    `json:"last_payment_on"`
	StateAid         bool      `json:"state_aid"`
	Years            int       `json:"years"`
	SetAt            time.Time `json:"set_at"`
}

// EventType implements Payload.
func (RetentionPolicySet) EventType() string { return "RetentionPolicySet" }

func init() {
	RegisterEvent[RetentionPolicySet](1)
}

func (r Retention) evolve(p Payload) Retention {
	if e, ok := p.(RetentionPolicySet); ok {
		period := RetentionPeriod(e.StateAid, e.Years)
		due, _ := RetentionDueOn(e.LastPaymentOn, period)
		r = Retention{ProjectReference: e.ProjectReference, FundingProgramme: e.FundingProgramme, LastPaymentOn: e.LastPaymentOn,
			StateAid: e.StateAid, Years: e.Years, PeriodYears: period, DueOn: due, SetAt: e.SetAt}
	}
	return r
}

// RetentionPeriod returns the retention period in years: years when it
// is set (not 0), otherwise RetentionStateAidYears for state-aid cases
// and RetentionDefaultYears for the others.
func RetentionPeriod(stateAid bool, years int) int {
	switch {
	case years != 0:
		return years
	case stateAid:
		return RetentionStateAidYears
	}
	return RetentionDefaultYears
}

// RetentionDueOn returns the last day records must be kept when the last
// payment was made on lastPaymentOn (YYYY-MM-DD) and the period is years:
// 31 December of the payment's year plus years. Only the year counts, so
// the result never depends on leap days. A date that does not parse is a
// *ValidationError on "last_payment_on".
func RetentionDueOn(lastPaymentOn string, years int) (string, error) {
	d, err := time.Parse(time.DateOnly, lastPaymentOn)
	if err != nil {
		return "", &ValidationError{Field: "last_payment_on", Value: lastPaymentOn, Reason: "not a date YYYY-MM-DD"}
	}
	return strconv.Itoa(d.Year()+years) + "-12-31", nil
}

// SetRetention sets (or replaces as a whole) the retention policy of the
// records of a project (admin, coordinator).
type SetRetention struct {
	FundingProgramme string
	// LastPaymentOn is the civil date (YYYY-MM-DD) of the last payment.
	LastPaymentOn string
	StateAid      bool
	// Years is the period; 0 for the default (five years, ten for state
	// aid). A period set explicitly may not be shorter than that default.
	Years int
}

// Decide implements the command for the project reference ref (the
// aggregate id): at most 100 characters without white space (it names a
// stream), as on meetings and exchange visits. Setting the same policy
// again decides nothing.
func (c SetRetention) Decide(r Retention, ref string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.IsStaff() {
		return nil, forbid(actor, "set retention policies")
	}
	var es ValidationErrors
	switch {
	case strings.ContainsFunc(ref, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		es.Add("project_reference", ref, "must not contain white space or control characters (it names a stream)")
	default:
		checkString(&es, "project_reference", ref, 1, 100)
	}
	c.FundingProgramme = strings.TrimSpace(c.FundingProgramme)
	checkString(&es, "funding_programme", c.FundingProgramme, 0, 200)
	c.LastPaymentOn = strings.TrimSpace(c.LastPaymentOn)
	if d, err := time.Parse(time.DateOnly, c.LastPaymentOn); c.LastPaymentOn == "" {
		es.Add("last_payment_on", "", "is required (YYYY-MM-DD)")
	} else if err != nil {
		es.Add("last_payment_on", c.LastPaymentOn, "not a date YYYY-MM-DD")
	} else if d.Year() < 1990 || d.Year() > 2100 {
		es.Add("last_payment_on", c.LastPaymentOn, "must lie between 1990 and 2100")
	}
	least := RetentionPeriod(c.StateAid, 0)
	if c.Years != 0 && (c.Years < least || c.Years > RetentionMaxYears) {
		what := "default"
		if c.StateAid {
			what = "state-aid"
		}
		es.Add("years", itoa(c.Years), "must be 0 (the "+what+" period of "+itoa(least)+" years) or from "+itoa(least)+" to "+itoa(RetentionMaxYears))
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	if r.ProjectReference != "" && r.FundingProgramme == c.FundingProgramme && r.LastPaymentOn == c.LastPaymentOn &&
		r.StateAid == c.StateAid && r.Years == c.Years {
		return nil, nil
	}
	return []Payload{RetentionPolicySet{ProjectReference: ref, FundingProgramme: c.FundingProgramme, LastPaymentOn: c.LastPaymentOn,
		StateAid: c.StateAid, Years: c.Years, SetAt: now}}, nil
}
