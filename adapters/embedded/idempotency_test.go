package embedded_test

import (
	"testing"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi/idempotencytest"
)

func TestIdempotencyStore(t *testing.T) {
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	idempotencytest.Run(t, s.Idempotency())
}
