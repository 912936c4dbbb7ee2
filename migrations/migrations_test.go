package migrations

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestFilesAreWellFormed checks what the migrator relies on: names
// NNNN_description.sql with distinct versions, and no transaction control
// (each file runs inside a transaction of its own).
func TestFilesAreWellFormed(t *testing.T) {
	names, err := fs.Glob(FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded migrations: %v, %v", names, err)
	}
	valid := regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]+\.sql$`)
	seen := map[string]string{}
	for _, name := range names {
		if !valid.MatchString(name) {
			t.Errorf("%s: want NNNN_description.sql (lower case)", name)
			continue
		}
		if other, dup := seen[name[:4]]; dup {
			t.Errorf("%s and %s share version %s", name, other, name[:4])
		}
		seen[name[:4]] = name
		body, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.ToUpper(string(body)), "\n") {
			switch strings.TrimRight(strings.TrimSpace(line), ";") {
			case "BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END":
				t.Errorf("%s: contains %q; the migrator runs each file in its own transaction", name, strings.TrimSpace(line))
			}
		}
	}
	if _, ok := seen["0001"]; !ok {
		t.Error("no 0001 migration")
	}
}
