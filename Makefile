# nisa — make targets. `make run` and `make test` are all a newcomer needs.

GO        ?= go
BIN       ?= bin/nisa
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
# PostgreSQL server used by tests and benchmarks (a scratch database is
# created on it for every test and dropped afterwards).
NISA_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export NISA_TEST_DATABASE_URL

FUZZTIME  ?= 5s
FUZZ      := FuzzOrganisationProfile FuzzOfferDraft FuzzMeetingDetails FuzzMeetingRegistration FuzzVisitProposal

.PHONY: all build run test bench lint fuzz fmt clean

all: lint test

## build: compile the nisa binary into bin/nisa
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/nisa

## run: start the server on the embedded store (./data) at http://127.0.0.1:8080;
##      an empty data directory is filled with the demo network first
run: build
	./$(BIN) serve --demo

## test: every test, with the race detector, against a real PostgreSQL.
##       One package at a time (-p 1): PostgreSQL's snapshot xmin is
##       cluster-wide, so a transaction open in one test's database holds
##       back what the global log shows in every other test's database, and
##       tests that wait for "the end of the log" would see an earlier end.
test:
	$(GO) test -race -count=1 -p 1 -timeout 30m ./...

## fuzz: run each fuzz target of the JSON command decoders for FUZZTIME
fuzz:
	@for f in $(FUZZ); do echo "fuzz $$f ($(FUZZTIME))"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./adapters/httpapi/ || exit 1; done

## bench: measure the embedded and PostgreSQL stores and their read sides
##        (1,000,000-event rebuild, search, matching, lag); writes bench/results.json;
##        then the websocket load (1,000 clients, 200 changes/s); writes bench/live.json
bench: build
	./$(BIN) bench --stores "embedded,$(NISA_TEST_DATABASE_URL)"
	./$(BIN) bench live --clients 1000 --rate 200 --duration 20s

## lint: go vet, gofmt and the import direction (domain imports nothing of ours,
##       and of other modules only the JSON v2 decoder it decodes payloads with)
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	@bad=$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./domain/... | grep -v -e '^$$' -e '^github.com/nisa-eu/nisa/domain' -e '^github.com/go-json-experiment/json' || true); \
	  if [ -n "$$bad" ]; then echo "domain/ must import only the standard library and go-json-experiment/json, not:"; echo "$$bad"; exit 1; fi
	@bad=$$($(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./adapters/... ./projections/... | grep -E ': .*github.com/nisa-eu/nisa/cmd' || true); \
	  if [ -n "$$bad" ]; then echo "adapters/ and projections/ must not import cmd/:"; echo "$$bad"; exit 1; fi

fmt:
	gofmt -w .

clean:
	rm -rf bin
