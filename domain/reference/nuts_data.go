package reference

// nutsRows is the NUTS 2021 table of the border area: one line per region,
// each parent before its children; fields are code, name in the national
// language (the NUTS label) and English name. Level, country and parent
// follow from the code; mustBuildNUTS checks them at start-up.
//
// Germany: Sachsen (DED) with Dresden, Chemnitz and Leipzig; Brandenburg
// (DE4); Mecklenburg-Vorpommern (DE8), each with all its NUTS-3 districts.
// Poland: Zachodniopomorskie (PL42), Lubuskie (PL43), Dolnośląskie (PL51) and
// Opolskie (PL52) with all their subregions, and their NUTS-1 macroregions
// PL4 and PL5 as parents. Czechia: the regions (kraje) CZ041, CZ042, CZ051,
// CZ052, CZ071 and CZ080 with their NUTS-2 cohesion regions and CZ0 as
// parents. CZ053 (Pardubický kraj) and CZ072 (Zlínský kraj) are shipped as
// well, so that the NUTS-2 regions CZ05 and CZ07 are complete and a NUTS-2
// search does not silently miss part of its area.
var nutsRows = []nutsRow{
	// Germany
	{"DED", "Sachsen", "Saxony"},
	{"DED2", "Dresden", "Dresden (statistical region)"},
	{"DED21", "Dresden, Kreisfreie Stadt", "Dresden (city)"},
	{"DED2C", "Bautzen", "Bautzen (district)"},
	{"DED2D", "Görlitz", "Görlitz (district)"},
	{"DED2E", "Meißen", "Meissen (district)"},
	{"DED2F", "Sächsische Schweiz-Osterzgebirge", "Saxon Switzerland-Eastern Ore Mountains"},
	{"DED4", "Chemnitz", "Chemnitz (statistical region)"},
	{"DED41", "Chemnitz, Kreisfreie Stadt", "Chemnitz (city)"},
	{"DED42", "Erzgebirgskreis", "Ore Mountains district"},
	{"DED43", "Mittelsachsen", "Central Saxony"},
	{"DED44", "Vogtlandkreis", "Vogtland district"},
	{"DED45", "Zwickau", "Zwickau (district)"},
	{"DED5", "Leipzig", "Leipzig (statistical region)"},
	{"DED51", "Leipzig, Kreisfreie Stadt", "Leipzig (city)"},
	{"DED52", "Leipzig", "Leipzig (district)"},
	{"DED53", "Nordsachsen", "North Saxony"},
	{"DE4", "Brandenburg", "Brandenburg"},
	{"DE40", "Brandenburg", "Brandenburg"},
	{"DE401", "Brandenburg an der Havel, Kreisfreie Stadt", "Brandenburg an der Havel (city)"},
	{"DE402", "Cottbus, Kreisfreie Stadt", "Cottbus (city)"},
	{"DE403", "Frankfurt (Oder), Kreisfreie Stadt", "Frankfurt (Oder) (city)"},
	{"DE404", "Potsdam, Kreisfreie Stadt", "Potsdam (city)"},
	{"DE405", "Barnim", "Barnim"},
	{"DE406", "Dahme-Spreewald", "Dahme-Spreewald"},
	{"DE407", "Elbe-Elster", "Elbe-Elster"},
	{"DE408", "Havelland", "Havelland"},
	{"DE409", "Märkisch-Oderland", "Märkisch-Oderland"},
	{"DE40A", "Oberhavel", "Oberhavel"},
	{"DE40B", "Oberspreewald-Lausitz", "Oberspreewald-Lausitz"},
	{"DE40C", "Oder-Spree", "Oder-Spree"},
	{"DE40D", "Ostprignitz-Ruppin", "Ostprignitz-Ruppin"},
	{"DE40E", "Potsdam-Mittelmark", "Potsdam-Mittelmark"},
	{"DE40F", "Prignitz", "Prignitz"},
	{"DE40G", "Spree-Neiße", "Spree-Neisse"},
	{"DE40H", "Teltow-Fläming", "Teltow-Fläming"},
	{"DE40I", "Uckermark", "Uckermark"},
	{"DE8", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"},
	{"DE80", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"},
	{"DE803", "Rostock, Kreisfreie Stadt", "Rostock (city)"},
	{"DE804", "Schwerin, Kreisfreie Stadt", "Schwerin (city)"},
	{"DE80J", "Mecklenburgische Seenplatte", "Mecklenburg Lake District"},
	{"DE80K", "Landkreis Rostock", "Rostock (district)"},
	{"DE80L", "Vorpommern-Rügen", "Western Pomerania-Rügen"},
	{"DE80M", "Nordwestmecklenburg", "Northwest Mecklenburg"},
	{"DE80N", "Vorpommern-Greifswald", "Western Pomerania-Greifswald"},
	{"DE80O", "Ludwigslust-Parchim", "Ludwigslust-Parchim"},

	// Poland
	{"PL4", "Makroregion północno-zachodni", "North-West macroregion"},
	{"PL42", "Zachodniopomorskie", "West Pomeranian Voivodeship"},
	{"PL424", "Miasto Szczecin", "City of Szczecin"},
	{"PL426", "Koszaliński", "Koszalin subregion"},
	{"PL427", "Szczecinecko-pyrzycki", "Szczecinek-Pyrzyce subregion"},
	{"PL428", "Szczeciński", "Szczecin subregion"},
	{"PL43", "Lubuskie", "Lubusz Voivodeship"},
	{"PL431", "Gorzowski", "Gorzów subregion"},
	{"PL432", "Zielonogórski", "Zielona Góra subregion"},
	{"PL5", "Makroregion południowo-zachodni", "South-West macroregion"},
	{"PL51", "Dolnośląskie", "Lower Silesian Voivodeship"},
	{"PL514", "Miasto Wrocław", "City of Wrocław"},
	{"PL515", "Jeleniogórski", "Jelenia Góra subregion"},
	{"PL516", "Legnicko-głogowski", "Legnica-Głogów subregion"},
	{"PL517", "Wałbrzyski", "Wałbrzych subregion"},
	{"PL518", "Wrocławski", "Wrocław subregion"},
	{"PL52", "Opolskie", "Opole Voivodeship"},
	{"PL523", "Nyski", "Nysa subregion"},
	{"PL524", "Opolski", "Opole subregion"},

	// Czechia
	{"CZ0", "Česko", "Czechia"},
	{"CZ04", "Severozápad", "Northwest"},
	{"CZ041", "Karlovarský kraj", "Karlovy Vary Region"},
	{"CZ042", "Ústecký kraj", "Ústí nad Labem Region"},
	{"CZ05", "Severovýchod", "Northeast"},
	{"CZ051", "Liberecký kraj", "Liberec Region"},
	{"CZ052", "Královéhradecký kraj", "Hradec Králové Region"},
	{"CZ053", "Pardubický kraj", "Pardubice Region"},
	{"CZ07", "Střední Morava", "Central Moravia"},
	{"CZ071", "Olomoucký kraj", "Olomouc Region"},
	{"CZ072", "Zlínský kraj", "Zlín Region"},
	{"CZ08", "Moravskoslezsko", "Moravia-Silesia"},
	{"CZ080", "Moravskoslezský kraj", "Moravian-Silesian Region"},
}
