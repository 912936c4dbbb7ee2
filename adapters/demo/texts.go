package demo

import (
	"fmt"
	"strings"

	"github.com/nisa-eu/nisa/domain"
)

// langs are the text languages in the order of domain.Text.
var langs = []string{"de", "pl", "cs", "en"}

// get returns the variant of t in lang.
func get(t domain.Text, lang string) string {
	switch lang {
	case "de":
		return t.DE
	case "pl":
		return t.PL
	case "cs":
		return t.CS
	}
	return t.EN
}

// set returns t with the variant in lang replaced by s.
func set(t domain.Text, lang, s string) domain.Text {
	switch lang {
	case "de":
		t.DE = s
	case "pl":
		t.PL = s
	case "cs":
		t.CS = s
	default:
		t.EN = s
	}
	return t
}

// only keeps the variants of t in ls.
func only(t domain.Text, ls []string) domain.Text {
	var out domain.Text
	for _, l := range ls {
		out = set(out, l, get(t, l))
	}
	return out
}

// same is the same string in every language (names, codes).
func same(s string) domain.Text { return t4(s, s, s, s) }

// format fills format text f, language by language, with the variants of
// args in the same language.
func format(f domain.Text, args ...domain.Text) domain.Text {
	var out domain.Text
	for _, l := range langs {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = get(a, l)
		}
		out = set(out, l, fmt.Sprintf(get(f, l), vals...))
	}
	return out
}

// sentences joins texts with a space, language by language.
func sentences(ts ...domain.Text) domain.Text {
	var out domain.Text
	for _, l := range langs {
		parts := make([]string, 0, len(ts))
		for _, t := range ts {
			if s := get(t, l); s != "" {
				parts = append(parts, s)
			}
		}
		out = set(out, l, strings.Join(parts, " "))
	}
	return out
}

// textLangs lists the languages t has, in the order de, pl, cs, en.
func textLangs(t domain.Text) []string {
	var out []string
	for _, l := range langs {
		if get(t, l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// countryLang is the official language of the countries of the network.
var countryLang = map[string]string{"DE": "de", "PL": "pl", "CS": "cs", "CZ": "cs"}

// in names a set of target countries in a locative phrase ("in Polen und
// Tschechien"); key: country codes joined with "+".
var in = map[string]domain.Text{
	"PL":    t4("in Polen", "w Polsce", "v Polsku", "in Poland"),
	"CZ":    t4("in Tschechien", "w Czechach", "v Česku", "in Czechia"),
	"DE":    t4("in Deutschland", "w Niemczech", "v Německu", "in Germany"),
	"PL+CZ": t4("in Polen und Tschechien", "w Polsce i Czechach", "v Polsku a Česku", "in Poland and Czechia"),
	"DE+CZ": t4("in Deutschland und Tschechien", "w Niemczech i Czechach", "v Německu a Česku", "in Germany and Czechia"),
	"DE+PL": t4("in Deutschland und Polen", "w Niemczech i Polsce", "v Německu a Polsku", "in Germany and Poland"),
}

// orgIntro introduces a company: name, city, founding year, staff.
var orgIntro = t4(
	"%s aus %s wurde %s gegründet und beschäftigt rund %s Mitarbeiterinnen und Mitarbeiter.",
	"%s (siedziba: %s) działa od %s roku i zatrudnia około %s osób.",
	"%s (sídlo: %s) působí na trhu od roku %s a zaměstnává přibližně %s lidí.",
	"%s, based in %s, was founded in %s and employs around %s people.",
)

// orgClosings end a company description; %s is a phrase from in.
var orgClosings = []domain.Text{
	t4("Wir suchen Kunden und Kooperationspartner %s.", "Szukamy klientów i partnerów do współpracy %s.", "Hledáme zákazníky a partnery ke spolupráci %s.", "We are looking for customers and partners %s."),
	t4("Erste Aufträge %s haben wir bereits erfolgreich abgewickelt.", "Mamy już za sobą pierwsze udane zlecenia %s.", "První zakázky %s jsme již úspěšně realizovali.", "We have already successfully completed our first orders %s."),
	t4("Wir möchten unsere Zusammenarbeit mit Partnern %s ausbauen.", "Chcemy rozwijać współpracę z partnerami %s.", "Chceme rozšířit spolupráci s partnery %s.", "We want to expand our cooperation with partners %s."),
}

// kindAbout describes an institution by its kind; %s is its name.
var kindAbout = map[string]domain.Text{
	"chamber": t4(
		"%s vertritt die Interessen der gewerblichen Wirtschaft in der Region und berät Unternehmen beim Einstieg in die Märkte der Nachbarländer.",
		"%s reprezentuje interesy przedsiębiorców z regionu i doradza firmom przy wejściu na rynki krajów sąsiednich.",
		"%s zastupuje zájmy podnikatelů v regionu a radí firmám při vstupu na trhy sousedních zemí.",
		"%s represents the interests of businesses in the region and advises companies entering the markets of neighbouring countries."),
	"cluster": t4(
		"%s vernetzt Unternehmen, Hochschulen und Forschungseinrichtungen der Branche und organisiert Matchmaking-Treffen, Schulungen und gemeinsame Messeauftritte.",
		"%s łączy firmy, uczelnie i instytuty badawcze z branży oraz organizuje spotkania matchmakingowe, szkolenia i wspólne wystąpienia targowe.",
		"%s propojuje firmy, vysoké školy a výzkumné instituce z oboru a pořádá matchmakingová setkání, školení a společné účasti na veletrzích.",
		"%s connects companies, universities and research institutes in its sector and organises matchmaking meetings, training and joint trade-fair presence."),
	"municipality": t4(
		"%s engagiert sich in der grenzüberschreitenden Zusammenarbeit mit Partnerkommunen im Nachbarland – von der Stadtentwicklung bis zum Bürgerservice.",
		"%s angażuje się we współpracę transgraniczną z gminami partnerskimi w kraju sąsiednim – od rozwoju miasta po obsługę mieszkańców.",
		"%s se zapojuje do přeshraniční spolupráce s partnerskými obcemi v sousední zemi – od rozvoje města po služby občanům.",
		"%s is active in cross-border cooperation with partner municipalities in the neighbouring country, from urban development to citizen services."),
	"agency": t4(
		"%s unterstützt Unternehmen und Kommunen bei Ansiedlung, Förderung und grenzüberschreitenden Kooperationsprojekten.",
		"%s wspiera przedsiębiorstwa i samorządy w zakresie inwestycji, pozyskiwania funduszy i transgranicznych projektów współpracy.",
		"%s podporuje firmy a obce při investicích, získávání dotací a přeshraničních projektech spolupráce.",
		"%s supports companies and municipalities with investment, funding and cross-border cooperation projects."),
	"university": t4(
		"%s forscht und lehrt in Technik, Wirtschaft und Sozialwissenschaften und kooperiert eng mit Hochschulen jenseits der Grenze.",
		"%s prowadzi badania i kształci w dziedzinach technicznych, ekonomicznych i społecznych oraz ściśle współpracuje z uczelniami zza granicy.",
		"%s se věnuje výzkumu a výuce v technických, ekonomických a společenských oborech a úzce spolupracuje s vysokými školami za hranicí.",
		"%s conducts research and teaching in engineering, economics and the social sciences and works closely with universities across the border."),
	"research_institute": t4(
		"%s betreibt angewandte Forschung und überträgt Ergebnisse in Unternehmen und Verwaltungen der Region.",
		"%s prowadzi badania stosowane i przekazuje ich wyniki firmom i administracji w regionie.",
		"%s se zabývá aplikovaným výzkumem a předává jeho výsledky firmám a veřejné správě v regionu.",
		"%s carries out applied research and transfers its results to companies and public administrations in the region."),
	"association": t4(
		"%s fördert die Zusammenarbeit über die Grenze hinweg – mit Begegnungsprojekten, einem Kleinprojektefonds und gemeinsamen Veranstaltungen.",
		"%s wspiera współpracę ponad granicą poprzez projekty spotkań, fundusz małych projektów i wspólne wydarzenia.",
		"%s podporuje spolupráci přes hranice prostřednictvím projektů setkávání, fondu malých projektů a společných akcí.",
		"%s promotes cooperation across the border through people-to-people projects, a small project fund and joint events."),
}

// offerTitles are the title formats per kind and category; %s is a phrase.
var offerTitles = map[string]domain.Text{
	"offer/product":               t4("%s", "%s", "%s", "%s"),
	"request/product":             t4("Gesucht: %s", "Poszukujemy: %s", "Poptáváme: %s", "Wanted: %s"),
	"offer/service":               t4("%s", "%s", "%s", "%s"),
	"request/service":             t4("Dienstleister gesucht: %s", "Poszukiwany usługodawca: %s", "Hledáme poskytovatele: %s", "Service provider wanted: %s"),
	"offer/supplier_search":       t4("Wir liefern als Zulieferer: %s", "Zostaniemy Państwa dostawcą: %s", "Nabízíme se jako dodavatel: %s", "Available as a supplier: %s"),
	"request/supplier_search":     t4("Zulieferer gesucht: %s", "Poszukiwany dostawca: %s", "Hledáme dodavatele: %s", "Supplier wanted: %s"),
	"offer/subcontracting":        t4("Freie Kapazitäten: %s", "Wolne moce produkcyjne: %s", "Volné kapacity: %s", "Free capacity for subcontracting: %s"),
	"request/subcontracting":      t4("Subunternehmer gesucht: %s", "Poszukiwany podwykonawca: %s", "Hledáme subdodavatele: %s", "Subcontractor wanted: %s"),
	"offer/cooperation_partner":   t4("Kooperation angeboten: %s", "Oferta współpracy: %s", "Nabídka spolupráce: %s", "Cooperation offered: %s"),
	"request/cooperation_partner": t4("Kooperationspartner gesucht: %s", "Poszukiwany partner do współpracy: %s", "Hledáme partnera ke spolupráci: %s", "Cooperation partner wanted: %s"),
	"offer/rd_partner":            t4("F&E-Kooperation: %s", "Współpraca B+R: %s", "Spolupráce ve výzkumu a vývoji: %s", "R&D cooperation: %s"),
	"request/rd_partner":          t4("F&E-Partner gesucht: %s", "Poszukiwany partner B+R: %s", "Hledáme partnera pro výzkum a vývoj: %s", "R&D partner wanted: %s"),
	"offer/nearshoring":           t4("Nearshoring im Grenzraum: %s", "Nearshoring na pograniczu: %s", "Nearshoring v příhraničí: %s", "Nearshoring in the border region: %s"),
	"request/nearshoring":         t4("Nearshoring-Partner gesucht: %s", "Poszukiwany partner nearshoringowy: %s", "Hledáme nearshoringového partnera: %s", "Nearshoring partner wanted: %s"),
}

// offerIntros open the description of an offer per kind and category.
var offerIntros = map[string]domain.Text{
	"offer/product":               t4("Wir bieten Produkte aus eigener Fertigung an – auch in kleinen Stückzahlen.", "Oferujemy produkty z własnej produkcji – również w małych ilościach.", "Nabízíme výrobky z vlastní produkce – i v malých množstvích.", "We offer products from our own production, small quantities included."),
	"request/product":             t4("Für unsere Produktion suchen wir dauerhafte Bezugsquellen.", "Dla naszej produkcji szukamy stałych źródeł zaopatrzenia.", "Pro naši výrobu hledáme stálé zdroje dodávek.", "We are looking for reliable long-term sources for our production."),
	"offer/service":               t4("Wir übernehmen diese Leistung zuverlässig und termingerecht, auch für Kunden jenseits der Grenze.", "Realizujemy tę usługę rzetelnie i terminowo, także dla klientów zza granicy.", "Tuto službu zajistíme spolehlivě a včas, i pro zákazníky za hranicí.", "We deliver this service reliably and on time, including for clients across the border."),
	"request/service":             t4("Wir suchen einen erfahrenen Dienstleister für eine längerfristige Zusammenarbeit.", "Szukamy doświadczonego usługodawcy do długoterminowej współpracy.", "Hledáme zkušeného poskytovatele pro dlouhodobou spolupráci.", "We are looking for an experienced provider for long-term cooperation."),
	"offer/supplier_search":       t4("Wir möchten als Zulieferer für Unternehmen im Nachbarland tätig werden.", "Chcemy zostać dostawcą dla firm z kraju sąsiedniego.", "Chceme se stát dodavatelem pro firmy ze sousední země.", "We would like to become a supplier to companies in the neighbouring country."),
	"request/supplier_search":     t4("Wir suchen neue Zulieferer, um unsere Lieferketten breiter aufzustellen.", "Szukamy nowych dostawców, aby zdywersyfikować nasze łańcuchy dostaw.", "Hledáme nové dodavatele, abychom diverzifikovali své dodavatelské řetězce.", "We are looking for new suppliers to diversify our supply chains."),
	"offer/subcontracting":        t4("Wir haben freie Kapazitäten und übernehmen Aufträge als Subunternehmer.", "Dysponujemy wolnymi mocami i przyjmujemy zlecenia jako podwykonawca.", "Máme volné kapacity a přijímáme zakázky jako subdodavatel.", "We have free capacity and take on work as a subcontractor."),
	"request/subcontracting":      t4("Für laufende Aufträge suchen wir zuverlässige Subunternehmer.", "Do bieżących zleceń szukamy rzetelnych podwykonawców.", "Pro probíhající zakázky hledáme spolehlivé subdodavatele.", "We are looking for reliable subcontractors for ongoing orders."),
	"offer/cooperation_partner":   t4("Wir bieten unsere Erfahrung für ein gemeinsames grenzüberschreitendes Vorhaben an.", "Oferujemy nasze doświadczenie we wspólnym przedsięwzięciu transgranicznym.", "Nabízíme své zkušenosti pro společný přeshraniční záměr.", "We offer our experience for a joint cross-border venture."),
	"request/cooperation_partner": t4("Wir suchen einen Partner auf der anderen Seite der Grenze für ein gemeinsames Vorhaben.", "Szukamy partnera po drugiej stronie granicy do wspólnego przedsięwzięcia.", "Hledáme partnera na druhé straně hranice pro společný záměr.", "We are looking for a partner on the other side of the border for a joint venture."),
	"offer/rd_partner":            t4("Wir bringen Know-how sowie Labor- und Versuchskapazitäten in ein gemeinsames F&E-Projekt ein.", "Wnosimy know-how oraz zaplecze laboratoryjne i badawcze do wspólnego projektu B+R.", "Do společného projektu výzkumu a vývoje přinášíme know-how a laboratorní i zkušební kapacity.", "We contribute know-how and laboratory and testing capacity to a joint R&D project."),
	"request/rd_partner":          t4("Für einen Förderantrag suchen wir Forschungs- und Unternehmenspartner.", "Do wniosku o dofinansowanie szukamy partnerów naukowych i biznesowych.", "Pro žádost o dotaci hledáme výzkumné a podnikové partnery.", "We are looking for research and business partners for a funding application."),
	"offer/nearshoring":           t4("Verlagern Sie Fertigungsschritte zu uns – kurze Wege, gleiche Zeitzone, mehrsprachiges Team.", "Przenieście do nas etapy produkcji – krótkie dystanse, ta sama strefa czasowa, wielojęzyczny zespół.", "Přesuňte k nám výrobní kroky – krátké vzdálenosti, stejné časové pásmo, vícejazyčný tým.", "Move production steps to us: short distances, the same time zone, a multilingual team."),
	"request/nearshoring":         t4("Wir wollen Teile unserer Wertschöpfung aus Asien in den Grenzraum zurückholen.", "Chcemy przenieść część produkcji z Azji z powrotem na pogranicze.", "Chceme přesunout část výroby z Asie zpět do příhraničí.", "We want to bring part of our production back from Asia to the border region."),
}

// supplyTerms are sentences on the terms of an offer.
var supplyTerms = []domain.Text{
	t4("Zertifiziert nach ISO 9001 und ISO 14001.", "Posiadamy certyfikaty ISO 9001 i ISO 14001.", "Jsme certifikováni podle ISO 9001 a ISO 14001.", "Certified to ISO 9001 and ISO 14001."),
	t4("Die Lieferzeit beträgt in der Regel zwei bis vier Wochen.", "Czas realizacji wynosi zwykle od dwóch do czterech tygodni.", "Dodací lhůta je obvykle dva až čtyři týdny.", "Lead time is usually two to four weeks."),
	t4("Muster und Referenzen stellen wir gern zur Verfügung.", "Chętnie udostępnimy próbki i referencje.", "Vzorky a reference rádi poskytneme.", "Samples and references are available on request."),
	t4("Unsere Ansprechpartner sprechen auch Englisch.", "Nasi pracownicy mówią również po angielsku.", "Naši pracovníci hovoří také anglicky.", "Our staff also speak English."),
	t4("Rahmenverträge sind möglich.", "Możliwe są umowy ramowe.", "Rámcové smlouvy jsou možné.", "Framework agreements are possible."),
	t4("Mit eigenem Fuhrpark liefern wir im Umkreis von 200 km.", "Własnym transportem dostarczamy w promieniu 200 km.", "Vlastní dopravou dodáváme do vzdálenosti 200 km.", "We deliver within 200 km with our own fleet."),
	t4("Wir liefern auch nach Österreich und Ungarn.", "Dostarczamy również do Austrii i na Węgry.", "Dodáváme také do Rakouska a Maďarska.", "We also deliver to Austria and Hungary."),
}

// demandTerms are sentences on the terms of a request.
var demandTerms = []domain.Text{
	t4("Wir bitten um Angebote bis zum Ende des Quartals.", "Prosimy o oferty do końca kwartału.", "Nabídky prosíme do konce čtvrtletí.", "Please send offers by the end of the quarter."),
	t4("Wir streben eine langfristige Zusammenarbeit mit Rahmenvertrag an.", "Zależy nam na długoterminowej współpracy w oparciu o umowę ramową.", "Usilujeme o dlouhodobou spolupráci na základě rámcové smlouvy.", "We aim for long-term cooperation under a framework agreement."),
	t4("Zeichnungen und Spezifikationen senden wir auf Anfrage zu.", "Rysunki i specyfikacje prześlemy na życzenie.", "Výkresy a specifikace zašleme na vyžádání.", "Drawings and specifications are available on request."),
	t4("Wir rechnen mit mehreren Aufträgen pro Jahr.", "Przewidujemy kilka zleceń rocznie.", "Počítáme s několika zakázkami ročně.", "We expect several orders a year."),
	t4("Erste Gespräche gern online oder bei einem Besuch vor Ort.", "Pierwsze rozmowy chętnie online lub podczas wizyty na miejscu.", "První jednání rádi online nebo při návštěvě na místě.", "First talks online or during an on-site visit, as you prefer."),
}

// cooperationTerms are sentences on joint ventures and on the services of
// institutions.
var cooperationTerms = []domain.Text{
	t4("Das Vorhaben kann über ein Interreg-Kleinprojekt gefördert werden.", "Przedsięwzięcie może zostać dofinansowane w ramach małego projektu Interreg.", "Záměr lze podpořit z malého projektu Interreg.", "The venture can be funded through an Interreg small project."),
	t4("Erste Gespräche gern online oder bei einem Besuch vor Ort.", "Pierwsze rozmowy chętnie online lub podczas wizyty na miejscu.", "První jednání rádi online nebo při návštěvě na místě.", "First talks online or during an on-site visit, as you prefer."),
	t4("Eine Projektskizze liegt bereits vor.", "Mamy już gotowy zarys projektu.", "Náčrt projektu již máme připravený.", "A project outline is already available."),
	t4("Wir bringen Erfahrung aus früheren Interreg-Projekten mit.", "Mamy doświadczenie z wcześniejszych projektów Interreg.", "Máme zkušenosti z předchozích projektů Interreg.", "We bring experience from earlier Interreg projects."),
}

// offerTargets close an offer's description; %s is a phrase from in.
var offerTargets = []domain.Text{
	t4("Wir freuen uns über Anfragen von Partnern %s.", "Czekamy na zapytania od partnerów %s.", "Těšíme se na poptávky od partnerů %s.", "We look forward to enquiries from partners %s."),
	t4("Besonders interessant sind für uns Partner %s.", "Szczególnie interesują nas partnerzy %s.", "Zajímají nás především partneři %s.", "We are particularly interested in partners %s."),
}

// revisionNotes are appended when an offer is revised.
var revisionNotes = []domain.Text{
	t4("Aktualisiert: erweiterte Kapazitäten ab dem nächsten Quartal.", "Aktualizacja: zwiększone moce od następnego kwartału.", "Aktualizace: rozšířené kapacity od příštího čtvrtletí.", "Updated: extended capacity from next quarter."),
	t4("Aktualisiert: neue Ansprechperson für Anfragen aus dem Nachbarland.", "Aktualizacja: nowa osoba kontaktowa dla zapytań z kraju sąsiedniego.", "Aktualizace: nová kontaktní osoba pro poptávky ze sousední země.", "Updated: new contact person for enquiries from the neighbouring country."),
	t4("Aktualisiert: Preise für 2026 auf Anfrage.", "Aktualizacja: ceny na 2026 rok na zapytanie.", "Aktualizace: ceny pro rok 2026 na vyžádání.", "Updated: 2026 prices on request."),
}

// interestMessages are messages of organisations interested in an offer:
// 0, 1 answer offers, 2, 3 requests, 4 anything (see interestMessageFor).
var interestMessages = []domain.Text{
	t4("Wir sind sehr an Ihrem Angebot interessiert und würden gern einen Gesprächstermin vereinbaren.", "Jesteśmy bardzo zainteresowani Państwa ofertą i chętnie umówimy się na rozmowę.", "Vaše nabídka nás velmi zaujala a rádi bychom si domluvili schůzku.", "We are very interested in your offer and would like to arrange a meeting."),
	t4("Bitte senden Sie uns Preise und Lieferbedingungen für eine Erstbestellung.", "Prosimy o przesłanie cen i warunków dostawy dla pierwszego zamówienia.", "Zašlete nám prosím ceny a dodací podmínky pro první objednávku.", "Please send us prices and delivery terms for a first order."),
	t4("Wir haben passende Kapazitäten frei und könnten kurzfristig starten.", "Mamy odpowiednie wolne moce i moglibyśmy szybko rozpocząć.", "Máme vhodné volné kapacity a mohli bychom začít v krátké době.", "We have suitable capacity available and could start at short notice."),
	t4("Wir haben Erfahrung mit ähnlichen Projekten im Grenzraum und würden uns gern vorstellen.", "Mamy doświadczenie w podobnych projektach na pograniczu i chętnie się przedstawimy.", "S podobnými projekty v příhraničí máme zkušenosti a rádi se představíme.", "We have experience with similar projects in the border region and would be glad to introduce ourselves."),
	t4("Könnten wir uns beim nächsten Matchmaking-Treffen persönlich austauschen?", "Czy moglibyśmy porozmawiać osobiście podczas najbliższego spotkania matchmakingowego?", "Mohli bychom se osobně setkat na příštím matchmakingovém setkání?", "Could we talk in person at the next matchmaking meeting?"),
}

// declineReasons are owners' reasons for declining an interest.
var declineReasons = []domain.Text{
	t4("Wir haben bereits einen Partner gefunden.", "Znaleźliśmy już partnera.", "Partnera jsme již našli.", "We have already found a partner."),
	t4("Ihr Angebot passt leider nicht zu unseren Stückzahlen.", "Niestety Państwa oferta nie odpowiada naszym wolumenom.", "Vaše nabídka bohužel neodpovídá našim objemům.", "Unfortunately your offer does not match our volumes."),
	t4("Derzeit haben wir keine Kapazitäten für neue Projekte.", "Obecnie nie mamy mocy przerobowych na nowe projekty.", "V současné době nemáme kapacitu na nové projekty.", "We currently have no capacity for new projects."),
}

// withdrawReasons are owners' reasons for withdrawing an offer.
var withdrawReasons = []domain.Text{
	t4("Der Bedarf ist bereits gedeckt.", "Zapotrzebowanie zostało już zaspokojone.", "Poptávka již byla uspokojena.", "The need has already been met."),
	t4("Das Produkt wird nicht mehr hergestellt.", "Produkt nie jest już produkowany.", "Výrobek se již nevyrábí.", "The product is no longer made."),
	t4("Partner über eine Kooperationsbörse gefunden.", "Partnera znaleźliśmy podczas giełdy kooperacyjnej.", "Partnera jsme našli na kooperační burze.", "Partner found at a matchmaking event."),
}

// deactivationReasons are reasons for leaving the network.
var deactivationReasons = []domain.Text{
	t4("Geschäftsbetrieb eingestellt.", "Zakończenie działalności gospodarczej.", "Ukončení podnikatelské činnosti.", "Business closed."),
	t4("Fusion mit einem anderen Unternehmen.", "Połączenie z inną spółką.", "Fúze s jinou společností.", "Merged with another company."),
	t4("Teilnahme am Netzwerk beendet.", "Rezygnacja z udziału w sieci.", "Ukončení účasti v síti.", "Left the network."),
}

// positions are neutral job titles of contact persons per language.
var positions = map[string][]string{
	"de": {"Geschäftsführung", "Vertrieb", "Einkauf", "Projektkoordination", "Internationale Zusammenarbeit"},
	"pl": {"Zarząd", "Dział sprzedaży", "Dział zakupów", "Koordynacja projektów", "Współpraca zagraniczna"},
	"cs": {"Vedení společnosti", "Obchodní oddělení", "Nákup", "Projektové řízení", "Zahraniční spolupráce"},
}
