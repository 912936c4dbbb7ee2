package demo

import "github.com/nisa-eu/nisa/domain"

// t4 is a text in German, Polish, Czech and English.
func t4(de, pl, cs, en string) domain.Text { return domain.Text{DE: de, PL: pl, CS: cs, EN: en} }

// sector is a line of business with what its organisations make, do, need
// and want to work on, in the four languages of the network. Company names
// are built from its stems (per country language).
type sector struct {
	key   string
	nace  []string
	stems map[string][]string
	about domain.Text
	// products and services are what organisations offer (and others
	// request); needs are inputs they look for; topics are subjects of
	// cooperation (and of R&D where rd is set).
	products, services, needs, topics []domain.Text
	// rd: the sector's topics are research topics too.
	rd bool
	// industrial: large enterprises are common in the sector.
	industrial bool
}

func stems(de, pl, cs []string) map[string][]string {
	return map[string][]string{"de": de, "pl": pl, "cs": cs}
}

// sectors are the lines of business of generated companies; the last three
// belong to institutions.
var sectors = []*sector{
	{
		key: "metal", nace: []string{"25.62", "25.11"}, rd: true, industrial: true,
		stems: stems([]string{"Metallbau", "Präzisionstechnik", "CNC-Technik", "Blechbearbeitung"}, []string{"Obróbka Metali", "Metal-Tech", "Precyzja CNC", "Konstrukcje Stalowe"}, []string{"Strojírna", "Kovovýroba", "CNC Obrábění", "Zámečnictví"}),
		about: t4("Wir fertigen Dreh- und Frästeile sowie Schweißbaugruppen in kleinen und mittleren Serien nach Kundenzeichnung.", "Wytwarzamy części toczone i frezowane oraz zespoły spawane w małych i średnich seriach według rysunków klienta.", "Vyrábíme soustružené a frézované díly a svařované sestavy v malých a středních sériích podle výkresů zákazníka.", "We manufacture turned and milled parts and welded assemblies in small and medium batches to customer drawings."),
		products: []domain.Text{
			t4("CNC-Drehteile aus Edelstahl und Aluminium", "Części toczone CNC ze stali nierdzewnej i aluminium", "Soustružené díly CNC z nerezové oceli a hliníku", "CNC-turned parts in stainless steel and aluminium"),
			t4("Schweißbaugruppen und Stahlkonstruktionen", "Zespoły spawane i konstrukcje stalowe", "Svařované sestavy a ocelové konstrukce", "Welded assemblies and steel structures"),
			t4("Laserzuschnitte und Kantteile aus Blech", "Elementy z blachy cięte laserowo i gięte", "Laserem řezané a ohýbané plechové díly", "Laser-cut and bent sheet-metal parts"),
		},
		services: []domain.Text{
			t4("5-Achs-Fräsen und Lohnfertigung", "Frezowanie 5-osiowe i obróbka usługowa", "Pětiosé frézování a zakázková výroba", "5-axis milling and contract machining"),
			t4("Pulverbeschichtung und Oberflächenveredelung", "Malowanie proszkowe i uszlachetnianie powierzchni", "Práškové lakování a povrchové úpravy", "Powder coating and surface finishing"),
		},
		needs: []domain.Text{
			t4("Aluminium-Strangpressprofile", "Profile aluminiowe wyciskane", "Hliníkové tažené profily", "Extruded aluminium profiles"),
			t4("Galvanische Verzinkung in Lohnarbeit", "Usługowe cynkowanie galwaniczne", "Zakázkové galvanické zinkování", "Contract zinc electroplating"),
		},
		topics: []domain.Text{
			t4("Leichtbau-Komponenten für die E-Mobilität", "Lekkie komponenty dla elektromobilności", "Lehké komponenty pro elektromobilitu", "Lightweight components for e-mobility"),
		},
	},
	{
		key: "machinery", nace: []string{"28.41", "28.99"}, rd: true, industrial: true,
		stems: stems([]string{"Sondermaschinenbau", "Anlagenbau", "Automatisierungstechnik"}, []string{"Budowa Maszyn", "Automatyka Przemysłowa", "Maszyny Specjalne"}, []string{"Výroba strojů", "Automatizace", "Strojírenská výroba"}),
		about: t4("Wir entwickeln und bauen Sondermaschinen, Vorrichtungen und automatisierte Montagelinien.", "Projektujemy i budujemy maszyny specjalne, przyrządy oraz zautomatyzowane linie montażowe.", "Navrhujeme a stavíme jednoúčelové stroje, přípravky a automatizované montážní linky.", "We design and build special-purpose machines, fixtures and automated assembly lines."),
		products: []domain.Text{
			t4("Montagevorrichtungen und Prüfstände", "Przyrządy montażowe i stanowiska testowe", "Montážní přípravky a zkušební stanice", "Assembly fixtures and test benches"),
			t4("Roboterzellen für die Maschinenbeschickung", "Cele zrobotyzowane do obsługi maszyn", "Robotická pracoviště pro obsluhu strojů", "Robot cells for machine tending"),
		},
		services: []domain.Text{
			t4("Retrofit und Modernisierung von Werkzeugmaschinen", "Modernizacja i retrofit obrabiarek", "Retrofit a modernizace obráběcích strojů", "Retrofitting and modernisation of machine tools"),
			t4("Inbetriebnahme und Service von Produktionsanlagen", "Uruchamianie i serwis linii produkcyjnych", "Uvádění do provozu a servis výrobních linek", "Commissioning and servicing of production lines"),
		},
		needs: []domain.Text{
			t4("Elektrokonstruktion und Schaltschrankbau", "Projektowanie elektryczne i budowa szaf sterowniczych", "Elektroprojekce a výroba rozvaděčů", "Electrical design and control cabinet building"),
		},
		topics: []domain.Text{
			t4("KI-gestützte Qualitätskontrolle in der Montage", "Kontrola jakości w montażu wspierana przez AI", "Kontrola kvality v montáži s podporou AI", "AI-assisted quality control in assembly"),
			t4("Predictive Maintenance für Bestandsanlagen", "Konserwacja predykcyjna istniejących maszyn", "Prediktivní údržba stávajících strojů", "Predictive maintenance for existing machinery"),
		},
	},
	{
		key: "plastics", nace: []string{"22.29", "22.21"}, rd: true, industrial: true,
		stems: stems([]string{"Kunststofftechnik", "Spritzguss"}, []string{"Tworzywa Sztuczne", "Plast-Form"}, []string{"Plasty", "Vstřikovna plastů"}),
		about: t4("Wir produzieren technische Kunststoffteile im Spritzgussverfahren – vom Werkzeugbau bis zur Montage.", "Produkujemy techniczne detale z tworzyw sztucznych metodą wtrysku – od budowy form po montaż.", "Vyrábíme technické plastové díly vstřikováním – od výroby forem až po montáž.", "We produce technical plastic parts by injection moulding, from tool making to assembly."),
		products: []domain.Text{
			t4("Spritzgussteile für die Automobilindustrie", "Wypraski wtryskowe dla przemysłu motoryzacyjnego", "Vstřikované díly pro automobilový průmysl", "Injection-moulded parts for the automotive industry"),
			t4("Verpackungen aus Recyclingkunststoff", "Opakowania z tworzyw z recyklingu", "Obaly z recyklovaných plastů", "Packaging made from recycled plastics"),
		},
		services: []domain.Text{
			t4("Werkzeugbau und Formenwartung", "Budowa i serwis form wtryskowych", "Výroba a údržba vstřikovacích forem", "Mould making and mould maintenance"),
		},
		needs: []domain.Text{
			t4("Granulat aus Post-Consumer-Rezyklat", "Granulat z recyklatu pokonsumenckiego", "Granulát z post-consumer recyklátu", "Post-consumer recycled granulate"),
		},
		topics: []domain.Text{
			t4("Biobasierte Kunststoffe für technische Anwendungen", "Tworzywa biopochodne do zastosowań technicznych", "Bioplasty pro technické aplikace", "Bio-based plastics for technical applications"),
		},
	},
	{
		key: "electronics", nace: []string{"26.11", "27.12", "26.51"}, rd: true, industrial: true,
		stems: stems([]string{"Elektronik", "Leiterplattentechnik", "Elektrotechnik"}, []string{"Elektronika", "Elektro-System", "Elektrotechnika"}, []string{"Elektronika", "Elektro", "Elektrotechnika"}),
		about: t4("Wir bestücken Leiterplatten in SMD- und THT-Technik und fertigen elektronische Baugruppen bis zum fertigen Gerät.", "Montujemy płytki drukowane w technologii SMD i THT oraz produkujemy zespoły elektroniczne aż po gotowe urządzenie.", "Osazujeme desky plošných spojů technologií SMD a THT a vyrábíme elektronické sestavy až po hotové zařízení.", "We assemble printed circuit boards using SMD and THT technology and build electronic assemblies up to the finished device."),
		products: []domain.Text{
			t4("Steuerungselektronik und Sensormodule", "Elektronika sterująca i moduły czujników", "Řídicí elektronika a senzorové moduly", "Control electronics and sensor modules"),
			t4("Schaltschränke und Verteileranlagen", "Szafy sterownicze i rozdzielnice", "Rozvaděče a rozvodné skříně", "Control cabinets and switchgear"),
		},
		services: []domain.Text{
			t4("SMD-Bestückung von Prototypen und Kleinserien", "Montaż SMD prototypów i krótkich serii", "Osazování SMD prototypů a malých sérií", "SMD assembly of prototypes and small batches"),
			t4("Kabelkonfektion und Kabelbaumfertigung", "Konfekcjonowanie kabli i produkcja wiązek", "Konfekce kabelů a výroba kabelových svazků", "Cable assembly and wire harness production"),
		},
		needs: []domain.Text{
			t4("Elektronische Bauteile und Mikrocontroller", "Komponenty elektroniczne i mikrokontrolery", "Elektronické součástky a mikrokontroléry", "Electronic components and microcontrollers"),
		},
		topics: []domain.Text{
			t4("Energieautarke Funksensoren für die Industrie 4.0", "Energooszczędne czujniki bezprzewodowe dla Przemysłu 4.0", "Energeticky soběstačné bezdrátové senzory pro Průmysl 4.0", "Energy-autonomous wireless sensors for Industry 4.0"),
			t4("Halbleitertechnologie und Mikroelektronik", "Technologie półprzewodnikowe i mikroelektronika", "Polovodičové technologie a mikroelektronika", "Semiconductor technology and microelectronics"),
		},
	},
	{
		key: "automotive", nace: []string{"29.32", "29.31"}, rd: true, industrial: true,
		stems: stems([]string{"Fahrzeugtechnik", "Automotive Components"}, []string{"Auto-Części", "Moto-Komponenty"}, []string{"Autodíly", "Automotive Components"}),
		about: t4("Als Zulieferer der Automobilindustrie fertigen wir Komponenten für Innenraum, Fahrwerk und Antrieb.", "Jako dostawca branży motoryzacyjnej produkujemy komponenty do wnętrz, zawieszeń i układów napędowych.", "Jako dodavatel automobilového průmyslu vyrábíme komponenty pro interiér, podvozek a pohon.", "As a supplier to the automotive industry we manufacture components for interiors, chassis and powertrains."),
		products: []domain.Text{
			t4("Kabelhalter und Clips für Kfz-Bordnetze", "Uchwyty i klipsy do instalacji samochodowych", "Držáky a spony pro palubní sítě vozidel", "Cable holders and clips for vehicle wiring systems"),
			t4("Batteriegehäuse für Elektrofahrzeuge", "Obudowy baterii do pojazdów elektrycznych", "Bateriové skříně pro elektromobily", "Battery housings for electric vehicles"),
		},
		services: []domain.Text{
			t4("Prüfung und Sortierung von Kfz-Teilen", "Kontrola i sortowanie części samochodowych", "Kontrola a třídění autodílů", "Inspection and sorting of automotive parts"),
		},
		needs: []domain.Text{
			t4("Tiefzieh- und Stanzteile nach IATF 16949", "Wytłoczki i detale tłoczone zgodne z IATF 16949", "Hluboce tažené a lisované díly dle IATF 16949", "Deep-drawn and stamped parts to IATF 16949"),
		},
		topics: []domain.Text{
			t4("Recycling von Traktionsbatterien", "Recykling baterii trakcyjnych", "Recyklace trakčních baterií", "Recycling of traction batteries"),
		},
	},
	{
		key: "software", nace: []string{"62.01", "62.02"}, rd: true,
		stems: stems([]string{"Software", "Digital", "IT-Systeme", "Data Solutions"}, []string{"Software", "IT Solutions", "Systemy Informatyczne", "Digital"}, []string{"Software", "IT Solutions", "Informační systémy", "Digital"}),
		about: t4("Wir entwickeln individuelle Web- und Mobilanwendungen und betreuen Geschäftssoftware für den Mittelstand.", "Tworzymy dedykowane aplikacje webowe i mobilne oraz wspieramy oprogramowanie biznesowe dla MŚP.", "Vyvíjíme zakázkové webové a mobilní aplikace a spravujeme podnikový software pro malé a střední firmy.", "We develop custom web and mobile applications and maintain business software for SMEs."),
		products: []domain.Text{
			t4("ERP-Erweiterungen für Produktionsbetriebe", "Rozszerzenia ERP dla zakładów produkcyjnych", "Rozšíření ERP pro výrobní podniky", "ERP extensions for manufacturing companies"),
			t4("Mehrsprachige Buchungsplattform für Tourismusanbieter", "Wielojęzyczna platforma rezerwacyjna dla branży turystycznej", "Vícejazyčná rezervační platforma pro cestovní ruch", "Multilingual booking platform for tourism providers"),
		},
		services: []domain.Text{
			t4("Softwareentwicklung in Java, .NET und Python", "Programowanie w Javie, .NET i Pythonie", "Vývoj softwaru v Javě, .NET a Pythonu", "Software development in Java, .NET and Python"),
			t4("IT-Sicherheitsaudits und Penetrationstests", "Audyty bezpieczeństwa IT i testy penetracyjne", "Bezpečnostní audity IT a penetrační testy", "IT security audits and penetration testing"),
			t4("Cloud-Migration und DevOps-Betreuung", "Migracja do chmury i obsługa DevOps", "Migrace do cloudu a podpora DevOps", "Cloud migration and DevOps support"),
		},
		needs: []domain.Text{
			t4("Frontend-Entwicklung (React) für ein Kundenprojekt", "Programiści frontend (React) do projektu klienta", "Frontendoví vývojáři (React) pro zákaznický projekt", "Front-end developers (React) for a client project"),
		},
		topics: []domain.Text{
			t4("KI-gestützte Übersetzung von Verwaltungsdokumenten", "Tłumaczenie dokumentów urzędowych wspierane przez AI", "Překlad úředních dokumentů s podporou AI", "AI-assisted translation of administrative documents"),
			t4("Digitale Zwillinge für kleine Fertigungsbetriebe", "Cyfrowe bliźniaki dla małych zakładów produkcyjnych", "Digitální dvojčata pro malé výrobní podniky", "Digital twins for small manufacturers"),
		},
	},
	{
		key: "food", nace: []string{"10.71", "10.13", "11.05"}, industrial: true,
		stems: stems([]string{"Backwaren", "Feinkost", "Brauerei"}, []string{"Piekarnia", "Przetwórstwo Mięsa", "Browar"}, []string{"Pekárna", "Uzenářství", "Pivovar"}),
		about: t4("Wir stellen regionale Lebensmittel nach traditionellen Rezepturen her und beliefern Handel und Gastronomie.", "Wytwarzamy regionalną żywność według tradycyjnych receptur i zaopatrujemy handel oraz gastronomię.", "Vyrábíme regionální potraviny podle tradičních receptur a zásobujeme obchod a gastronomii.", "We produce regional food to traditional recipes and supply retailers and restaurants."),
		products: []domain.Text{
			t4("Regionale Backwaren und Dauergebäck", "Regionalne pieczywo i trwałe wyroby cukiernicze", "Regionální pečivo a trvanlivé pečivo", "Regional baked goods and long-life pastries"),
			t4("Handwerklich gebrautes Bier in Fass und Flasche", "Piwo rzemieślnicze w beczkach i butelkach", "Řemeslně vařené pivo v sudech a lahvích", "Craft beer in kegs and bottles"),
			t4("Wurst- und Fleischwaren aus regionaler Aufzucht", "Wędliny i wyroby mięsne z regionalnej hodowli", "Uzeniny a masné výrobky z regionálního chovu", "Sausages and meat products from regional farms"),
		},
		services: []domain.Text{
			t4("Lohnabfüllung von Getränken", "Usługowe rozlewanie napojów", "Zakázkové stáčení nápojů", "Contract bottling of beverages"),
		},
		needs: []domain.Text{
			t4("Bio-Braugerste und Hopfen", "Ekologiczny jęczmień browarny i chmiel", "Bio sladovnický ječmen a chmel", "Organic malting barley and hops"),
			t4("Kartonverpackungen mit Lebensmittelzulassung", "Opakowania kartonowe dopuszczone do kontaktu z żywnością", "Kartonové obaly schválené pro potraviny", "Food-grade cardboard packaging"),
		},
		topics: []domain.Text{
			t4("Gemeinsame Vermarktung regionaler Produkte im Dreiländereck", "Wspólna promocja produktów regionalnych na pograniczu trzech krajów", "Společný marketing regionálních produktů v Trojzemí", "Joint marketing of regional products in the tri-border area"),
		},
	},
	{
		key: "wood", nace: []string{"16.23", "31.09"}, rd: true,
		stems: stems([]string{"Holzbau", "Möbelwerkstätten", "Tischlerei"}, []string{"Meble", "Stolarstwo", "Drewno-Bud"}, []string{"Dřevovýroba", "Truhlářství", "Nábytek"}),
		about: t4("Wir fertigen Möbel und Innenausbauten aus Massivholz sowie Holzbauelemente für Neubau und Sanierung.", "Produkujemy meble i zabudowy wnętrz z litego drewna oraz elementy drewniane do budowy i renowacji.", "Vyrábíme nábytek a interiérové vestavby z masivu a dřevěné stavební prvky pro novostavby i rekonstrukce.", "We make solid-wood furniture and interior fittings as well as timber elements for new builds and renovation."),
		products: []domain.Text{
			t4("Massivholzmöbel für Hotels und Objekte", "Meble z litego drewna dla hoteli i obiektów", "Nábytek z masivu pro hotely a veřejné prostory", "Solid-wood furniture for hotels and contract projects"),
			t4("Holzfenster und Haustüren", "Okna drewniane i drzwi zewnętrzne", "Dřevěná okna a vchodové dveře", "Timber windows and front doors"),
		},
		services: []domain.Text{
			t4("CNC-Zuschnitt und Lohnfertigung von Holzteilen", "Rozkrój CNC i usługowa produkcja elementów drewnianych", "CNC formátování a zakázková výroba dřevěných dílů", "CNC cutting and contract production of wooden parts"),
		},
		needs: []domain.Text{
			t4("Schnittholz aus Eiche und Buche in Tischlerqualität", "Tarcica dębowa i bukowa w jakości stolarskiej", "Řezivo z dubu a buku v truhlářské kvalitě", "Oak and beech sawn timber in joinery quality"),
		},
		topics: []domain.Text{
			t4("Holz-Modulbau für Schulen und Kitas", "Modułowe budownictwo drewniane dla szkół i przedszkoli", "Modulární dřevostavby pro školy a mateřské školy", "Modular timber construction for schools and nurseries"),
		},
	},
	{
		key: "glass", nace: []string{"23.13", "23.19", "23.41"}, rd: true, industrial: true,
		stems: stems([]string{"Glaswerk", "Glasmanufaktur", "Keramik"}, []string{"Huta Szkła", "Ceramika", "Szkło Artystyczne"}, []string{"Sklárna", "Bižuterie", "Keramika"}),
		about: t4("Wir verbinden traditionelles Glas- und Keramikhandwerk mit moderner Fertigung für Gastronomie, Handel und Industrie.", "Łączymy tradycyjne rzemiosło szklarskie i ceramiczne z nowoczesną produkcją dla gastronomii, handlu i przemysłu.", "Spojujeme tradiční sklářské a keramické řemeslo s moderní výrobou pro gastronomii, obchod a průmysl.", "We combine traditional glass and ceramics craftsmanship with modern production for restaurants, retail and industry."),
		products: []domain.Text{
			t4("Mundgeblasene Trinkgläser und Glasdekor", "Ręcznie dmuchane szkło stołowe i dekoracje szklane", "Ručně foukané nápojové sklo a skleněné dekorace", "Mouth-blown drinking glasses and glass decorations"),
			t4("Glasperlen und Christbaumschmuck", "Szklane koraliki i ozdoby choinkowe", "Skleněné perle a vánoční ozdoby", "Glass beads and Christmas decorations"),
			t4("Technische Keramik und Isolatoren", "Ceramika techniczna i izolatory", "Technická keramika a izolátory", "Technical ceramics and insulators"),
		},
		services: []domain.Text{
			t4("Glasveredelung: Gravur, Schliff und Bemalung", "Zdobienie szkła: grawerowanie, szlifowanie i malowanie", "Zušlechťování skla: rytí, broušení a malování", "Glass finishing: engraving, cutting and painting"),
		},
		needs: []domain.Text{
			t4("Quarzsand und Rohstoffe für die Glasschmelze", "Piasek kwarcowy i surowce do wytopu szkła", "Křemenný písek a suroviny pro tavbu skla", "Quartz sand and raw materials for glass melting"),
		},
		topics: []domain.Text{
			t4("Energieeffiziente Glasschmelze mit Wasserstoff", "Energooszczędny wytop szkła z użyciem wodoru", "Energeticky úsporná tavba skla s vodíkem", "Energy-efficient glass melting with hydrogen"),
		},
	},
	{
		key: "textiles", nace: []string{"13.92", "13.96", "14.12"}, rd: true, industrial: true,
		stems: stems([]string{"Textil", "Weberei", "Textilveredlung"}, []string{"Tekstylia", "Tkalnia", "Konfekcja"}, []string{"Textil", "Tkalcovna", "Textilní výroba"}),
		about: t4("Wir weben und konfektionieren technische Textilien und Heimtextilien – mit über hundert Jahren Textiltradition in der Region.", "Tkamy i konfekcjonujemy tekstylia techniczne oraz tekstylia domowe, kontynuując ponad stuletnią tradycję włókienniczą regionu.", "Tkáme a konfekcionujeme technické a bytové textilie a navazujeme na více než stoletou textilní tradici regionu.", "We weave and make up technical and home textiles, continuing the region's textile tradition of more than a hundred years."),
		products: []domain.Text{
			t4("Technische Textilien für Filtration und Leichtbau", "Tekstylia techniczne do filtracji i konstrukcji lekkich", "Technické textilie pro filtraci a lehké konstrukce", "Technical textiles for filtration and lightweight construction"),
			t4("Damast-Tischwäsche und Heimtextilien", "Adamaszkowa bielizna stołowa i tekstylia domowe", "Damaškové stolní prádlo a bytový textil", "Damask table linen and home textiles"),
		},
		services: []domain.Text{
			t4("Lohnkonfektion von Arbeitsbekleidung", "Usługowe szycie odzieży roboczej", "Zakázkové šití pracovních oděvů", "Contract sewing of workwear"),
		},
		needs: []domain.Text{
			t4("Recycelte Garne aus Polyester und Baumwolle", "Przędza z recyklingu z poliestru i bawełny", "Recyklované příze z polyesteru a bavlny", "Recycled polyester and cotton yarns"),
		},
		topics: []domain.Text{
			t4("Smarte Textilien mit integrierter Sensorik", "Inteligentne tekstylia ze zintegrowanymi czujnikami", "Chytré textilie s integrovanými senzory", "Smart textiles with integrated sensors"),
		},
	},
	{
		key: "construction", nace: []string{"41.20", "43.22", "43.21"}, rd: true, industrial: true,
		stems: stems([]string{"Bau", "Haustechnik", "Hoch- und Tiefbau"}, []string{"Budownictwo", "Instalacje", "Bud-Mont"}, []string{"Stavby", "Stavební společnost", "Technika budov"}),
		about: t4("Wir übernehmen Rohbau, Sanierung und technische Gebäudeausrüstung für gewerbliche und öffentliche Auftraggeber.", "Realizujemy stany surowe, remonty i instalacje budowlane dla klientów komercyjnych i publicznych.", "Provádíme hrubé stavby, rekonstrukce a technická zařízení budov pro komerční i veřejné zadavatele.", "We carry out shell construction, renovation and building services for commercial and public clients."),
		products: []domain.Text{
			t4("Betonfertigteile und Fertiggaragen", "Prefabrykaty betonowe i garaże prefabrykowane", "Betonové prefabrikáty a montované garáže", "Precast concrete elements and prefabricated garages"),
		},
		services: []domain.Text{
			t4("Heizungs-, Lüftungs- und Sanitärinstallation", "Instalacje grzewcze, wentylacyjne i sanitarne", "Instalace vytápění, vzduchotechniky a zdravotechniky", "Heating, ventilation and plumbing installation"),
			t4("Energetische Sanierung von Bestandsgebäuden", "Termomodernizacja istniejących budynków", "Energetické renovace stávajících budov", "Energy-efficient renovation of existing buildings"),
		},
		needs: []domain.Text{
			t4("Fachbetriebe für Trockenbau und Fliesenarbeiten", "Firmy wykonujące suchą zabudowę i prace glazurnicze", "Firmy pro sádrokartonové a obkladačské práce", "Specialist firms for drywall and tiling"),
		},
		topics: []domain.Text{
			t4("Serielle Sanierung mit vorgefertigten Fassadenelementen", "Seryjna renowacja z prefabrykowanymi elementami elewacji", "Sériová renovace s prefabrikovanými fasádními prvky", "Serial renovation with prefabricated facade elements"),
		},
	},
	{
		key: "logistics", nace: []string{"49.41", "52.29", "52.10"}, rd: true, industrial: true,
		stems: stems([]string{"Logistik", "Spedition", "Transporte"}, []string{"Logistyka", "Spedycja", "Trans"}, []string{"Logistika", "Spedice", "Doprava"}),
		about: t4("Wir bieten Transporte, Lagerlogistik und Distribution zwischen Deutschland, Polen und Tschechien.", "Oferujemy transport, logistykę magazynową i dystrybucję między Niemcami, Polską i Czechami.", "Nabízíme dopravu, skladovou logistiku a distribuci mezi Německem, Polskem a Českem.", "We provide transport, warehousing and distribution between Germany, Poland and Czechia."),
		services: []domain.Text{
			t4("Teil- und Komplettladungen im Dreiländereck", "Przewozy częściowe i całopojazdowe na pograniczu trzech krajów", "Dílčí a kompletní vozové zásilky v Trojzemí", "Part and full truck loads in the tri-border area"),
			t4("Kontraktlogistik und Lagerhaltung", "Logistyka kontraktowa i magazynowanie", "Smluvní logistika a skladování", "Contract logistics and warehousing"),
			t4("Temperaturgeführte Transporte für Lebensmittel", "Transport żywności w kontrolowanej temperaturze", "Teplotně řízená přeprava potravin", "Temperature-controlled transport for food"),
		},
		needs: []domain.Text{
			t4("Lagerfläche mit Gleisanschluss", "Powierzchnia magazynowa z bocznicą kolejową", "Skladové plochy s železniční vlečkou", "Warehouse space with a rail siding"),
		},
		topics: []domain.Text{
			t4("Kombinierter Verkehr Schiene–Straße über die Neiße", "Transport kombinowany kolej–droga przez Nysę", "Kombinovaná doprava železnice–silnice přes Nisu", "Combined rail–road transport across the Neisse"),
		},
	},
	{
		key: "energy", nace: []string{"35.11", "35.30"}, rd: true, industrial: true,
		stems: stems([]string{"Energie", "Solartechnik", "Energiesysteme"}, []string{"Energia", "Solar", "Systemy Energetyczne"}, []string{"Energie", "Solární systémy", "Energetika"}),
		about: t4("Wir planen und errichten Photovoltaik-, Speicher- und Wärmepumpenanlagen für Kommunen und Unternehmen.", "Projektujemy i budujemy instalacje fotowoltaiczne, magazyny energii i pompy ciepła dla gmin i firm.", "Projektujeme a stavíme fotovoltaické elektrárny, bateriová úložiště a tepelná čerpadla pro obce a firmy.", "We design and install photovoltaic, storage and heat pump systems for municipalities and companies."),
		products: []domain.Text{
			t4("Batteriespeicher für Gewerbebetriebe", "Magazyny energii dla firm", "Bateriová úložiště pro firmy", "Battery storage for businesses"),
		},
		services: []domain.Text{
			t4("Planung von Freiflächen-Photovoltaikanlagen", "Projektowanie farm fotowoltaicznych", "Projektování pozemních fotovoltaických elektráren", "Design of ground-mounted photovoltaic plants"),
			t4("Energieaudits nach EN 16247", "Audyty energetyczne zgodne z EN 16247", "Energetické audity podle EN 16247", "Energy audits to EN 16247"),
		},
		needs: []domain.Text{
			t4("Montagepartner für PV-Dachanlagen", "Partnerzy montażowi instalacji dachowych PV", "Montážní partneři pro střešní fotovoltaiku", "Installation partners for rooftop PV systems"),
		},
		topics: []domain.Text{
			t4("Grüner Wasserstoff in der Lausitz", "Zielony wodór na Łużycach", "Zelený vodík v Lužici", "Green hydrogen in Lusatia"),
			t4("Grenzüberschreitende Energiegemeinschaften", "Transgraniczne społeczności energetyczne", "Přeshraniční energetická společenství", "Cross-border energy communities"),
		},
	},
	{
		key: "tourism", nace: []string{"55.10", "79.12", "79.11"},
		stems: stems([]string{"Reisen", "Touristik", "Hotel & Tagung"}, []string{"Turystyka", "Biuro Podróży", "Hotel"}, []string{"Cestovní kancelář", "Turistika", "Hotel"}),
		about: t4("Wir organisieren Gruppenreisen, Radtouren und Fachexkursionen im Dreiländereck und betreiben ein Tagungshotel.", "Organizujemy wycieczki grupowe, wyprawy rowerowe i wyjazdy studyjne w regionie trzech granic oraz prowadzimy hotel konferencyjny.", "Pořádáme skupinové zájezdy, cyklovýlety a odborné exkurze v Trojzemí a provozujeme konferenční hotel.", "We organise group tours, cycling trips and study tours in the tri-border area and run a conference hotel."),
		products: []domain.Text{
			t4("Pauschalangebote für Radtouren entlang der Neiße", "Pakiety wycieczek rowerowych wzdłuż Nysy", "Balíčky cyklovýletů podél Nisy", "Package cycling tours along the Neisse"),
		},
		services: []domain.Text{
			t4("Fachexkursionen und Studienreisen für Verwaltungen", "Wyjazdy studyjne dla administracji publicznej", "Odborné exkurze a studijní cesty pro veřejnou správu", "Study tours for public administrations"),
			t4("Tagungsräume und Seminarpauschalen", "Sale konferencyjne i pakiety szkoleniowe", "Konferenční sály a semináře na klíč", "Conference rooms and seminar packages"),
		},
		needs: []domain.Text{
			t4("Zweisprachige Reiseleitung", "Dwujęzyczni piloci i przewodnicy wycieczek", "Dvojjazyční průvodci", "Bilingual tour guides"),
		},
		topics: []domain.Text{
			t4("Barrierefreier Tourismus im Grenzraum", "Turystyka bez barier na pograniczu", "Bezbariérový cestovní ruch v příhraničí", "Accessible tourism in the border region"),
		},
	},
	{
		key: "engineering", nace: []string{"71.12", "71.11"}, rd: true,
		stems: stems([]string{"Ingenieurbüro", "Planungsgesellschaft", "Engineering"}, []string{"Biuro Projektowe", "Inżynieria", "Projekt"}, []string{"Projekční kancelář", "Inženýring", "Projekt"}),
		about: t4("Unser Ingenieurbüro plant Tragwerke, Verkehrsanlagen und Industriebauten und übernimmt die Bauüberwachung.", "Nasze biuro projektuje konstrukcje, infrastrukturę drogową i obiekty przemysłowe oraz prowadzi nadzór budowlany.", "Naše kancelář projektuje nosné konstrukce, dopravní stavby a průmyslové objekty a zajišťuje technický dozor.", "Our engineering office designs structures, transport infrastructure and industrial buildings and provides site supervision."),
		services: []domain.Text{
			t4("Tragwerksplanung und Statik", "Projektowanie konstrukcji i obliczenia statyczne", "Statika a projektování nosných konstrukcí", "Structural design and analysis"),
			t4("BIM-Modellierung und Koordination", "Modelowanie i koordynacja BIM", "BIM modelování a koordinace", "BIM modelling and coordination"),
		},
		needs: []domain.Text{
			t4("Vermessung und Laserscanning", "Usługi geodezyjne i skanowanie laserowe", "Geodetické práce a laserové skenování", "Surveying and laser scanning"),
		},
		topics: []domain.Text{
			t4("Brückenmonitoring mit Sensorik", "Monitoring mostów z użyciem czujników", "Monitorování mostů pomocí senzorů", "Sensor-based bridge monitoring"),
		},
	},
	{
		key: "translation", nace: []string{"74.30"},
		stems: stems([]string{"Sprachendienst", "Übersetzungsbüro"}, []string{"Biuro Tłumaczeń", "Lingua"}, []string{"Překladatelská agentura", "Lingua"}),
		about: t4("Wir übersetzen und dolmetschen Deutsch, Polnisch, Tschechisch und Englisch – für Unternehmen, Behörden und Projekte.", "Tłumaczymy pisemnie i ustnie w językach niemieckim, polskim, czeskim i angielskim – dla firm, urzędów i projektów.", "Překládáme a tlumočíme v němčině, polštině, češtině a angličtině – pro firmy, úřady i projekty.", "We translate and interpret German, Polish, Czech and English for companies, authorities and projects."),
		services: []domain.Text{
			t4("Konferenzdolmetschen Deutsch–Polnisch–Tschechisch", "Tłumaczenia konferencyjne niemiecki–polski–czeski", "Konferenční tlumočení němčina–polština–čeština", "Conference interpreting German–Polish–Czech"),
			t4("Beglaubigte Übersetzungen von Verträgen und Urkunden", "Tłumaczenia przysięgłe umów i dokumentów", "Soudně ověřené překlady smluv a listin", "Certified translations of contracts and certificates"),
			t4("Sprachkurse für Verwaltungsmitarbeitende", "Kursy językowe dla pracowników administracji", "Jazykové kurzy pro zaměstnance veřejné správy", "Language courses for public-sector staff"),
		},
		needs: []domain.Text{
			t4("Dolmetschtechnik zur Miete", "Wynajem sprzętu do tłumaczeń symultanicznych", "Pronájem tlumočnické techniky", "Interpreting equipment for hire"),
		},
		topics: []domain.Text{
			t4("Mehrsprachige Terminologiedatenbank für die Grenzregion", "Wielojęzyczna baza terminologiczna dla regionu przygranicznego", "Vícejazyčná terminologická databáze pro příhraniční region", "Multilingual terminology database for the border region"),
		},
	},
	{
		key: "environment", nace: []string{"38.32", "38.11"}, rd: true,
		stems: stems([]string{"Umwelttechnik", "Recycling", "Entsorgung"}, []string{"Ekologia", "Recykling", "Eko-Serwis"}, []string{"Ekologické služby", "Recyklace", "Odpady"}),
		about: t4("Wir sammeln, sortieren und verwerten Gewerbeabfälle und beraten Betriebe zur Kreislaufwirtschaft.", "Zbieramy, sortujemy i przetwarzamy odpady przemysłowe oraz doradzamy firmom w zakresie gospodarki o obiegu zamkniętym.", "Sbíráme, třídíme a zpracováváme průmyslové odpady a radíme firmám v oblasti oběhového hospodářství.", "We collect, sort and recover commercial waste and advise companies on the circular economy."),
		products: []domain.Text{
			t4("Sekundärrohstoffe: sortenreine Kunststoffe und Metalle", "Surowce wtórne: posegregowane tworzywa i metale", "Druhotné suroviny: vytříděné plasty a kovy", "Secondary raw materials: sorted plastics and metals"),
		},
		services: []domain.Text{
			t4("Entsorgung und Verwertung von Gewerbeabfällen", "Odbiór i zagospodarowanie odpadów przemysłowych", "Likvidace a využití průmyslových odpadů", "Disposal and recovery of commercial waste"),
		},
		needs: []domain.Text{
			t4("Abnehmer für aufbereitetes Altholz", "Odbiorcy przetworzonego drewna odpadowego", "Odběratelé upraveného odpadního dřeva", "Buyers for processed waste wood"),
		},
		topics: []domain.Text{
			t4("Rückgewinnung seltener Erden aus Elektroschrott", "Odzysk metali ziem rzadkich z elektroodpadów", "Získávání vzácných zemin z elektroodpadu", "Recovering rare earths from electronic waste"),
		},
	},
	{
		key: "marketing", nace: []string{"73.11", "74.10"},
		stems: stems([]string{"Werbeagentur", "Design", "Kommunikation"}, []string{"Agencja Reklamowa", "Studio Projektowe", "Media"}, []string{"Reklamní agentura", "Design studio", "Komunikace"}),
		about: t4("Wir entwickeln Marken, Websites und Kampagnen – auf Wunsch dreisprachig für Kunden beiderseits der Grenze.", "Tworzymy marki, strony internetowe i kampanie – na życzenie w trzech językach dla klientów po obu stronach granicy.", "Vytváříme značky, webové stránky a kampaně – na přání ve třech jazycích pro klienty na obou stranách hranice.", "We develop brands, websites and campaigns – in three languages on request, for clients on both sides of the border."),
		services: []domain.Text{
			t4("Mehrsprachige Websites und Online-Marketing", "Wielojęzyczne strony internetowe i marketing online", "Vícejazyčné weby a online marketing", "Multilingual websites and online marketing"),
			t4("Messestandbau und Eventkommunikation", "Zabudowa stoisk targowych i komunikacja eventowa", "Stavba výstavních stánků a eventová komunikace", "Trade-fair stands and event communication"),
		},
		needs: []domain.Text{
			t4("Foto- und Videoproduktion für Produktaufnahmen", "Fotografowie i filmowcy do sesji produktowych", "Fotografové a kameramani pro produktové snímky", "Photo and video production for product shoots"),
		},
		topics: []domain.Text{
			t4("Gemeinsame Standortmarke für das Dreiländereck", "Wspólna marka lokalizacyjna dla regionu trzech granic", "Společná značka Trojzemí jako místa pro podnikání", "A joint location brand for the tri-border area"),
		},
	},
	{
		key: "medtech", nace: []string{"32.50", "21.20"}, rd: true,
		stems: stems([]string{"Medizintechnik", "MedTec"}, []string{"Technika Medyczna", "Med-Tech"}, []string{"Zdravotnická technika", "MedTech"}),
		about: t4("Wir entwickeln und fertigen Medizinprodukte der Klassen I und IIa – von orthopädischen Hilfsmitteln bis zu Laborgeräten.", "Opracowujemy i produkujemy wyroby medyczne klasy I i IIa – od zaopatrzenia ortopedycznego po sprzęt laboratoryjny.", "Vyvíjíme a vyrábíme zdravotnické prostředky třídy I a IIa – od ortopedických pomůcek po laboratorní přístroje.", "We develop and manufacture class I and IIa medical devices, from orthopaedic aids to laboratory equipment."),
		products: []domain.Text{
			t4("Orthopädische Orthesen nach Maß", "Ortezy ortopedyczne na wymiar", "Ortopedické ortézy na míru", "Custom-made orthopaedic orthoses"),
			t4("Laborgeräte für die Probenvorbereitung", "Urządzenia laboratoryjne do przygotowania próbek", "Laboratorní přístroje pro přípravu vzorků", "Laboratory equipment for sample preparation"),
		},
		services: []domain.Text{
			t4("Reinraumfertigung und Sterilverpackung", "Produkcja w pomieszczeniach czystych i pakowanie sterylne", "Výroba v čistých prostorách a sterilní balení", "Clean-room production and sterile packaging"),
		},
		needs: []domain.Text{
			t4("Regulatorische Beratung zur MDR-Zertifizierung", "Doradztwo regulacyjne w zakresie certyfikacji MDR", "Regulatorní poradenství k certifikaci podle MDR", "Regulatory consulting for MDR certification"),
		},
		topics: []domain.Text{
			t4("3D-gedruckte Implantate aus Titan", "Implanty tytanowe drukowane w 3D", "3D tištěné titanové implantáty", "3D-printed titanium implants"),
		},
	},
	{
		key: "agri", nace: []string{"01.13", "01.24"}, rd: true,
		stems: stems([]string{"Agrar", "Obsthof", "Landwirtschaft"}, []string{"Gospodarstwo Rolne", "Sady", "Agro"}, []string{"Zemědělská farma", "Ovocnářství", "Agro"}),
		about: t4("Wir bewirtschaften Acker- und Obstbauflächen und vermarkten Obst, Gemüse und Säfte direkt ab Hof.", "Uprawiamy pola i sady oraz sprzedajemy owoce, warzywa i soki bezpośrednio z gospodarstwa.", "Obhospodařujeme pole a sady a prodáváme ovoce, zeleninu a šťávy přímo ze dvora.", "We farm arable land and orchards and sell fruit, vegetables and juices directly from the farm."),
		products: []domain.Text{
			t4("Direktsaft aus regionalen Äpfeln", "Soki tłoczone z regionalnych jabłek", "Mošt z regionálních jablek", "Pressed juice from regional apples"),
			t4("Bio-Gemüse für Großküchen", "Warzywa ekologiczne dla stołówek", "Bio zelenina pro velkokuchyně", "Organic vegetables for canteens"),
		},
		services: []domain.Text{
			t4("Lohnmosterei und Saftabfüllung", "Usługowe tłoczenie i rozlewanie soków", "Zakázkové moštování a stáčení šťáv", "Contract juice pressing and bottling"),
		},
		needs: []domain.Text{
			t4("Kühllagerkapazität für Obst", "Chłodnie do przechowywania owoców", "Chladírenské kapacity pro ovoce", "Cold-storage capacity for fruit"),
		},
		topics: []domain.Text{
			t4("Klimaresistente Obstsorten für Mittelgebirgslagen", "Odporne na zmiany klimatu odmiany owoców dla terenów podgórskich", "Klimaticky odolné odrůdy ovoce pro podhorské oblasti", "Climate-resilient fruit varieties for upland areas"),
		},
	},
	// Institutions.
	{
		key: "business_support", nace: []string{"94.11", "70.22"},
		services: []domain.Text{
			t4("Markteintrittsberatung für das Nachbarland", "Doradztwo w zakresie wejścia na rynek kraju sąsiedniego", "Poradenství pro vstup na trh sousední země", "Market-entry advice for the neighbouring country"),
			t4("Kooperationsbörsen und Unternehmerreisen", "Giełdy kooperacyjne i misje gospodarcze", "Kooperační burzy a podnikatelské mise", "Matchmaking events and business missions"),
			t4("Beratung zu Förderprogrammen und Interreg-Kleinprojekten", "Doradztwo w zakresie programów wsparcia i małych projektów Interreg", "Poradenství k dotačním programům a malým projektům Interreg", "Advice on funding programmes and Interreg small projects"),
			t4("Anerkennung ausländischer Berufsabschlüsse", "Uznawanie zagranicznych kwalifikacji zawodowych", "Uznávání zahraničních odborných kvalifikací", "Recognition of foreign vocational qualifications"),
		},
		topics: []domain.Text{
			t4("Grenzüberschreitende Fachkräftesicherung", "Transgraniczne pozyskiwanie wykwalifikowanych pracowników", "Přeshraniční získávání kvalifikovaných pracovníků", "Cross-border recruitment of skilled workers"),
			t4("Resiliente Lieferketten im Grenzraum", "Odporne łańcuchy dostaw na pograniczu", "Odolné dodavatelské řetězce v příhraničí", "Resilient supply chains in the border region"),
		},
	},
	{
		key: "research", nace: []string{"85.42", "72.19"}, rd: true,
		services: []domain.Text{
			t4("Auftragsforschung und Materialprüfung", "Badania na zlecenie i badania materiałowe", "Smluvní výzkum a zkoušení materiálů", "Contract research and materials testing"),
			t4("Weiterbildung und Zertifikatskurse für Fachkräfte", "Szkolenia i studia podyplomowe dla specjalistów", "Další vzdělávání a certifikované kurzy pro odborníky", "Continuing education and certificate courses for professionals"),
		},
		topics: []domain.Text{
			t4("Wasserstofftechnologien und Energiespeicher", "Technologie wodorowe i magazynowanie energii", "Vodíkové technologie a ukládání energie", "Hydrogen technologies and energy storage"),
			t4("Strukturwandel in Kohleregionen", "Transformacja regionów węglowych", "Strukturální změny v uhelných regionech", "Structural change in coal regions"),
			t4("Mehrsprachigkeit und interkulturelle Kommunikation", "Wielojęzyczność i komunikacja międzykulturowa", "Vícejazyčnost a interkulturní komunikace", "Multilingualism and intercultural communication"),
			t4("Nanomaterialien und Oberflächentechnik", "Nanomateriały i inżynieria powierzchni", "Nanomateriály a povrchové inženýrství", "Nanomaterials and surface engineering"),
		},
	},
	{
		key: "public", nace: []string{"84.11", "84.13"},
		products: []domain.Text{
			t4("Voll erschlossene Gewerbeflächen für Ansiedlungen", "W pełni uzbrojone tereny inwestycyjne", "Plně zasíťované průmyslové pozemky", "Fully serviced industrial sites"),
		},
		topics: []domain.Text{
			t4("Grenzüberschreitender Rettungsdienst und Katastrophenschutz", "Transgraniczne ratownictwo medyczne i ochrona ludności", "Přeshraniční záchranná služba a ochrana obyvatelstva", "Cross-border emergency services and civil protection"),
			t4("Gemeinsamer grenzüberschreitender Nahverkehr", "Wspólny transgraniczny transport publiczny", "Společná přeshraniční veřejná doprava", "Joint cross-border public transport"),
			t4("Integrierte territoriale Investitionen (ITI)", "Zintegrowane Inwestycje Terytorialne (ZIT)", "Integrované územní investice (ITI)", "Integrated territorial investments (ITI)"),
			t4("Partnerschaften von Schulen und Kindergärten", "Partnerstwa szkół i przedszkoli", "Partnerství škol a mateřských škol", "Partnerships between schools and nurseries"),
			t4("Digitale Verwaltungsdienste im Grenzraum", "Cyfrowe usługi administracyjne na pograniczu", "Digitální služby veřejné správy v příhraničí", "Digital public services in the border region"),
		},
	},
}

// sectorByKey returns the sector named key; it panics on a typo in the
// data, which the tests would catch at once.
func sectorByKey(key string) *sector {
	for _, s := range sectors {
		if s.key == key {
			return s
		}
	}
	panic("demo: unknown sector " + key)
}
