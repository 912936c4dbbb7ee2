package demo

import (
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// meetingDef is a meeting of the demo network and what happens to it.
type meetingDef struct {
	key         string
	organiser   domain.Actor
	kind        string
	title, desc domain.Text
	tz          string
	// day is the start day relative to today; hh:mm the local start time.
	day, hh, mm, minutes int
	place                *domain.Address
	online               bool
	langs, interp        []string
	capacity             int
	// deadlineDays is how long before the start registration closes.
	deadlineDays int
	approval     bool
	// announced is how many days ago the meeting was scheduled.
	announced int
	// regs is how many organisations register; audience who they are.
	regs     int
	audience func(*org) bool
	// largeGroups: organisations send more participants.
	largeGroups bool
	// What happens to the registrations: rejected, left pending (the
	// last ones), cancelled by the organisation, no-shows at past meetings.
	rejects, pending, cancels, noShows int
	// raiseTo > 0: the meeting moves to a larger room with this capacity.
	raiseTo int
	// cancelReason != "": the meeting is called off.
	cancelReason string
}

func place(city, postal, country string) *domain.Address {
	return &domain.Address{City: city, PostalCode: postal, Country: country}
}

// Audiences.

func inRegion(prefixes ...string) func(*org) bool {
	return func(o *org) bool {
		return slices.ContainsFunc(prefixes, func(p string) bool { return o.nuts() != "" && strings.HasPrefix(o.nuts(), p) })
	}
}

func inSector(keys ...string) func(*org) bool {
	return func(o *org) bool { return slices.ContainsFunc(keys, o.hasSector) }
}

func ofKind(kinds ...string) func(*org) bool {
	return func(o *org) bool { return slices.Contains(kinds, o.p.Kind) }
}

func anyOf(fs ...func(*org) bool) func(*org) bool {
	return func(o *org) bool { return slices.ContainsFunc(fs, func(f func(*org) bool) bool { return f(o) }) }
}

func allOf(fs ...func(*org) bool) func(*org) bool {
	return func(o *org) bool { return !slices.ContainsFunc(fs, func(f func(*org) bool) bool { return !f(o) }) }
}

var companies = ofKind("sme", "large_enterprise")

// meetingDefs are the meetings: twelve ahead (one of them called off), two
// that took place three and five weeks ago.
var meetingDefs = []meetingDef{
	{
		key: "ict-matchmaking", organiser: coordinator("klaster-ict"), kind: "online_matchmaking",
		title: t4("IT-Matchmaking online: Westpommern – Vorpommern – Brandenburg", "Matchmaking IT online: Pomorze Zachodnie – Pomorze Przednie – Brandenburgia", "", "Online IT matchmaking: West Pomerania – Western Pomerania – Brandenburg"),
		desc:  t4("Kurze Vorstellungsrunden und Einzelgespräche in Breakout-Räumen für IT-Unternehmen und Institutionen aus dem Fördergebiet. Sprache des Treffens: Englisch.", "Krótkie prezentacje i rozmowy indywidualne w pokojach break-out dla firm IT i instytucji z obszaru wsparcia. Język spotkania: angielski.", "", "Short pitches and one-to-one talks in breakout rooms for IT companies and institutions from the programme area. Meeting language: English."),
		tz:    "Europe/Warsaw", day: 9, hh: 13, minutes: 135, online: true, langs: []string{"en"}, capacity: 40, announced: 30,
		regs: 22, audience: anyOf(inSector("software"), inRegion("DE8", "DE4", "PL42")), cancels: 2,
	},
	{
		key: "ict-cluster-coffee", organiser: coordinator("klaster-ict"), kind: "online_matchmaking",
		title: t4("Cluster-Kaffee online: Networking für IT-Unternehmen", "Klastrowa kawa online: networking firm IT", "", "Cluster coffee online: networking for IT companies"),
		desc:  t4("Lockeres Online-Networking alle zwei Wochen: Mitgliedsunternehmen melden ihren Bedarf an IT-Kompetenzen über den Cluster-Beschaffungsmechanismus.", "Nieformalny networking online co dwa tygodnie: firmy członkowskie zgłaszają zapotrzebowanie na kompetencje IT poprzez klastrowy mechanizm zakupowy.", "", "Informal online networking every two weeks: member companies report their need for IT skills through the cluster procurement mechanism."),
		tz:    "Europe/Warsaw", day: 16, hh: 9, minutes: 90, online: true, langs: []string{"pl", "en"}, capacity: 30, announced: 14,
		regs: 12, audience: inSector("software"),
	},
	{
		key: "workshop-service-design", organiser: coordinator("klaster-ict"), kind: "workshop",
		title: t4("Workshop: Kollaboratives Design grenzüberschreitender Dienstleistungen", "Warsztat: Wspólne projektowanie usług transgranicznych", "", "Workshop: collaborative design of cross-border services"),
		desc:  t4("Ganztägiger Workshop mit Methoden des Service Design; Teilnahme vor Ort in Szczecin oder online.", "Całodniowy warsztat z metodami service design; udział stacjonarnie w Szczecinie lub online.", "", "Full-day workshop using service design methods; take part on site in Szczecin or online."),
		tz:    "Europe/Warsaw", day: 23, hh: 9, minutes: 420, place: place("Szczecin", "70-001", "PL"), online: true, langs: []string{"en"}, capacity: 25, announced: 20,
		regs: 15, audience: inRegion("DE8", "DE4", "PL4"),
	},
	{
		key: "glokalisierung-network-tool", organiser: coordinator("glokalisierung"), kind: "workshop",
		title: t4("Workshop: Vorstellung des Netzwerk-Tools für KMU", "", "Workshop: Představení síťového nástroje pro MSP", "Workshop: presenting the network tool for SMEs"),
		desc:  t4("Fachvorträge und Workshop zur digitalen Netzwerk-Plattform für KMU und wirtschaftsfördernde Institutionen im sächsisch-tschechischen Grenzraum.", "", "Odborné přednášky a workshop k digitální síťové platformě pro MSP a instituce na podporu podnikání v česko-saském příhraničí.", "Talks and a workshop on the digital network platform for SMEs and business support organisations in the Saxon–Czech border region."),
		tz:    "Europe/Berlin", day: 30, hh: 10, minutes: 300, place: place("Dresden", "01099", "DE"), langs: []string{"de", "cs"}, interp: []string{"de-cs"}, capacity: 35, announced: 35,
		regs: 18, audience: inRegion("DED", "CZ"),
	},
	{
		key: "kooperationsboerse-liberec", organiser: coordinator("glokalisierung"), kind: "cooperation_fair",
		title: t4("Branchenübergreifende Informations- und Kooperationsveranstaltung mit Kooperationsbörse", "", "Mezioborová informační a kooperační akce s kooperační burzou", "Cross-sector information and cooperation event with B2B meetings"),
		desc:  t4("Fachvorträge, vorab vereinbarte B2B-Gespräche und eine Begleitausstellung für Unternehmen beiderseits der Grenze.", "", "Odborné přednášky, předem domluvené B2B schůzky a doprovodná výstava pro firmy z obou stran hranice.", "Talks, pre-arranged B2B meetings and an accompanying exhibition for companies from both sides of the border."),
		tz:    "Europe/Prague", day: 45, hh: 9, mm: 30, minutes: 450, place: place("Liberec", "460 01", "CZ"), langs: []string{"de", "cs"}, interp: []string{"de-cs"}, capacity: 40, deadlineDays: 7, announced: 50,
		regs: 38, audience: inRegion("DED", "CZ"), cancels: 2, raiseTo: 70,
	},
	{
		key: "info-interreg-pl-sn", organiser: coordinator("euroregion-neisse"), kind: "information_event",
		title: t4("Informationsveranstaltung: Interreg Polen – Sachsen 2021–2027 – Chancen für KMU und Kommunen", "Spotkanie informacyjne: Interreg Polska – Saksonia 2021–2027 – szanse dla MŚP i samorządów", "", "Information event: Interreg Poland – Saxony 2021–2027 – opportunities for SMEs and municipalities"),
		desc:  t4("Das Gemeinsame Sekretariat stellt Förderschwerpunkte, Antragsverfahren und Beispiele erfolgreicher Projekte vor; anschließend Beratungsgespräche.", "Wspólny Sekretariat przedstawia priorytety, procedurę składania wniosków i przykłady udanych projektów; następnie konsultacje indywidualne.", "", "The Joint Secretariat presents funding priorities, the application procedure and examples of successful projects, followed by individual advice."),
		tz:    "Europe/Berlin", day: 12, hh: 10, minutes: 180, place: place("Görlitz", "02826", "DE"), langs: []string{"de", "pl"}, interp: []string{"de-pl"}, capacity: 60, announced: 25,
		regs: 24, audience: inRegion("DED", "PL51"), cancels: 1,
	},
	{
		key: "study-day-olomouc-iti", organiser: coordinator("aglomerace"), kind: "study_visit_day",
		title: t4("Studientag: Integrierte territoriale Investitionen in der Agglomeration Olmütz", "Dzień studyjny: Zintegrowane Inwestycje Terytorialne w Aglomeracji Ołomunieckiej", "Studijní den: Integrované územní investice v Olomoucké aglomeraci", ""),
		desc:  t4("", "Wizyty w zrealizowanych projektach ZIT, spotkanie z zespołem wdrażającym strategię i wymiana doświadczeń przed okresem 2028+.", "Prohlídka realizovaných projektů ITI, setkání s týmem implementace strategie a výměna zkušeností před obdobím 2028+.", ""),
		tz:    "Europe/Prague", day: 20, hh: 8, mm: 30, minutes: 540, place: place("Olomouc", "779 00", "CZ"), langs: []string{"cs", "pl"}, interp: []string{"cs-pl"}, capacity: 20, approval: true, announced: 40,
		regs: 24, audience: inRegion("PL", "CZ"), rejects: 1, pending: 2, cancels: 2,
	},
	{
		key: "b2b-speed-dating-nearshoring", organiser: coordinator("euroregion-neisse"), kind: "online_matchmaking",
		title: t4("B2B-Speed-Dating: Nearshoring im Dreiländereck", "Szybkie randki B2B: nearshoring w regionie trzech granic", "B2B speed dating: nearshoring v Trojzemí", "B2B speed dating: nearshoring in the tri-border area"),
		desc:  t4("Zehnminütige Online-Gespräche zwischen Unternehmen, die Fertigung in die Region zurückholen wollen, und Zulieferern mit freien Kapazitäten.", "Dziesięciominutowe rozmowy online między firmami, które chcą przenieść produkcję do regionu, a dostawcami z wolnymi mocami.", "Desetiminutové online rozhovory mezi firmami, které chtějí přesunout výrobu do regionu, a dodavateli s volnými kapacitami.", "Ten-minute online talks between companies that want to bring production back to the region and suppliers with free capacity."),
		tz:    "Europe/Berlin", day: 26, hh: 14, minutes: 150, online: true, langs: []string{"de", "en"}, interp: []string{"de-pl", "de-cs"}, capacity: 30, announced: 21,
		regs: 30, audience: companies, cancels: 3,
	},
	{
		key: "smart-integration-language-courses", organiser: coordinator("smart-integration"), kind: "information_event",
		title: t4("Auftakt der Deutsch- und Polnischkurse für Verwaltungsmitarbeitende", "Inauguracja kursów języka niemieckiego i polskiego dla pracowników administracji", "", "Kick-off of the German and Polish courses for public-sector staff"),
		desc:  t4("Einstufung, Vorstellung der Kursformate und Kennenlernen der Tandempartner aus Sachsen und Niederschlesien.", "Testy poziomujące, prezentacja formatów kursów i poznanie partnerów tandemowych z Saksonii i Dolnego Śląska.", "", "Placement tests, course formats and meeting the tandem partners from Saxony and Lower Silesia."),
		tz:    "Europe/Warsaw", day: 35, hh: 10, minutes: 240, place: place("Wrocław", "50-001", "PL"), langs: []string{"pl", "de"}, interp: []string{"de-pl"}, capacity: 40, approval: true, announced: 30,
		regs: 14, audience: allOf(ofKind("municipality", "agency", "association", "research_institute", "chamber"), inRegion("DED", "PL51", "PL52")), pending: 3, cancels: 1,
	},
	{
		key: "workshop-supply-chains", organiser: coordinator("glokalisierung"), kind: "workshop",
		title: t4("Workshop: Lieferketten absichern – Engpässe grenzüberschreitend lösen", "", "Workshop: Zajištění dodavatelských řetězců – přeshraniční řešení úzkých míst", "Workshop: securing supply chains – solving bottlenecks across the border"),
		desc:  t4("Praxisberichte von KMU, Methoden des Lieferantenmanagements und Matching mit Zulieferern von der anderen Seite der Grenze.", "", "Zkušenosti MSP z praxe, metody řízení dodavatelů a párování s dodavateli z druhé strany hranice.", "Case studies from SMEs, supplier management methods and matching with suppliers from across the border."),
		tz:    "Europe/Berlin", day: 40, hh: 9, minutes: 240, place: place("Chemnitz", "09111", "DE"), langs: []string{"de", "cs"}, interp: []string{"de-cs"}, capacity: 30, announced: 28,
		regs: 16, audience: allOf(companies, inRegion("DED", "CZ")),
	},
	{
		key: "study-trip-lusatia-hydrogen", organiser: networkOffice, kind: "study_visit_day",
		title: t4("Studienfahrt: Strukturwandel in der Lausitz – Wasserstoff und Energiespeicher", "Wyjazd studyjny: transformacja Łużyc – wodór i magazynowanie energii", "", "Study trip: structural change in Lusatia – hydrogen and energy storage"),
		desc:  t4("Besuch von Pilotanlagen und Forschungseinrichtungen in Cottbus und Umgebung, Gespräche mit Projektträgern.", "Wizyty w instalacjach pilotażowych i ośrodkach badawczych w Cottbus i okolicach, rozmowy z realizatorami projektów.", "", "Visits to pilot plants and research facilities in and around Cottbus, talks with project developers."),
		tz:    "Europe/Berlin", day: 55, hh: 8, minutes: 600, place: place("Cottbus", "03046", "DE"), langs: []string{"de", "pl"}, interp: []string{"de-pl"}, capacity: 25, approval: true, announced: 18,
		regs: 12, audience: anyOf(inSector("energy", "research"), inRegion("DE4", "PL43")), pending: 4,
	},
	{
		key: "gielda-oze-opole-ostrava", organiser: coordinator("aglomerace"), kind: "cooperation_fair",
		title: t4("", "Giełda kooperacyjna: odnawialne źródła energii Opolszczyzna – Morawy i Śląsk", "Kooperační burza: obnovitelné zdroje energie Opolsko – Morava a Slezsko", "Matchmaking fair: renewable energy, Opole region – Moravia and Silesia"),
		desc:  t4("", "Prezentacje firm i spotkania B2B dla branży odnawialnych źródeł energii.", "Prezentace firem a B2B schůzky pro obor obnovitelných zdrojů energie.", "Company presentations and B2B meetings for the renewable energy sector."),
		tz:    "Europe/Warsaw", day: 60, hh: 10, minutes: 360, place: place("Opole", "45-001", "PL"), langs: []string{"pl", "cs"}, interp: []string{"cs-pl"}, capacity: 50, announced: 40,
		regs: 8, audience: anyOf(inRegion("PL52", "CZ07", "CZ08"), inSector("energy")),
		cancelReason: "Zbyt mało zgłoszeń – giełda odbędzie się wiosną w nowym terminie.",
	},
	{
		key: "kooperationsboerse-dreilaendereck", organiser: coordinator("euroregion-neisse"), kind: "cooperation_fair",
		title: t4("Kooperationsbörse Dreiländereck mit Begleitausstellung", "Giełda kooperacyjna na pograniczu trzech krajów z wystawą towarzyszącą", "Kooperační burza Trojzemí s doprovodnou výstavou", "Tri-border matchmaking fair with accompanying exhibition"),
		desc:  t4("Fachvorträge, B2B-Gespräche und eine Ausstellung regionaler Unternehmen aus Sachsen, Niederschlesien und Nordböhmen.", "Wykłady, rozmowy B2B i wystawa firm regionalnych z Saksonii, Dolnego Śląska i północnych Czech.", "Odborné přednášky, B2B jednání a výstava regionálních firem ze Saska, Dolního Slezska a severních Čech.", "Talks, B2B meetings and an exhibition of regional companies from Saxony, Lower Silesia and North Bohemia."),
		tz:    "Europe/Berlin", day: 75, hh: 9, minutes: 480, place: place("Zittau", "02763", "DE"), langs: []string{"de", "pl", "cs"}, interp: []string{"de-pl", "de-cs"}, capacity: 100, announced: 30,
		regs: 20, audience: inRegion("DED2", "PL51", "CZ04", "CZ05"), largeGroups: true,
	},
	// Past meetings, with check-ins and no-shows.
	{
		key: "ict-matchmaking-get-to-know", organiser: coordinator("klaster-ict"), kind: "online_matchmaking",
		title: t4("Lass uns einander kennenlernen! Online-Matchmaking-Meeting", "Poznajmy się! Spotkanie matchmakingowe online", "", "Let's get to know each other! Online matchmaking meeting"),
		desc:  t4("Organisationen aus Mecklenburg-Vorpommern, Brandenburg und Polen lernen ihre Tätigkeitsbereiche kennen. Sprache des Treffens: Englisch.", "Organizacje z Meklemburgii-Pomorza Przedniego, Brandenburgii i Polski poznają nawzajem swoje obszary działalności. Język spotkania: angielski.", "", "Organisations from Mecklenburg-Western Pomerania, Brandenburg and Poland get to know each other's fields of work. Meeting language: English."),
		tz:    "Europe/Warsaw", day: -21, hh: 13, minutes: 135, online: true, langs: []string{"en"}, capacity: 40, announced: 70,
		regs: 20, audience: inRegion("DE8", "DE4", "PL4"), cancels: 1, noShows: 2,
	},
	{
		key: "informations-kooperationsveranstaltung-goerlitz", organiser: coordinator("glokalisierung"), kind: "cooperation_fair",
		title: t4("Branchenübergreifende Informations- und Kooperationsveranstaltung in Görlitz", "", "Mezioborová informační a kooperační akce v Görlitz", "Cross-sector information and cooperation event in Görlitz"),
		desc:  t4("Fachvorträge und Besuche bei Best-Practice-Unternehmen der Region.", "", "Odborné přednášky a návštěvy firem s příklady dobré praxe v regionu.", "Talks and visits to best-practice companies in the region."),
		tz:    "Europe/Berlin", day: -35, hh: 9, mm: 30, minutes: 420, place: place("Görlitz", "02826", "DE"), langs: []string{"de", "cs"}, interp: []string{"de-cs"}, capacity: 60, announced: 90,
		regs: 26, audience: inRegion("DED", "CZ"), noShows: 3,
	},
}

// planMeetings plans the meetings and their registrations.
func (s *seeder) planMeetings() []step {
	var steps []step
	for i, def := range meetingDefs {
		steps = append(steps, s.planMeeting(i+1, def)...)
	}
	return steps
}

func (s *seeder) planMeeting(n int, def meetingDef) []step {
	mid := id("meeting", n)
	loc, err := time.LoadLocation(def.tz)
	if err != nil {
		panic("demo: " + err.Error())
	}
	start := s.dayIn(loc, def.day, def.hh, def.mm)
	d := domain.MeetingDetails{
		Title: def.title, Description: def.desc, Kind: def.kind,
		Start: start, End: start.Add(time.Duration(def.minutes) * time.Minute), TimeZone: def.tz,
		Place: def.place, Languages: def.langs, Interpretation: def.interp,
		Capacity: def.capacity, RegistrationDeadline: start.Add(-time.Duration(def.deadlineDays) * 24 * time.Hour),
		RequiresApproval: def.approval,
	}
	if def.online {
		d.OnlineURL = "https://meet.nisa.example/" + def.key
	}
	organiser := def.organiser
	scheduled := s.workday(-def.announced)
	steps := []step{{scheduled, mid, func(at time.Time) error {
		_, err := execute(s, domain.MeetingKind, mid, organiser, at, "schedule", func(st domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
			return domain.ScheduleMeeting{Details: d}.Decide(st, mid, organiser, now)
		})
		return err
	}}}
	// Registrations come in between the announcement and the deadline
	// (or now, or the cancellation).
	regsEnd := minTime(d.RegistrationDeadline, s.now).Add(-time.Hour)
	var cancelledAt time.Time
	if def.cancelReason != "" {
		cancelledAt = s.workday(-2)
		regsEnd = minTime(regsEnd, cancelledAt.Add(-time.Hour))
	}
	regsFrom := scheduled.Add(time.Hour)
	orgs := s.registrants(def, regsFrom)
	times := make([]time.Time, len(orgs))
	for i := range times {
		times[i] = s.sometime(regsFrom, regsEnd)
	}
	slices.SortFunc(times, time.Time.Compare)
	// Who is rejected, left pending, cancels.
	fate := make([]string, len(orgs))
	for i := len(orgs) - def.pending; i < len(orgs); i++ {
		fate[i] = "pending"
	}
	open := func() []int {
		var idx []int
		for i, f := range fate {
			if f == "" {
				idx = append(idx, i)
			}
		}
		return idx
	}
	for range def.rejects {
		fate[pick(s, open())] = "rejected"
	}
	for range def.cancels {
		early := open()
		fate[pick(s, early[:max(1, len(early)/2)])] = "cancelled"
	}
	// Registrations, then the organiser's decisions, then cancellations
	// once everyone has registered and been decided on, so that freed
	// seats go to the waitlist.
	regIDs := make([]string, len(orgs))
	lastDecision := times[len(times)-1]
	decided := slices.Clone(times)
	for j, o := range orgs {
		regIDs[j] = id("registration", n*1000+j+1)
		ps := s.participants(o, def.largeGroups)
		steps = append(steps, s.meetingStep(mid, partner(o), times[j], "register for", domain.RegisterForMeeting{RegistrationID: regIDs[j], OrgID: o.id, Participants: ps}.Decide))
		if !def.approval || fate[j] == "pending" {
			continue
		}
		at := s.after(times[j], 0, 1)
		switch {
		case at.After(s.now.Add(-10 * time.Minute)):
			continue // not yet decided
		case fate[j] == "rejected":
			steps = append(steps, s.meetingStep(mid, organiser, at, "reject registration for", domain.RejectRegistration{RegistrationID: regIDs[j], Reason: rejectionReason(def)}.Decide))
		default:
			steps = append(steps, s.meetingStep(mid, organiser, at, "approve registration for", domain.ApproveRegistration{RegistrationID: regIDs[j]}.Decide))
		}
		decided[j] = at
		if at.After(lastDecision) {
			lastDecision = at
		}
	}
	limit := minTime(s.now, start).Add(-time.Hour)
	if !cancelledAt.IsZero() {
		limit = cancelledAt.Add(-time.Hour)
	}
	for j, o := range orgs {
		if fate[j] != "cancelled" {
			continue
		}
		from := decided[j].Add(2 * time.Hour)
		if late := lastDecision.Add(time.Hour); late.Before(limit) && late.After(from) {
			from = late
		}
		if from.Before(limit) {
			steps = append(steps, s.meetingStep(mid, partner(o), s.sometime(from, limit), "cancel registration for", domain.CancelRegistration{RegistrationID: regIDs[j]}.Decide))
		}
	}
	if def.raiseTo > 0 {
		// A larger room, once three quarters have registered.
		bigger := d
		bigger.Capacity = def.raiseTo
		bigger.Description = sentences(d.Description, t4("Wegen der großen Nachfrage in einen größeren Saal verlegt.", "Ze względu na duże zainteresowanie przeniesione do większej sali.", "Kvůli velkému zájmu přesunuto do většího sálu.", "Moved to a larger hall because of high demand."))
		at := times[len(times)*3/4].Add(time.Minute)
		steps = append(steps, s.meetingStep(mid, organiser, at, "reschedule", domain.RescheduleMeeting{Details: bigger}.Decide))
	}
	if !cancelledAt.IsZero() {
		steps = append(steps, s.meetingStep(mid, organiser, cancelledAt, "cancel", domain.CancelMeeting{Reason: def.cancelReason}.Decide))
	}
	if d.End.Before(s.now) {
		steps = append(steps, s.attendanceSteps(mid, organiser, d, def.noShows)...)
	}
	return steps
}

// rejectionReason is the organiser's reason for turning a registration
// down, in the meeting's first language.
func rejectionReason(def meetingDef) string {
	reasons := t4("Die Plätze sind begrenzt; Vorrang haben die Projektpartner.", "Liczba miejsc jest ograniczona; pierwszeństwo mają partnerzy projektu.", "Počet míst je omezený; přednost mají partneři projektu.", "Places are limited; project partners take priority.")
	return get(reasons, def.langs[0])
}

// attendanceSteps check in the registered organisations of a past meeting
// as they arrive and mark the last noShows of them as no-shows.
func (s *seeder) attendanceSteps(mid string, organiser domain.Actor, d domain.MeetingDetails, noShows int) []step {
	doors := d.Start.Add(-30 * time.Minute)
	checkIn := step{doors, mid, func(at time.Time) error {
		m, _, err := domain.Load(s.ctx, s.cmds.Store(), domain.MeetingKind, mid, time.Time{})
		if err != nil {
			return err
		}
		var registered []domain.Registration
		for _, r := range m.Registrations {
			if r.Status == domain.RegistrationStatusRegistered {
				registered = append(registered, r)
			}
		}
		for i, r := range registered[:max(0, len(registered)-noShows)] {
			t := at.Add(time.Duration(i) * time.Minute)
			if _, err := execute(s, domain.MeetingKind, mid, organiser, t, "check in at", func(st domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.CheckInRegistration{RegistrationID: r.ID}.Decide(st, organiser, now)
			}); err != nil {
				return err
			}
		}
		return nil
	}}
	noShow := step{d.End.Add(15 * time.Minute), mid, func(at time.Time) error {
		m, _, err := domain.Load(s.ctx, s.cmds.Store(), domain.MeetingKind, mid, time.Time{})
		if err != nil {
			return err
		}
		for _, r := range m.Registrations {
			if r.Status != domain.RegistrationStatusRegistered {
				continue
			}
			if _, err := execute(s, domain.MeetingKind, mid, organiser, at, "mark no-show at", func(st domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.MarkNoShow{RegistrationID: r.ID}.Decide(st, organiser, now)
			}); err != nil {
				return err
			}
		}
		return nil
	}}
	return []step{checkIn, noShow}
}

// meetingStep runs a command on meeting mid.
func (s *seeder) meetingStep(mid string, actor domain.Actor, at time.Time, what string, decide func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error)) step {
	return step{at, mid, func(at time.Time) error {
		_, err := execute(s, domain.MeetingKind, mid, actor, at, what, func(st domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
			return decide(st, actor, now)
		})
		return err
	}}
}

// registrants chooses the organisations registering for a meeting: from
// its audience first, then from everyone, all active when registration
// opens.
func (s *seeder) registrants(def meetingDef, opens time.Time) []*org {
	var fit, rest []*org
	for _, o := range s.orgs {
		switch {
		case !o.active(opens):
		case def.audience(o):
			fit = append(fit, o)
		default:
			rest = append(rest, o)
		}
	}
	s.shuffle(len(fit), func(i, j int) { fit[i], fit[j] = fit[j], fit[i] })
	s.shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	return append(fit, rest...)[:def.regs]
}

// participants invents the people an organisation sends to a meeting.
func (s *seeder) participants(o *org, large bool) []domain.Participant {
	n := 1
	switch r := s.rng.Float64(); {
	case r < 0.1:
		n = 3
	case r < 0.45:
		n = 2
	}
	if large {
		n++
	}
	pool := positions[o.lang]
	if o.inst {
		pool = institutionPositions[o.lang]
	}
	ps := make([]domain.Participant, n)
	for i := range ps {
		p := s.person(o, pool)
		ps[i] = domain.Participant{Name: p.name(), Email: p.email, Position: p.position}
	}
	return ps
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
