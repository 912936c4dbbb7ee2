package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// visitProgrammes are the programmes of stays, by theme.
var visitProgrammes = map[string]domain.Text{
	"iti":        t4("Erfahrungsaustausch zur Umsetzung integrierter territorialer Investitionen (ITI) und Besichtigung realisierter Projekte.", "Wymiana doświadczeń we wdrażaniu Zintegrowanych Inwestycji Terytorialnych (ZIT) i wizyty w zrealizowanych projektach.", "Výměna zkušeností s realizací integrovaných územních investic (ITI) a prohlídka realizovaných projektů.", "Exchange of experience on implementing integrated territorial investments (ITI) and visits to completed projects."),
	"admin":      t4("Hospitation in der Verwaltung: Fördermittelmanagement, Stadtentwicklung und Bürgerservice.", "Staż w urzędzie: zarządzanie funduszami, rozwój miasta i obsługa mieszkańców.", "Stáž na úřadě: řízení dotací, rozvoj města a služby občanům.", "Job shadowing in the administration: funding management, urban development and citizen services."),
	"planning":   t4("Mitarbeiteraustausch zur grenzüberschreitenden Raumplanung und zur gemeinsamen Grenzraumstudie.", "Wymiana pracowników w zakresie transgranicznego planowania przestrzennego i wspólnego studium obszaru przygranicznego.", "Výměna pracovníků v oblasti přeshraničního územního plánování a společné studie příhraničí.", "Staff exchange on cross-border spatial planning and the joint border-area study."),
	"econdev":    t4("Zusammenarbeit der Wirtschaftsförderungen: Ansiedlungsbetreuung und Standortmarketing.", "Współpraca instytucji wsparcia biznesu: obsługa inwestorów i marketing lokalizacji.", "Spolupráce agentur pro podporu podnikání: péče o investory a marketing lokality.", "Cooperation of economic development agencies: investor services and location marketing."),
	"intern-des": t4("Praktikum in der Konstruktionsabteilung mit Sprachkurs und Mentoring.", "Praktyka w dziale konstrukcyjnym z kursem językowym i mentoringiem.", "Praxe v konstrukčním oddělení s jazykovým kurzem a mentoringem.", "Internship in the design department with a language course and mentoring."),
	"intern-sw":  t4("Praktikum in der Softwareentwicklung: Mitarbeit in einem agilen Team.", "Praktyka w dziale programistycznym: praca w zespole zwinnym.", "Praxe ve vývoji softwaru: práce v agilním týmu.", "Internship in software development: working in an agile team."),
	"intern-pm":  t4("Praktikum im Projektmanagement eines Interreg-Projekts.", "Praktyka w zarządzaniu projektem Interreg.", "Praxe v projektovém řízení projektu Interreg.", "Internship in the management of an Interreg project."),
	"cluster":    t4("Studienbesuch: Best-Practice-Beispiele der Clusterarbeit und Besuche bei Mitgliedsunternehmen.", "Wizyta studyjna: dobre praktyki działalności klastrowej i wizyty w firmach członkowskich.", "Studijní návštěva: příklady dobré praxe klastrové spolupráce a návštěvy členských firem.", "Study visit: good practice in cluster work and visits to member companies."),
	"techpark":   t4("Studienbesuch im Technologiepark: Gründerzentrum, Labore und Transferangebote.", "Wizyta studyjna w parku technologicznym: inkubator, laboratoria i oferta transferu technologii.", "Studijní návštěva technologického parku: inkubátor, laboratoře a nabídka transferu technologií.", "Study visit to the technology park: start-up centre, laboratories and technology transfer services."),
	"villages":   t4("Fachexkursion zu Dorfgemeinschaften und zum Verwaltungsaufbau im Grenzraum.", "Wyjazd studyjny: społeczności wiejskie i struktura administracji na pograniczu.", "Odborná exkurze: venkovská společenství a struktura veřejné správy v příhraničí.", "Study trip on village communities and administrative structures in the border region."),
	"chamber":    t4("Studienbesuch: Dienstleistungen der Kammer für Außenwirtschaft und Fachkräftesicherung.", "Wizyta studyjna: usługi izby w zakresie handlu zagranicznego i pozyskiwania kadr.", "Studijní návštěva: služby komory v oblasti zahraničního obchodu a získávání odborníků.", "Study visit: the chamber's services for foreign trade and skilled-worker recruitment."),
	"company":    t4("Betriebsbesichtigung und Workshop zur gemeinsamen Angebotserstellung.", "Wizyta w zakładzie i warsztat dotyczący wspólnego przygotowania ofert.", "Prohlídka provozu a workshop ke společné přípravě nabídek.", "Company tour and workshop on preparing joint bids."),
	"production": t4("Mitarbeiteraustausch in der Fertigung: Arbeitsweisen, Qualitätssicherung und Werkzeuge kennenlernen.", "Wymiana pracowników w produkcji: poznanie metod pracy, zapewniania jakości i narzędzi.", "Výměna pracovníků ve výrobě: seznámení s pracovními postupy, řízením kvality a nástroji.", "Production staff exchange: learning each other's working methods, quality assurance and tools."),
}

// visitOutcomes are reports of completed visits by type.
var visitOutcomes = map[string][]domain.Text{
	"staff_exchange": {
		t4("Die Teilnehmenden lernten die Abläufe der Partnerorganisation kennen; vereinbart wurden regelmäßige Online-Abstimmungen und ein Gegenbesuch im Herbst.", "Uczestnicy poznali procedury organizacji partnerskiej; uzgodniono regularne spotkania online i rewizytę jesienią.", "Účastníci se seznámili s postupy partnerské organizace; dohodly se pravidelné online porady a reciproční návštěva na podzim.", "Participants learned how the partner organisation works; regular online meetings and a return visit in autumn were agreed."),
		t4("Es wurden drei konkrete Ansätze für gemeinsame Projekte identifiziert und eine Absichtserklärung vorbereitet.", "Zidentyfikowano trzy konkretne pomysły na wspólne projekty i przygotowano list intencyjny.", "Byly identifikovány tři konkrétní náměty na společné projekty a připraveno memorandum o spolupráci.", "Three concrete ideas for joint projects were identified and a letter of intent was prepared."),
	},
	"internship": {
		t4("Die Praktikumsteilnehmenden arbeiteten an einem realen Kundenauftrag mit und verbesserten ihre Sprachkenntnisse deutlich.", "Uczestnicy praktyki pracowali przy rzeczywistym zleceniu klienta i wyraźnie poprawili znajomość języka.", "Účastníci praxe se podíleli na skutečné zakázce zákazníka a výrazně zlepšili své jazykové znalosti.", "The interns worked on a real customer order and clearly improved their language skills."),
	},
	"study_visit": {
		t4("Der Besuch vertiefte die Kontakte zwischen beiden Seiten; vereinbart wurde ein gemeinsamer Auftritt auf einer Fachmesse.", "Wizyta pogłębiła kontakty między obiema stronami; uzgodniono wspólny udział w targach branżowych.", "Návštěva prohloubila kontakty mezi oběma stranami; byla dohodnuta společná účast na odborném veletrhu.", "The visit deepened the contacts between both sides; a joint presence at a trade fair was agreed."),
		t4("Es wurden drei konkrete Ansätze für gemeinsame Projekte identifiziert und eine Absichtserklärung vorbereitet.", "Zidentyfikowano trzy konkretne pomysły na wspólne projekty i przygotowano list intencyjny.", "Byly identifikovány tři konkrétní náměty na společné projekty a připraveno memorandum o spolupráci.", "Three concrete ideas for joint projects were identified and a letter of intent was prepared."),
	},
}

// jointProjects are projects proposed in visit reports (title and
// description), for public bodies and for companies.
var jointProjects = map[bool][][2]domain.Text{false: publicJointProjects, true: businessJointProjects}

var publicJointProjects = [][2]domain.Text{
	{t4("Grenzüberschreitendes Portal guter Praktiken", "Transgraniczny portal dobrych praktyk", "Přeshraniční portál dobré praxe", "Cross-border good-practice portal"),
		t4("Dreisprachige Sammlung erfolgreicher Projekte beider Partner.", "Trójjęzyczny zbiór udanych projektów obu partnerów.", "Trojjazyčný přehled úspěšných projektů obou partnerů.", "A trilingual collection of both partners' successful projects.")},
	{t4("Gemeinsamer Sprachkurs für Verwaltungsmitarbeitende", "Wspólny kurs językowy dla pracowników administracji", "Společný jazykový kurz pro zaměstnance úřadů", "Joint language course for administrative staff"),
		t4("Tandemkurs mit gegenseitigen Hospitationen.", "Kurs tandemowy z wzajemnymi hospitacjami.", "Tandemový kurz se vzájemnými stážemi.", "A tandem course with mutual job shadowing.")},
	{t4("Grenzüberschreitende Fachakademie für Verwaltungen", "Transgraniczna akademia dla kadr administracji", "Přeshraniční akademie pro pracovníky veřejné správy", "Cross-border academy for public administrations"),
		t4("Gemeinsame Weiterbildungsmodule zu Förderung, Planung und Digitalisierung.", "Wspólne moduły szkoleniowe z zakresu funduszy, planowania i cyfryzacji.", "Společné vzdělávací moduly k dotacím, plánování a digitalizaci.", "Joint training modules on funding, planning and digitalisation.")},
}

var businessJointProjects = [][2]domain.Text{
	{t4("Grenzüberschreitende Fachkräfteakademie", "Transgraniczna akademia kadr", "Přeshraniční akademie odborníků", "Cross-border skills academy"),
		t4("Gemeinsame Weiterbildungsmodule für Beschäftigte in KMU.", "Wspólne moduły szkoleniowe dla pracowników MŚP.", "Společné vzdělávací moduly pro zaměstnance MSP.", "Joint training modules for SME staff.")},
	{t4("Pilotprojekt grenzüberschreitende Buslinie", "Pilotaż transgranicznej linii autobusowej", "Pilotní přeshraniční autobusová linka", "Pilot cross-border bus line"),
		t4("Machbarkeitsstudie und Testbetrieb einer Buslinie über die Grenze.", "Studium wykonalności i okres próbny linii autobusowej przez granicę.", "Studie proveditelnosti a zkušební provoz autobusové linky přes hranici.", "Feasibility study and trial operation of a bus line across the border.")},
	{t4("Bietergemeinschaft für öffentliche Ausschreibungen", "Wspólna oferta w przetargach publicznych", "Společná nabídka do veřejných zakázek", "Joint bid for public tenders"),
		t4("Konsortium für grenzüberschreitende Ausschreibungen im Programmgebiet.", "Konsorcjum do przetargów transgranicznych na obszarze programu.", "Konsorcium pro přeshraniční výběrová řízení v programovém území.", "A consortium for cross-border tenders in the programme area.")},
	{t4("Gemeinsame Ausbildungswerkstatt", "Wspólny warsztat szkoleniowy", "Společná výuková dílna", "Joint training workshop"),
		t4("Praxisnahe Ausbildung von Auszubildenden und Studierenden beider Länder.", "Praktyczne szkolenie uczniów i studentów z obu krajów.", "Praktická příprava učňů a studentů z obou zemí.", "Hands-on training for apprentices and students from both countries.")},
	{t4("Digitale Kooperationsplattform für Clusterunternehmen", "Cyfrowa platforma współpracy dla firm klastrowych", "Digitální platforma spolupráce pro klastrové firmy", "Digital cooperation platform for cluster companies"),
		t4("Gemeinsame Bedarfs- und Kompetenzbörse beider Cluster.", "Wspólna giełda potrzeb i kompetencji obu klastrów.", "Společná burza potřeb a kompetencí obou klastrů.", "A joint exchange of needs and competences of both clusters.")},
}

var (
	visitDeclineReasons = []domain.Text{
		t4("Im vorgeschlagenen Zeitraum fehlen uns die Betreuungskapazitäten.", "W proponowanym terminie nie możemy zapewnić opieki nad uczestnikami.", "V navrženém termínu nemáme kapacitu pro zajištění programu.", "We lack the capacity to host in the proposed period."),
		t4("Das Programm passt derzeit nicht zu unseren Arbeitsschwerpunkten.", "Program nie odpowiada obecnie naszym priorytetom.", "Program v současnosti neodpovídá našim prioritám.", "The programme does not match our current priorities."),
	}
	visitCancelReasons = []domain.Text{
		t4("Terminkonflikt mit einer Ratssitzung; ein neuer Termin wird abgestimmt.", "Kolizja terminów z sesją rady; nowy termin zostanie uzgodniony.", "Termín koliduje se zasedáním zastupitelstva; nový termín bude dohodnut.", "Clash with a council session; a new date will be agreed."),
		t4("Die Teilnehmenden sind erkrankt.", "Uczestnicy zachorowali.", "Účastníci onemocněli.", "The participants fell ill."),
		t4("Die Finanzierung wurde nicht bewilligt.", "Nie przyznano dofinansowania.", "Financování nebylo schváleno.", "Funding was not granted."),
	}
	visitArrangements = []domain.Text{
		t4("Anreise mit dem Zug, Hotel in Laufnähe, Dolmetschung am ersten Tag.", "Przyjazd pociągiem, hotel w pobliżu, tłumacz w pierwszym dniu.", "Příjezd vlakem, hotel v docházkové vzdálenosti, tlumočení první den.", "Arrival by train, hotel within walking distance, interpreting on day one."),
		t4("Anreise mit dem Dienstwagen; die Unterkunft organisiert der Gastgeber.", "Przyjazd samochodem służbowym; nocleg zapewnia gospodarz.", "Příjezd služebním autem; ubytování zajistí hostitel.", "Arrival by company car; accommodation arranged by the host."),
		t4("Unterkunft im Gästehaus, Mittagessen in der Kantine des Gastgebers.", "Nocleg w domu gościnnym, obiady w stołówce gospodarza.", "Ubytování v penzionu, obědy v jídelně hostitele.", "Accommodation in a guesthouse, lunch in the host's canteen."),
	}
	students = map[string][2]string{"de": {"Student", "Studentin"}, "pl": {"Student", "Studentka"}, "cs": {"Student", "Studentka"}}
)

// fundingProgrammes are the Interreg programmes by key.
var fundingProgrammes = map[string]domain.Text{
	"plsn":   t4("Interreg Polen – Sachsen 2021–2027", "Interreg Polska – Saksonia 2021–2027", "Interreg Polsko – Sasko 2021–2027", "Interreg Poland – Saxony 2021–2027"),
	"sncz":   t4("Interreg Sachsen – Tschechien 2021–2027", "Interreg Saksonia – Czechy 2021–2027", "Interreg Česko – Sasko 2021–2027", "Interreg Saxony – Czechia 2021–2027"),
	"czpl":   t4("Interreg Tschechien – Polen 2021–2027", "Interreg Republika Czeska – Polska 2021–2027", "Interreg Česká republika – Polsko 2021–2027", "Interreg Czechia – Poland 2021–2027"),
	"bbpl":   t4("Interreg VI A Brandenburg – Polen 2021–2027", "Interreg VI A Brandenburgia – Polska 2021–2027", "Interreg VI A Braniborsko – Polsko 2021–2027", "Interreg VI A Brandenburg – Poland 2021–2027"),
	"mvbbpl": t4("Interreg VI A Mecklenburg-Vorpommern / Brandenburg / Polen 2021–2027", "Interreg VI A Meklemburgia-Pomorze Przednie / Brandenburgia / Polska 2021–2027", "Interreg VI A Meklenbursko-Přední Pomořansko / Braniborsko / Polsko 2021–2027", "Interreg VI A Mecklenburg-Western Pomerania / Brandenburg / Poland 2021–2027"),
}

// programmeCoordinators follow the visits of each programme.
var programmeCoordinators = map[string]domain.Actor{
	"plsn": coordinator("smart-integration"), "sncz": coordinator("glokalisierung"), "czpl": coordinator("aglomerace"),
	"bbpl": networkOffice, "mvbbpl": networkOffice, "": networkOffice,
}

// visitDef is a hand-written exchange visit between institutions.
type visitDef struct {
	guest, host, typ, theme, status string
	participants                    int
}

var visitDefs = []visitDef{
	{"Stowarzyszenie Aglomeracja Opolska", "Statutární město Olomouc", "staff_exchange", "iti", "completed", 2},
	{"Statutární město Olomouc", "Stowarzyszenie Aglomeracja Opolska", "study_visit", "iti", "scheduled", 5},
	{"Regionální agentura pro rozvoj střední Moravy", "Stowarzyszenie Aglomeracja Opolska", "staff_exchange", "econdev", "accepted", 1},
	{"Stadt Görlitz", "Gmina Miejska Zgorzelec", "staff_exchange", "admin", "completed", 2},
	{"Urząd Marszałkowski Województwa Dolnośląskiego", "Sächsisches Staatsministerium des Innern", "staff_exchange", "planning", "completed", 3},
	{"Sächsisches Staatsministerium des Innern", "Instytut Rozwoju Terytorialnego", "study_visit", "villages", "scheduled", 6},
	{"Stowarzyszenie Klaster ICT Pomorze Zachodnie", "WITENO GmbH", "study_visit", "techpark", "completed", 8},
	{"WITENO GmbH", "Stowarzyszenie Klaster ICT Pomorze Zachodnie", "study_visit", "cluster", "proposed", 4},
	{"Stadt Frankfurt (Oder)", "Gmina Słubice", "staff_exchange", "admin", "scheduled", 2},
	{"Technická univerzita v Liberci", "Hochschule Zittau/Görlitz", "internship", "intern-pm", "completed", 2},
	{"Uniwersytet Wrocławski", "Europa-Universität Viadrina Frankfurt (Oder)", "internship", "intern-pm", "declined", 1},
	{"Karkonoska Agencja Rozwoju Regionalnego S.A.", "Wirtschaftsförderung Sachsen GmbH", "staff_exchange", "econdev", "accepted", 2},
	{"Stadt Zittau", "Statutární město Liberec", "staff_exchange", "admin", "proposed", 2},
	{"Landkreis Görlitz", "Urząd Marszałkowski Województwa Dolnośląskiego", "staff_exchange", "planning", "cancelled", 3},
	{"Krajská hospodářská komora Karlovarského kraje", "IHK Chemnitz", "study_visit", "chamber", "scheduled", 3},
	{"Město Hrádek nad Nisou", "Stadt Zittau", "study_visit", "admin", "cancelled", 4},
	{"Politechnika Wrocławska", "Technische Universität Dresden", "internship", "intern-des", "proposed", 1},
	{"Vysoká škola báňská – Technická univerzita Ostrava", "Politechnika Opolska", "internship", "intern-sw", "accepted", 2},
}

// generatedVisitStatuses are the states of the visits between companies
// (and universities sending interns to companies).
var generatedVisitStatuses = []string{"completed", "proposed", "scheduled", "declined", "accepted", "cancelled", "completed", "proposed", "scheduled", "accepted", "declined", "proposed"}

// visitPlan is an exchange visit as planned.
type visitPlan struct {
	n           int
	id          string
	guest, host *org
	proposal    domain.VisitProposal
	status      string
	coordinator domain.Actor
}

func (s *seeder) orgNamed(name string) *org {
	for _, o := range s.orgs {
		if o.p.Name == name {
			return o
		}
	}
	panic("demo: no organisation " + name)
}

// planVisits plans the exchange visits: hand-written ones between
// institutions, then generated ones between companies.
func (s *seeder) planVisits() []step {
	var plans []*visitPlan
	for _, d := range visitDefs {
		plans = append(plans, s.visitPlan(len(plans)+1, s.orgNamed(d.guest), s.orgNamed(d.host), d.typ, d.theme, d.status, d.participants))
	}
	var comps, unis []*org
	for _, o := range s.orgs {
		switch {
		case o.deactivated:
		case o.p.Kind == "sme":
			comps = append(comps, o)
		case o.p.Kind == "university":
			unis = append(unis, o)
		}
	}
	for i, status := range generatedVisitStatuses {
		var guest, host *org
		var typ, theme string
		switch {
		case i%3 == 2:
			guest, typ = pick(s, unis), "internship"
			host = s.partnerAcross(guest, comps)
			theme = "intern-des"
			if host.hasSector("software") {
				theme = "intern-sw"
			}
		default:
			guest = pick(s, comps)
			host = s.partnerAcross(guest, comps)
			typ, theme = "study_visit", "company"
			if i%3 == 1 {
				typ, theme = "staff_exchange", "production"
			}
		}
		plans = append(plans, s.visitPlan(len(plans)+1, guest, host, typ, theme, status, s.between(1, 3)))
	}
	var steps []step
	for _, p := range plans {
		steps = append(steps, s.visitSteps(p)...)
	}
	return steps
}

// partnerAcross chooses an organisation from cands across the border from
// o, in its line of business if there is one.
func (s *seeder) partnerAcross(o *org, cands []*org) *org {
	var same, other []*org
	for _, c := range cands {
		if c.country == o.country || c.country == "" {
			continue
		}
		if slices.ContainsFunc(c.sectors, func(sec *sector) bool { return slices.Contains(o.sectors, sec) }) {
			same = append(same, c)
		} else {
			other = append(other, c)
		}
	}
	if len(same) > 0 && s.chance(0.7) {
		return pick(s, same)
	}
	return pick(s, other)
}

// visitPlan composes visit n of guest to host.
func (s *seeder) visitPlan(n int, guest, host *org, typ, theme, status string, participants int) *visitPlan {
	ls := []string{guest.lang, host.lang}
	if s.chance(0.3) {
		ls = append(ls, "en")
	}
	ls = canonical(ls)
	key, name, ref := s.funding(guest, host, typ)
	p := &visitPlan{n: n, id: id("exchange_visit", n), guest: guest, host: host, status: status, coordinator: programmeCoordinators[key]}
	p.proposal = domain.VisitProposal{
		Type: typ, GuestOrgID: guest.id, HostOrgID: host.id,
		Programme: only(visitProgrammes[theme], ls), Languages: ls,
		FundingProgramme: name, ProjectReference: ref,
	}
	pool := positions[guest.lang]
	if guest.inst {
		pool = institutionPositions[guest.lang]
	}
	for range participants {
		pe := s.person(guest, pool)
		if typ == "internship" {
			g := 0
			if pe.female {
				g = 1
			}
			pe.position = students[guest.lang][g]
		}
		p.proposal.Participants = append(p.proposal.Participants, domain.VisitParticipant{Name: pe.name(), Email: pe.email, Position: pe.position})
	}
	return p
}

// funding chooses the programme paying for a visit and invents a project
// reference in its style.
func (s *seeder) funding(guest, host *org, typ string) (key, name, ref string) {
	if typ == "internship" && guest.p.Kind == "university" && s.chance(0.5) {
		return "", "Erasmus+", fmt.Sprintf("2025-1-%s01-KA131-HED-%09d", guest.country, s.between(100000, 999999))
	}
	if !guest.inst && !host.inst && s.chance(0.2) {
		return "", "", "" // paid by the companies themselves
	}
	de := guest
	if host.country == "DE" {
		de = host
	}
	switch pair := guest.country + host.country; pair {
	case "DEPL", "PLDE":
		switch {
		case de.nuts() == "" || de.nuts()[:3] == "DED":
			key = "plsn"
		case de.nuts()[:3] == "DE4":
			key = "bbpl"
		default:
			key = "mvbbpl"
		}
	case "DECZ", "CZDE":
		key = "sncz"
	default:
		key = "czpl"
	}
	name = get(fundingProgrammes[key], guest.lang)
	switch key {
	case "plsn":
		ref = fmt.Sprintf("PLSN.%02d.01-IP.01-%04d/%d", s.between(1, 4), s.between(1, 150), s.between(23, 25))
	case "sncz":
		ref = fmt.Sprintf("1006%05d", s.between(10000, 99999))
	case "czpl":
		ref = fmt.Sprintf("CZ.11.%d.120/0.0/0.0/%d_%03d/%07d", s.between(1, 4), s.between(22, 24), s.between(1, 30), s.between(1000, 9999))
	case "bbpl":
		ref = fmt.Sprintf("BBPL.%02d.01-IP.01-%04d/%d", s.between(1, 4), s.between(1, 90), s.between(23, 25))
	default:
		ref = fmt.Sprintf("MBBPL.%02d.01-IP.01-%04d/%d", s.between(1, 4), s.between(1, 90), s.between(23, 25))
	}
	return key, name, ref
}

// visitSteps plans the lifecycle of visit p up to its status.
func (s *seeder) visitSteps(p *visitPlan) []step {
	dur := map[string][2]int{"staff_exchange": {3, 8}, "internship": {21, 56}, "study_visit": {1, 3}}[p.proposal.Type]
	length := s.between(dur[0], dur[1])
	guest, host := partner(p.guest), partner(p.host)
	var steps []step
	propose := func(at time.Time, startIn int) {
		prop := p.proposal
		prop.StartDate, prop.EndDate = dateOf(at, startIn), dateOf(at, startIn+length-1)
		steps = append(steps, s.visitStep(p, guest, at, "propose", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
			return domain.ProposeVisit{Proposal: prop}.Decide(v, p.id, a, now)
		}))
	}
	accept := func(at time.Time) {
		steps = append(steps, s.visitStep(p, host, at, "accept", domain.AcceptVisit{}.Decide))
	}
	schedule := func(at time.Time, start string, startT time.Time) {
		actor := guest
		if s.chance(0.5) {
			actor = p.coordinator
		}
		cmd := domain.ScheduleVisit{StartDate: start, EndDate: dateOf(startT, length-1), Arrangements: get(pick(s, visitArrangements), p.guest.lang)}
		steps = append(steps, s.visitStep(p, actor, at, "schedule", cmd.Decide))
	}
	cancel := func(at time.Time, actor domain.Actor, lang string) {
		cmd := domain.CancelVisit{Reason: get(pick(s, visitCancelReasons), lang)}
		steps = append(steps, s.visitStep(p, actor, at, "cancel", cmd.Decide))
	}
	later := s.after
	switch p.status {
	case "proposed":
		propose(s.workday(-s.between(2, 12)), s.between(25, 60))
	case "accepted":
		proposed := s.workday(-s.between(20, 35))
		propose(proposed, s.between(40, 70))
		accept(later(proposed, 1, 6))
	case "declined":
		proposed := s.workday(-s.between(30, 90))
		propose(proposed, s.between(30, 50))
		reason := get(pick(s, visitDeclineReasons), p.host.lang)
		steps = append(steps, s.visitStep(p, host, later(proposed, 2, 8), "decline", domain.DeclineVisit{Reason: reason}.Decide))
	case "scheduled":
		proposed := s.workday(-s.between(50, 80))
		propose(proposed, 45)
		accepted := later(proposed, 3, 6)
		accept(accepted)
		startT := s.now.Add(days(s.between(5, 40)))
		schedule(later(accepted, 4, 10), dateOf(startT, 0), startT)
	case "completed":
		proposed := s.workday(-s.between(170, 230))
		propose(proposed, 40)
		accepted := later(proposed, 3, 7)
		accept(accepted)
		scheduled := later(accepted, 5, 10)
		startT := scheduled.Add(days(s.between(10, 25)))
		schedule(scheduled, dateOf(startT, 0), startT)
		report := s.visitReport(p)
		completed := later(startT.Add(days(length-1)), 2, 10)
		steps = append(steps, s.visitStep(p, guest, completed, "complete", domain.CompleteVisit{Report: report}.Decide))
	case "cancelled":
		switch p.n % 3 {
		case 0:
			proposed := s.workday(-s.between(30, 60))
			propose(proposed, s.between(30, 60))
			cancel(later(proposed, 3, 10), guest, p.guest.lang)
		case 1:
			proposed := s.workday(-s.between(40, 70))
			propose(proposed, s.between(40, 60))
			accepted := later(proposed, 2, 5)
			accept(accepted)
			cancel(later(accepted, 5, 15), host, p.host.lang)
		default:
			proposed := s.workday(-s.between(60, 90))
			propose(proposed, 45)
			accepted := later(proposed, 2, 5)
			accept(accepted)
			scheduled := later(accepted, 4, 8)
			startT := s.now.Add(days(s.between(10, 30)))
			schedule(scheduled, dateOf(startT, 0), startT)
			cancel(later(scheduled, 5, 10), p.coordinator, p.guest.lang)
		}
	}
	return steps
}

// visitReport writes the report of a completed visit with one or two
// proposed joint projects.
func (s *seeder) visitReport(p *visitPlan) domain.VisitReport {
	r := domain.VisitReport{Outcomes: only(pick(s, visitOutcomes[p.proposal.Type]), p.proposal.Languages)}
	business := !p.guest.inst || !p.host.inst || p.guest.p.Kind == "cluster" || p.guest.p.Kind == "chamber"
	pool := jointProjects[business]
	n := s.between(1, 2)
	first := s.intn(len(pool))
	for i := range n {
		jp := pool[(first+i)%len(pool)]
		partners := []string{p.guest.id, p.host.id}
		if s.chance(0.3) {
			third := pick(s, s.orgs)
			if !third.deactivated && third != p.guest && third != p.host {
				partners = append(partners, third.id)
			}
		}
		r.JointProjects = append(r.JointProjects, domain.VisitJointProject{Title: get(jp[0], p.guest.lang), Description: get(jp[1], p.guest.lang), Partners: partners})
	}
	return r
}

// visitStep runs a command on visit p.
func (s *seeder) visitStep(p *visitPlan, actor domain.Actor, at time.Time, what string, decide func(domain.ExchangeVisit, domain.Actor, time.Time) ([]domain.Payload, error)) step {
	return step{at, p.id, func(at time.Time) error {
		_, err := execute(s, domain.ExchangeVisitKind, p.id, actor, at, what, func(st domain.ExchangeVisit, _ uint64, now time.Time) ([]domain.Payload, error) {
			return decide(st, actor, now)
		})
		return err
	}}
}
