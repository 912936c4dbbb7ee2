package httpapi

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/nisa-eu/nisa/domain"
)

// fuzzBody fuzzes the strict decoder of one command body type: whatever
// the bytes, decoding never panics and either succeeds or fails with a
// validation problem (400 invalid); a decoded value survives a JSON round
// trip (its encoding is stable), and its domain validation (Normalize, where the type has
// one) never panics.
func fuzzBody[T any](f *testing.F, seeds ...string) {
	for _, s := range append(seeds, `{}`, `[]`, `null`, `{"a":1}`, `"x"`, ``, `{"name":"\u0000"}`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v T
		err := DecodeStrict(b, &v)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.code != domain.CodeInvalid || len(he.fields) == 0 {
				t.Fatalf("decode error %v is not a validation problem with a pointer", err)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var w T
		if err := DecodeStrict(again, &w); err != nil {
			t.Fatalf("decoding its own encoding %s: %v", again, err)
		}
		if third, _ := json.Marshal(w); string(third) != string(again) {
			t.Fatalf("round trip changed the value:\n %s\n %s", again, third)
		}
		if m := reflect.ValueOf(v).MethodByName("Normalize"); m.IsValid() {
			m.Call(nil)
		}
	})
}

func FuzzOrganisationProfile(f *testing.F) {
	fuzzBody[domain.OrganisationProfile](f,
		`{"name":"Metal-Tech","kind":"sme","country":"PL","nuts":"PL518","address":{"city":"Wrocław","country":"PL"},"sectors":["25.62"],"languages":["pl"],"description":{"pl":"Obróbka"}}`)
}

func FuzzOfferDraft(f *testing.F) {
	fuzzBody[offerDraftBody](f,
		`{"organisation_id":"o1","kind":"offer","category":"service","title":{"de":"CNC"},"description":{"de":"Fräsen"},"nace":["25"],"languages":["de"],"valid_until":"2027-01-01T00:00:00Z"}`)
}

func FuzzMeetingDetails(f *testing.F) {
	fuzzBody[domain.MeetingDetails](f,
		`{"title":{"en":"B2B"},"kind":"online_matchmaking","start":"2027-03-01T09:00:00+01:00","end":"2027-03-01T12:00:00+01:00","time_zone":"Europe/Berlin","online_url":"https://meet.example","languages":["de","pl"],"capacity":50}`)
}

func FuzzMeetingRegistration(f *testing.F) {
	fuzzBody[registerBody](f, `{"organisation_id":"o1","participants":[{"name":"Anna Nowak","email":"anna@example.pl"}]}`)
}

func FuzzVisitProposal(f *testing.F) {
	fuzzBody[domain.VisitProposal](f,
		`{"type":"staff_exchange","guest_org_id":"a","host_org_id":"b","participants":[{"name":"Jana Nováková"}],"start_date":"2027-04-01","end_date":"2027-04-05","programme":{"cs":"Program"},"languages":["cs","de"]}`)
}
