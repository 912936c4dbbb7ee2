package demo

import "github.com/nisa-eu/nisa/domain"

// town is a place where generated companies are based.
type town struct {
	name, nuts, postal string
	// phone is the international dialling prefix with the area code.
	phone string
	// adj is the German adjective of the town ("Görlitzer"), for names.
	adj string
	// weight is how many companies the town gets relative to others.
	weight int
}

// towns of the border regions. NUTS 3 codes as in domain/reference.
var towns = []town{
	// Saxony
	{"Dresden", "DED21", "01099", "+49 351", "Dresdner", 4},
	{"Görlitz", "DED2D", "02826", "+49 3581", "Görlitzer", 3},
	{"Zittau", "DED2D", "02763", "+49 3583", "Zittauer", 2},
	{"Löbau", "DED2D", "02708", "+49 3585", "Löbauer", 1},
	{"Weißwasser/O.L.", "DED2D", "02943", "+49 3576", "Lausitzer", 1},
	{"Ebersbach-Neugersdorf", "DED2D", "02730", "+49 3586", "Oberlausitzer", 1},
	{"Bautzen", "DED2C", "02625", "+49 3591", "Bautzener", 2},
	{"Kamenz", "DED2C", "01917", "+49 3578", "Kamenzer", 1},
	{"Hoyerswerda", "DED2C", "02977", "+49 3571", "Lausitzer", 1},
	{"Meißen", "DED2E", "01662", "+49 3521", "Meißner", 1},
	{"Radebeul", "DED2E", "01445", "+49 351", "Elbtaler", 1},
	{"Pirna", "DED2F", "01796", "+49 3501", "Pirnaer", 1},
	{"Freital", "DED2F", "01705", "+49 351", "Freitaler", 1},
	{"Chemnitz", "DED41", "09111", "+49 371", "Chemnitzer", 2},
	{"Annaberg-Buchholz", "DED42", "09456", "+49 3733", "Erzgebirgische", 1},
	{"Freiberg", "DED43", "09599", "+49 3731", "Freiberger", 1},
	{"Plauen", "DED44", "08523", "+49 3741", "Plauener", 1},
	{"Zwickau", "DED45", "08056", "+49 375", "Zwickauer", 1},
	{"Leipzig", "DED51", "04109", "+49 341", "Leipziger", 1},
	// Brandenburg
	{"Cottbus", "DE402", "03046", "+49 355", "Cottbuser", 2},
	{"Frankfurt (Oder)", "DE403", "15230", "+49 335", "Oderländer", 2},
	{"Eisenhüttenstadt", "DE40C", "15890", "+49 3364", "Oderländer", 1},
	{"Guben", "DE40G", "03172", "+49 3561", "Gubener", 1},
	{"Forst (Lausitz)", "DE40G", "03149", "+49 3562", "Lausitzer", 1},
	{"Schwedt/Oder", "DE40I", "16303", "+49 3332", "Uckermärker", 1},
	{"Senftenberg", "DE40B", "01968", "+49 3573", "Lausitzer", 1},
	// Mecklenburg-Vorpommern
	{"Greifswald", "DE80N", "17489", "+49 3834", "Greifswalder", 2},
	{"Pasewalk", "DE80N", "17309", "+49 3973", "Vorpommersche", 1},
	{"Stralsund", "DE80L", "18439", "+49 3831", "Stralsunder", 1},
	{"Neubrandenburg", "DE80J", "17033", "+49 395", "Neubrandenburger", 1},
	{"Rostock", "DE803", "18055", "+49 381", "Rostocker", 1},
	// Lower Silesia
	{"Wrocław", "PL514", "50-001", "+48 71", "", 4},
	{"Jelenia Góra", "PL515", "58-500", "+48 75", "", 2},
	{"Zgorzelec", "PL515", "59-900", "+48 75", "", 2},
	{"Bolesławiec", "PL515", "59-700", "+48 75", "", 2},
	{"Lubań", "PL515", "59-800", "+48 75", "", 1},
	{"Legnica", "PL516", "59-220", "+48 76", "", 1},
	{"Głogów", "PL516", "67-200", "+48 76", "", 1},
	{"Wałbrzych", "PL517", "58-300", "+48 74", "", 1},
	{"Świdnica", "PL517", "58-100", "+48 74", "", 1},
	{"Kłodzko", "PL517", "57-300", "+48 74", "", 1},
	// Opole
	{"Opole", "PL524", "45-001", "+48 77", "", 3},
	{"Krapkowice", "PL524", "47-300", "+48 77", "", 1},
	{"Nysa", "PL523", "48-300", "+48 77", "", 1},
	{"Prudnik", "PL523", "48-200", "+48 77", "", 1},
	// Lubusz
	{"Zielona Góra", "PL432", "65-001", "+48 68", "", 2},
	{"Żary", "PL432", "68-200", "+48 68", "", 1},
	{"Gubin", "PL432", "66-620", "+48 68", "", 1},
	{"Gorzów Wielkopolski", "PL431", "66-400", "+48 95", "", 2},
	{"Kostrzyn nad Odrą", "PL431", "66-470", "+48 95", "", 1},
	// West Pomerania
	{"Szczecin", "PL424", "70-001", "+48 91", "", 4},
	{"Police", "PL428", "72-010", "+48 91", "", 1},
	{"Gryfino", "PL428", "74-100", "+48 91", "", 1},
	{"Koszalin", "PL426", "75-001", "+48 94", "", 1},
	// Czechia
	{"Karlovy Vary", "CZ041", "360 01", "+420 35", "", 2},
	{"Cheb", "CZ041", "350 02", "+420 35", "", 1},
	{"Sokolov", "CZ041", "356 01", "+420 35", "", 1},
	{"Ústí nad Labem", "CZ042", "400 01", "+420 47", "", 2},
	{"Děčín", "CZ042", "405 02", "+420 41", "", 2},
	{"Teplice", "CZ042", "415 01", "+420 41", "", 1},
	{"Varnsdorf", "CZ042", "407 47", "+420 41", "", 1},
	{"Rumburk", "CZ042", "408 01", "+420 41", "", 1},
	{"Liberec", "CZ051", "460 01", "+420 48", "", 4},
	{"Jablonec nad Nisou", "CZ051", "466 01", "+420 48", "", 2},
	{"Frýdlant", "CZ051", "464 01", "+420 48", "", 1},
	{"Česká Lípa", "CZ051", "470 01", "+420 48", "", 1},
	{"Turnov", "CZ051", "511 01", "+420 48", "", 1},
	{"Hradec Králové", "CZ052", "500 02", "+420 49", "", 2},
	{"Trutnov", "CZ052", "541 01", "+420 49", "", 1},
	{"Náchod", "CZ052", "547 01", "+420 49", "", 1},
	{"Olomouc", "CZ071", "779 00", "+420 58", "", 2},
	{"Šumperk", "CZ071", "787 01", "+420 58", "", 1},
	{"Jeseník", "CZ071", "790 01", "+420 58", "", 1},
	{"Ostrava", "CZ080", "702 00", "+420 59", "", 2},
	{"Opava", "CZ080", "746 01", "+420 55", "", 1},
	{"Krnov", "CZ080", "794 01", "+420 55", "", 1},
}

// streets per language; a house number is added.
var streets = map[string][]string{
	"de": {"Bahnhofstraße", "Gewerbering", "Industriestraße", "Am Mühlgraben", "Handwerkerstraße", "Dresdner Straße", "Zittauer Straße", "Lindenallee", "An der Neiße", "Gutenbergstraße"},
	"pl": {"ul. Przemysłowa", "ul. Fabryczna", "ul. Słowackiego", "ul. Mickiewicza", "ul. Kolejowa", "ul. Wrocławska", "ul. Graniczna", "ul. Łużycka", "ul. Rzemieślnicza", "ul. Ogrodowa"},
	"cs": {"Průmyslová", "Nádražní", "Husova", "Tovární", "Masarykova", "Jablonecká", "Žitavská", "Lidická", "Sokolská", "Zahradní"},
}

// brands are regional words (rivers, mountains, landscapes) companies name
// themselves after, by the NUTS code their region starts with (the longest
// prefix applies).
var brands = map[string][]string{
	"DED2":  {"Elbtal", "Neißetal", "Lusatia", "Oberland", "Dreiländereck"},
	"DED4":  {"Erzgebirge", "Vogtland", "Muldental"},
	"DED5":  {"Muldental", "Elster", "Pleißeland"},
	"DE4":   {"Oderland", "Spreewald", "Lausitz", "Spreewerk", "Uckermark"},
	"DE8":   {"Pomerania", "Haff", "Ostsee", "Peenetal"},
	"PL51":  {"Sudety", "Silesia", "Karkonosze", "Bóbr", "Kwisa", "Odra", "Nysa"},
	"PL52":  {"Opolanka", "Silesia", "Odra", "Nysa"},
	"PL43":  {"Odra", "Warta", "Bóbr", "Lubuszanka"},
	"PL42":  {"Pomerania", "Baltic", "Odra", "Bałtyk"},
	"CZ041": {"Ohře", "Krušnohoří", "Bohemia"},
	"CZ042": {"Labe", "Krušnohoří", "Bohemia"},
	"CZ051": {"Jizera", "Nisa", "Ještěd", "Bohemia"},
	"CZ052": {"Krkonoše", "Orlice", "Bohemia"},
	"CZ071": {"Jeseníky", "Haná", "Moravia"},
	"CZ080": {"Beskydy", "Odra", "Moravia", "Silesia"},
}

// brandsFor returns the brands of the region nuts.
func brandsFor(nuts string) []string {
	for n := len(nuts); n > 0; n-- {
		if b, ok := brands[nuts[:n]]; ok {
			return b
		}
	}
	panic("demo: no brands for " + nuts)
}

// person name pools. Polish and Czech surnames are given as
// masculine/feminine pairs.
var (
	firstNames = map[string][2][]string{ // [male, female]
		"de": {
			{"Thomas", "Matthias", "Jens", "Steffen", "Mirko", "Sebastian", "Uwe", "Martin", "Tobias", "Frank", "Robert", "Christian"},
			{"Anja", "Katrin", "Susanne", "Claudia", "Franziska", "Juliane", "Ines", "Sabine", "Kristin", "Stefanie", "Doreen", "Maria"},
		},
		"pl": {
			{"Piotr", "Tomasz", "Łukasz", "Paweł", "Krzysztof", "Michał", "Grzegorz", "Wojciech", "Marcin", "Bartosz", "Jacek", "Rafał"},
			{"Agnieszka", "Małgorzata", "Katarzyna", "Joanna", "Magdalena", "Ewa", "Anna", "Beata", "Justyna", "Dorota", "Żaneta", "Urszula"},
		},
		"cs": {
			{"Jan", "Petr", "Tomáš", "Martin", "Jiří", "Lukáš", "Pavel", "Ondřej", "Jakub", "Michal", "Radek", "Zdeněk"},
			{"Jana", "Petra", "Lenka", "Kateřina", "Markéta", "Eva", "Tereza", "Lucie", "Veronika", "Hana", "Zuzana", "Šárka"},
		},
	}
	surnames = map[string][][2]string{
		"de": {{"Richter", ""}, {"Schulze", ""}, {"Neumann", ""}, {"Krause", ""}, {"Lehmann", ""}, {"Wagner", ""}, {"Hoffmann", ""}, {"Kühn", ""}, {"Schäfer", ""}, {"Böhme", ""}, {"Günther", ""}, {"Förster", ""}, {"Scholz", ""}, {"Seidel", ""}, {"Pohl", ""}, {"Möbius", ""}, {"Jähnig", ""}, {"Schröter", ""}, {"Große", ""}, {"Müller", ""}},
		"pl": {{"Nowak", "Nowak"}, {"Wójcik", "Wójcik"}, {"Kowalski", "Kowalska"}, {"Wiśniewski", "Wiśniewska"}, {"Lewandowski", "Lewandowska"}, {"Dąbrowski", "Dąbrowska"}, {"Zieliński", "Zielińska"}, {"Szymański", "Szymańska"}, {"Kaczmarek", "Kaczmarek"}, {"Mazur", "Mazur"}, {"Krawczyk", "Krawczyk"}, {"Piotrowski", "Piotrowska"}, {"Grabowski", "Grabowska"}, {"Pawlak", "Pawlak"}, {"Michalak", "Michalak"}, {"Wróbel", "Wróbel"}, {"Jabłoński", "Jabłońska"}, {"Sołtys", "Sołtys"}, {"Żak", "Żak"}, {"Kołodziej", "Kołodziej"}},
		"cs": {{"Novák", "Nováková"}, {"Svoboda", "Svobodová"}, {"Dvořák", "Dvořáková"}, {"Černý", "Černá"}, {"Procházka", "Procházková"}, {"Kučera", "Kučerová"}, {"Veselý", "Veselá"}, {"Horák", "Horáková"}, {"Němec", "Němcová"}, {"Marek", "Marková"}, {"Pospíšil", "Pospíšilová"}, {"Hájek", "Hájková"}, {"Jelínek", "Jelínková"}, {"Král", "Králová"}, {"Růžička", "Růžičková"}, {"Beneš", "Benešová"}, {"Fiala", "Fialová"}, {"Sedláček", "Sedláčková"}, {"Kolář", "Kolářová"}, {"Šťastný", "Šťastná"}},
	}
)

// institution is a real organisation of the border regions. Addresses are
// given to the city only; contact persons are invented.
type institution struct {
	name, kind, legal, nuts, city, web string
	lang                               string
	langs                              []string
	sectors                            []string // sector keys
	nace                               []string // beyond those of the sectors
	networks                           []string
	focus                              domain.Text
	verified                           bool
}

// Network names (Euroregions and clusters); real ones.
const (
	netNeisse    = "Euroregion Neisse-Nisa-Nysa"
	netElbe      = "Euroregion Elbe/Labe"
	netErz       = "Euroregion Erzgebirge/Krušnohoří"
	netEgrensis  = "Euroregion Egrensis"
	netPomerania = "Euroregion Pomerania"
	netViadrina  = "Euroregion Pro Europa Viadrina"
	netSNB       = "Euroregion Spree-Neiße-Bober"
	netGlacensis = "Euroregion Glacensis"
	netPraded    = "Euroregion Praděd"
	netEEN       = "Enterprise Europe Network"
	netSilicon   = "Silicon Saxony"
	netEnergy    = "Energy Saxony"
	netICT       = "Klaster ICT Pomorze Zachodnie"
	netMSAK      = "Moravskoslezský automobilový klastr"
)

// euroregionOf maps NUTS 3 regions to their Euroregion.
var euroregionOf = map[string]string{
	"DED2D": netNeisse, "DED2C": netNeisse, "PL515": netNeisse, "CZ051": netNeisse,
	"DED2F": netElbe, "DED21": netElbe, "CZ042": netElbe,
	"DED42": netErz, "DED43": netErz,
	"DED44": netEgrensis, "CZ041": netEgrensis,
	"DE80N": netPomerania, "DE80L": netPomerania, "DE80J": netPomerania, "DE40I": netPomerania, "PL424": netPomerania, "PL428": netPomerania, "PL426": netPomerania,
	"DE403": netViadrina, "DE40C": netViadrina, "PL431": netViadrina,
	"DE402": netSNB, "DE40G": netSNB, "DE40B": netSNB, "PL432": netSNB,
	"PL517": netGlacensis, "CZ052": netGlacensis,
	"PL523": netPraded, "PL524": netPraded, "CZ071": netPraded, "CZ080": netPraded,
}

// institutions are registered first, in this order; the first is the
// organisation whose presence marks the demo as loaded.
var institutions = []institution{
	// Saxony
	{name: "IHK Dresden", kind: "chamber", legal: "Körperschaft des öffentlichen Rechts", nuts: "DED21", city: "Dresden", web: "https://www.ihk.de/dresden", lang: "de", langs: []string{"de", "en", "cs", "pl"}, sectors: []string{"business_support"}, networks: []string{netEEN}, verified: true},
	{name: "Wirtschaftsförderung Sachsen GmbH", kind: "agency", legal: "GmbH", nuts: "DED21", city: "Dresden", lang: "de", langs: []string{"de", "en", "cs"}, sectors: []string{"business_support"}, nace: []string{"84.13"}, verified: true,
		focus: t4("Als Leadpartner des Interreg-Projekts „Glokalisierung – global denken, lokal handeln“ baut sie mit AHK Services s.r.o. eine digitale Netzwerk-Plattform für KMU im sächsisch-tschechischen Grenzraum auf.", "", "Jako vedoucí partner projektu Interreg „Glokalizace – myslet globálně, jednat lokálně“ buduje se společností AHK Services s.r.o. digitální síťovou platformu pro MSP v česko-saském příhraničí.", "As lead partner of the Interreg project 'Glocalisation – think global, act local' it is building a digital network platform for SMEs in the Saxon–Czech border region together with AHK Services s.r.o.")},
	{name: "Technische Universität Dresden", kind: "university", legal: "Körperschaft des öffentlichen Rechts", nuts: "DED21", city: "Dresden", web: "https://tu-dresden.de", lang: "de", langs: []string{"de", "en"}, sectors: []string{"research", "electronics", "machinery"}, verified: true},
	{name: "Hochschule Zittau/Görlitz", kind: "university", legal: "Körperschaft des öffentlichen Rechts", nuts: "DED2D", city: "Zittau", web: "https://www.hszg.de", lang: "de", langs: []string{"de", "pl", "cs", "en"}, sectors: []string{"research", "energy"}, verified: true},
	{name: "Sächsisches Staatsministerium des Innern", kind: "agency", legal: "Oberste Landesbehörde", nuts: "DED21", city: "Dresden", lang: "de", langs: []string{"de", "pl", "en"}, sectors: []string{"public"},
		focus: t4("Als Leadpartner des Projekts „Smart Integration“ intensiviert es mit dem Marschallamt der Woiwodschaft Niederschlesien und dem Institut für Territoriale Entwicklung die Verwaltungszusammenarbeit in der Raum- und Regionalentwicklung.", "Jako partner wiodący projektu „Smart Integration” wraz z Urzędem Marszałkowskim Województwa Dolnośląskiego i Instytutem Rozwoju Terytorialnego zacieśnia współpracę administracji w zakresie rozwoju przestrzennego i regionalnego.", "", "As lead partner of the 'Smart Integration' project it deepens administrative cooperation on spatial and regional development with the Marshal's Office of Lower Silesia and the Institute for Territorial Development.")},
	{name: "Stadt Görlitz", kind: "municipality", legal: "Gebietskörperschaft", nuts: "DED2D", city: "Görlitz", web: "https://www.goerlitz.de", lang: "de", langs: []string{"de", "pl"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "Stadt Zittau", kind: "municipality", legal: "Gebietskörperschaft", nuts: "DED2D", city: "Zittau", lang: "de", langs: []string{"de", "cs", "pl"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "Landkreis Görlitz", kind: "municipality", legal: "Gebietskörperschaft", nuts: "DED2D", city: "Görlitz", lang: "de", langs: []string{"de", "pl", "cs"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "Stadt Bautzen", kind: "municipality", legal: "Gebietskörperschaft", nuts: "DED2C", city: "Bautzen", lang: "de", langs: []string{"de", "cs"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "IHK Chemnitz", kind: "chamber", legal: "Körperschaft des öffentlichen Rechts", nuts: "DED41", city: "Chemnitz", web: "https://www.ihk.de/chemnitz", lang: "de", langs: []string{"de", "cs", "en"}, sectors: []string{"business_support"}, networks: []string{netEEN}, verified: true},
	{name: "Handwerkskammer Dresden", kind: "chamber", legal: "Körperschaft des öffentlichen Rechts", nuts: "DED21", city: "Dresden", lang: "de", langs: []string{"de", "pl", "cs"}, sectors: []string{"business_support"}},
	{name: "Silicon Saxony e. V.", kind: "cluster", legal: "e. V.", nuts: "DED21", city: "Dresden", web: "https://silicon-saxony.de", lang: "de", langs: []string{"de", "en"}, sectors: []string{"business_support", "electronics", "software"}, nace: []string{"94.12"}},
	{name: "Energy Saxony e. V.", kind: "cluster", legal: "e. V.", nuts: "DED21", city: "Dresden", lang: "de", langs: []string{"de", "en"}, sectors: []string{"business_support", "energy"}, nace: []string{"94.12"}},
	{name: "Europastadt GörlitzZgorzelec GmbH", kind: "agency", legal: "GmbH", nuts: "DED2D", city: "Görlitz", lang: "de", langs: []string{"de", "pl"}, sectors: []string{"business_support", "tourism"}, networks: []string{netNeisse}},
	{name: "Euroregion Neisse e. V.", kind: "association", legal: "e. V.", nuts: "DED2D", city: "Zittau", lang: "de", langs: []string{"de", "pl", "cs"}, sectors: []string{"public"}, nace: []string{"94.99"}, networks: []string{netNeisse}},
	{name: "Technische Universität Chemnitz", kind: "university", legal: "Körperschaft des öffentlichen Rechts", nuts: "DED41", city: "Chemnitz", web: "https://www.tu-chemnitz.de", lang: "de", langs: []string{"de", "en", "cs"}, sectors: []string{"research", "automotive", "textiles"}},
	{name: "Fraunhofer-Institut für Werkzeugmaschinen und Umformtechnik IWU", kind: "research_institute", legal: "Einrichtung der Fraunhofer-Gesellschaft e. V.", nuts: "DED41", city: "Chemnitz", lang: "de", langs: []string{"de", "en"}, sectors: []string{"research", "machinery"}},
	// Brandenburg
	{name: "IHK Cottbus", kind: "chamber", legal: "Körperschaft des öffentlichen Rechts", nuts: "DE402", city: "Cottbus", lang: "de", langs: []string{"de", "pl", "en"}, sectors: []string{"business_support"}, networks: []string{netEEN}, verified: true},
	{name: "IHK Ostbrandenburg", kind: "chamber", legal: "Körperschaft des öffentlichen Rechts", nuts: "DE403", city: "Frankfurt (Oder)", lang: "de", langs: []string{"de", "pl"}, sectors: []string{"business_support"}, networks: []string{netViadrina}},
	{name: "Europa-Universität Viadrina Frankfurt (Oder)", kind: "university", legal: "Stiftung des öffentlichen Rechts", nuts: "DE403", city: "Frankfurt (Oder)", web: "https://www.europa-uni.de", lang: "de", langs: []string{"de", "pl", "en"}, sectors: []string{"research"}, verified: true},
	{name: "Brandenburgische Technische Universität Cottbus-Senftenberg", kind: "university", legal: "Körperschaft des öffentlichen Rechts", nuts: "DE402", city: "Cottbus", web: "https://www.b-tu.de", lang: "de", langs: []string{"de", "en", "pl"}, sectors: []string{"research", "energy"}},
	{name: "Stadt Frankfurt (Oder)", kind: "municipality", legal: "Gebietskörperschaft", nuts: "DE403", city: "Frankfurt (Oder)", lang: "de", langs: []string{"de", "pl"}, sectors: []string{"public"}, networks: []string{netViadrina}},
	{name: "Wirtschaftsförderung Land Brandenburg GmbH", kind: "agency", legal: "GmbH", nuts: "DE404", city: "Potsdam", lang: "de", langs: []string{"de", "en", "pl"}, sectors: []string{"business_support"}},
	// Mecklenburg-Vorpommern
	{name: "WITENO GmbH", kind: "agency", legal: "GmbH", nuts: "DE80N", city: "Greifswald", lang: "de", langs: []string{"de", "en", "pl"}, sectors: []string{"business_support", "software"}, networks: []string{netPomerania},
		focus: t4("Als Wissenschafts- und Technologiepark verfügt die WITENO GmbH über ein dichtes Netzwerk zu Unternehmen und Institutionen in Vorpommern.", "Jako park naukowo-technologiczny WITENO GmbH dysponuje gęstą siecią kontaktów z firmami i instytucjami na Pomorzu Przednim.", "", "As a science and technology park, WITENO GmbH has a dense network of contacts with companies and institutions in Western Pomerania.")},
	{name: "Universität Greifswald", kind: "university", legal: "Körperschaft des öffentlichen Rechts", nuts: "DE80N", city: "Greifswald", web: "https://www.uni-greifswald.de", lang: "de", langs: []string{"de", "en", "pl"}, sectors: []string{"research", "medtech"}},
	{name: "IHK Neubrandenburg für das östliche Mecklenburg-Vorpommern", kind: "chamber", legal: "Körperschaft des öffentlichen Rechts", nuts: "DE80J", city: "Neubrandenburg", lang: "de", langs: []string{"de", "pl"}, sectors: []string{"business_support"}, networks: []string{netPomerania}},
	{name: "Universität Rostock", kind: "university", legal: "Körperschaft des öffentlichen Rechts", nuts: "DE803", city: "Rostock", web: "https://www.uni-rostock.de", lang: "de", langs: []string{"de", "en"}, sectors: []string{"research"}},
	// Poland
	{name: "Uniwersytet Wrocławski", kind: "university", legal: "uczelnia publiczna", nuts: "PL514", city: "Wrocław", web: "https://uwr.edu.pl", lang: "pl", langs: []string{"pl", "en", "de"}, sectors: []string{"research"}, verified: true},
	{name: "Politechnika Wrocławska", kind: "university", legal: "uczelnia publiczna", nuts: "PL514", city: "Wrocław", web: "https://pwr.edu.pl", lang: "pl", langs: []string{"pl", "en"}, sectors: []string{"research", "electronics", "machinery"}},
	{name: "Urząd Marszałkowski Województwa Dolnośląskiego", kind: "agency", legal: "jednostka samorządu terytorialnego", nuts: "PL514", city: "Wrocław", lang: "pl", langs: []string{"pl", "de", "cs", "en"}, sectors: []string{"public"}},
	{name: "Instytut Rozwoju Terytorialnego", kind: "research_institute", legal: "wojewódzka samorządowa jednostka organizacyjna", nuts: "PL514", city: "Wrocław", lang: "pl", langs: []string{"pl", "de", "en"}, sectors: []string{"research", "public"}},
	{name: "Dolnośląska Izba Gospodarcza", kind: "chamber", legal: "izba gospodarcza", nuts: "PL514", city: "Wrocław", lang: "pl", langs: []string{"pl", "de", "en"}, sectors: []string{"business_support"}, networks: []string{netEEN}},
	{name: "Karkonoska Agencja Rozwoju Regionalnego S.A.", kind: "agency", legal: "S.A.", nuts: "PL515", city: "Jelenia Góra", lang: "pl", langs: []string{"pl", "de", "cs"}, sectors: []string{"business_support"}, networks: []string{netNeisse}},
	{name: "Gmina Miejska Zgorzelec", kind: "municipality", legal: "gmina miejska", nuts: "PL515", city: "Zgorzelec", lang: "pl", langs: []string{"pl", "de"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "Wałbrzyska Specjalna Strefa Ekonomiczna „INVEST-PARK” Sp. z o.o.", kind: "agency", legal: "Sp. z o.o.", nuts: "PL517", city: "Wałbrzych", lang: "pl", langs: []string{"pl", "de", "en"}, sectors: []string{"business_support", "public"}},
	{name: "Stowarzyszenie Aglomeracja Opolska", kind: "association", legal: "stowarzyszenie", nuts: "PL524", city: "Opole", lang: "pl", langs: []string{"pl", "cs"}, sectors: []string{"public"}, networks: []string{netPraded},
		focus: t4("", "Wspólnie z Miastem Ołomuniec i Regionalną Agencją Rozwoju Moraw Środkowych realizuje projekt „Razem dla rozwoju aglomeracji” – wymianę doświadczeń we wdrażaniu zintegrowanych inwestycji terytorialnych.", "Společně se statutárním městem Olomouc a Regionální agenturou pro rozvoj střední Moravy realizuje projekt „Společně pro rozvoj aglomerací“ – výměnu zkušeností s realizací integrovaných územních investic.", "")},
	{name: "Uniwersytet Opolski", kind: "university", legal: "uczelnia publiczna", nuts: "PL524", city: "Opole", web: "https://uni.opole.pl", lang: "pl", langs: []string{"pl", "cs", "en"}, sectors: []string{"research"}},
	{name: "Politechnika Opolska", kind: "university", legal: "uczelnia publiczna", nuts: "PL524", city: "Opole", web: "https://po.edu.pl", lang: "pl", langs: []string{"pl", "en", "cs"}, sectors: []string{"research", "machinery"}},
	{name: "Opolska Izba Gospodarcza", kind: "chamber", legal: "izba gospodarcza", nuts: "PL524", city: "Opole", lang: "pl", langs: []string{"pl", "de", "cs"}, sectors: []string{"business_support"}, networks: []string{netPraded}},
	{name: "Uniwersytet Zielonogórski", kind: "university", legal: "uczelnia publiczna", nuts: "PL432", city: "Zielona Góra", web: "https://www.uz.zgora.pl", lang: "pl", langs: []string{"pl", "de", "en"}, sectors: []string{"research"}},
	{name: "Zachodnia Izba Przemysłowo-Handlowa", kind: "chamber", legal: "izba gospodarcza", nuts: "PL431", city: "Gorzów Wielkopolski", lang: "pl", langs: []string{"pl", "de"}, sectors: []string{"business_support"}, networks: []string{netViadrina}},
	{name: "Gmina Słubice", kind: "municipality", legal: "gmina miejsko-wiejska", nuts: "PL431", city: "Słubice", lang: "pl", langs: []string{"pl", "de"}, sectors: []string{"public"}, networks: []string{netViadrina}},
	{name: "Stowarzyszenie Klaster ICT Pomorze Zachodnie", kind: "cluster", legal: "stowarzyszenie", nuts: "PL424", city: "Szczecin", lang: "pl", langs: []string{"pl", "en", "de"}, sectors: []string{"business_support", "software"}, nace: []string{"94.12"}, networks: []string{netPomerania}, verified: true,
		focus: t4("Seit 2011 fördert der Cluster die Entwicklung von IT-Unternehmen; ihm gehören über 80 Technologieunternehmen aus Westpommern an.", "Od 2011 roku wspieramy rozwój firm IT; klaster zrzesza ponad 80 firm technologicznych z całego Pomorza Zachodniego.", "", "Since 2011 the cluster has supported the growth of IT companies; it has more than 80 technology companies from West Pomerania as members.")},
	{name: "Zachodniopomorski Uniwersytet Technologiczny w Szczecinie", kind: "university", legal: "uczelnia publiczna", nuts: "PL424", city: "Szczecin", web: "https://www.zut.edu.pl", lang: "pl", langs: []string{"pl", "en", "de"}, sectors: []string{"research", "software"}},
	{name: "Północna Izba Gospodarcza w Szczecinie", kind: "chamber", legal: "izba gospodarcza", nuts: "PL424", city: "Szczecin", lang: "pl", langs: []string{"pl", "de"}, sectors: []string{"business_support"}, networks: []string{netPomerania}},
	// Czechia
	{name: "Technická univerzita v Liberci", kind: "university", legal: "veřejná vysoká škola", nuts: "CZ051", city: "Liberec", web: "https://www.tul.cz", lang: "cs", langs: []string{"cs", "de", "en"}, sectors: []string{"research", "textiles"}, verified: true},
	{name: "Univerzita Jana Evangelisty Purkyně v Ústí nad Labem", kind: "university", legal: "veřejná vysoká škola", nuts: "CZ042", city: "Ústí nad Labem", web: "https://www.ujep.cz", lang: "cs", langs: []string{"cs", "de", "en"}, sectors: []string{"research"}},
	{name: "Univerzita Palackého v Olomouci", kind: "university", legal: "veřejná vysoká škola", nuts: "CZ071", city: "Olomouc", web: "https://www.upol.cz", lang: "cs", langs: []string{"cs", "pl", "en"}, sectors: []string{"research", "medtech"}},
	{name: "Statutární město Olomouc", kind: "municipality", legal: "obec", nuts: "CZ071", city: "Olomouc", lang: "cs", langs: []string{"cs", "pl", "en"}, sectors: []string{"public"}, networks: []string{netPraded},
		focus: t4("", "Miasto realizuje Strategię ZIT Aglomeracji Ołomunieckiej i od lat współpracuje z Aglomeracją Opolską.", "Město realizuje Strategii ITI Olomoucké aglomerace a dlouhodobě spolupracuje s Opolskou aglomerací.", "The city implements the ITI strategy of the Olomouc agglomeration and has worked with the Opole agglomeration for years.")},
	{name: "Regionální agentura pro rozvoj střední Moravy", kind: "agency", legal: "zájmové sdružení právnických osob", nuts: "CZ071", city: "Olomouc", lang: "cs", langs: []string{"cs", "pl"}, sectors: []string{"business_support", "public"}, networks: []string{netPraded}},
	{name: "Statutární město Liberec", kind: "municipality", legal: "obec", nuts: "CZ051", city: "Liberec", lang: "cs", langs: []string{"cs", "de"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "Město Hrádek nad Nisou", kind: "municipality", legal: "obec", nuts: "CZ051", city: "Hrádek nad Nisou", lang: "cs", langs: []string{"cs", "de", "pl"}, sectors: []string{"public"}, networks: []string{netNeisse}},
	{name: "Krajská hospodářská komora Karlovarského kraje", kind: "chamber", legal: "hospodářská komora", nuts: "CZ041", city: "Karlovy Vary", lang: "cs", langs: []string{"cs", "de"}, sectors: []string{"business_support"}, networks: []string{netEgrensis}, verified: true},
	{name: "Krajská hospodářská komora Moravskoslezského kraje", kind: "chamber", legal: "hospodářská komora", nuts: "CZ080", city: "Ostrava", lang: "cs", langs: []string{"cs", "pl", "en"}, sectors: []string{"business_support"}, networks: []string{netPraded}},
	{name: "Vysoká škola báňská – Technická univerzita Ostrava", kind: "university", legal: "veřejná vysoká škola", nuts: "CZ080", city: "Ostrava", web: "https://www.vsb.cz", lang: "cs", langs: []string{"cs", "pl", "en"}, sectors: []string{"research", "energy", "software"}},
	{name: "Moravskoslezský automobilový klastr, z.s.", kind: "cluster", legal: "z.s.", nuts: "CZ080", city: "Ostrava", lang: "cs", langs: []string{"cs", "en", "pl"}, sectors: []string{"business_support", "automotive"}, nace: []string{"94.12"}},
	{name: "Univerzita Hradec Králové", kind: "university", legal: "veřejná vysoká škola", nuts: "CZ052", city: "Hradec Králové", web: "https://www.uhk.cz", lang: "cs", langs: []string{"cs", "pl", "en"}, sectors: []string{"research", "software"}},
	{name: "AHK Services s.r.o.", kind: "agency", legal: "s.r.o.", city: "Praha", lang: "cs", langs: []string{"cs", "de", "en"}, sectors: []string{"business_support"}},
}
