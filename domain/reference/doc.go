// Package reference holds the reference data nisa ships inside its binary:
// the NACE Rev. 2 classification of economic activities (sections and
// divisions, labelled in German, Polish, Czech and English), the NUTS 2021
// regions of the German–Polish–Czech border area, ISO 3166-1 country codes
// and ISO 639-1 language codes. Cross-language matching leans on these codes:
// an offer tagged "25" and NUTS "PL51" means the same to a reader in Görlitz,
// Wrocław and Liberec.
//
// The data is kept as Go source, one struct literal per line in the *_data.go
// files, so a change is an ordinary reviewed diff and no file has to be found
// at run time. The tables are checked when the package is initialised (codes
// well formed and unique, every label present, every NACE division in a known
// section, every NUTS parent present and of the same country); a malformed
// table makes the program panic at start-up rather than answer wrongly.
// All tables are read-only after initialisation and safe for concurrent use;
// the functions return copies.
//
// Codes are normalised before lookup: surrounding white space is removed,
// country, NUTS and NACE section codes are upper-cased and language codes are
// lower-cased, so "pl", " PL" and "Pl" all find Poland. The values returned
// carry the canonical spelling, which is what callers should store. A code
// that is not in a table yields an *UnknownCodeError, which matches
// ErrUnknownCode.
//
// Sources:
//   - NACE Rev. 2: Regulation (EC) No 1893/2006 and the Eurostat RAMON
//     listing (English titles); the national versions for the other labels:
//     Destatis WZ 2008 (German), GUS PKD 2007 (Polish), ČSÚ CZ-NACE (Czech).
//   - NUTS 2021: Commission Delegated Regulation (EU) 2019/1755 (the NUTS 2021
//     classification). The names in the national language are the NUTS
//     labels; the English names are the usual English forms, given for
//     display only (NUTS itself has no English labels for most regions).
//   - ISO 3166-1 alpha-2 and ISO 639-1, as distributed by the Debian
//     iso-codes package (4.15), including its German, Polish and Czech
//     translations of the country names.
//
// Package reference imports only the standard library and nothing of nisa,
// so that package domain can import it.
package reference
