package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// errUsage marks a command-line error that has already been reported.
var errUsage = errors.New("usage error")

// flags is a flag.FlagSet whose defaults come from NISA_… environment
// variables when they are set.
type flags struct {
	*flag.FlagSet
	envErrs []error
}

func newFlags(name, synopsis string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet("nisa "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: nisa %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return &flags{FlagSet: fs}
}

func envName(flagName string) string {
	return "NISA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) string(p *string, name, def, usage string) {
	f.stringEnv(p, name, envName(name), def, usage)
}

// stringEnv is string with an explicit environment variable name.
func (f *flags) stringEnv(p *string, name, env, def, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	f.StringVar(p, name, def, usage+" (env "+env+")")
}

func (f *flags) int(p *int, name string, def int, usage string) {
	f.intEnv(p, name, envName(name), def, usage)
}

// intEnv is int with an explicit environment variable name.
func (f *flags) intEnv(p *int, name, env string, def int, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: not an integer", env, v))
		}
		def = n
	}
	f.IntVar(p, name, def, usage+" (env "+env+")")
}

func (f *flags) bool(p *bool, name string, def bool, usage string) {
	env := envName(name)
	if v, ok := os.LookupEnv(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: not a boolean (true or false)", env, v))
		}
		def = b
	}
	f.BoolVar(p, name, def, usage+" (env "+env+")")
}

func (f *flags) duration(p *time.Duration, name string, def time.Duration, usage string) {
	f.durationEnv(p, name, envName(name), def, usage)
}

// durationEnv is duration with an explicit environment variable name.
func (f *flags) durationEnv(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: not a duration (e.g. 10s, 500ms)", env, v))
		}
		def = d
	}
	f.DurationVar(p, name, def, usage+" (env "+env+")")
}

// parse parses args; a bad flag or environment value is a usage error.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if len(f.envErrs) > 0 {
		fmt.Fprintln(f.Output(), errors.Join(f.envErrs...))
		return errUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.Output(), "unexpected argument %q\n", f.Arg(0))
		f.Usage()
		return errUsage
	}
	return nil
}

// storeFlags are the flags that choose and open an event store.
type storeFlags struct {
	Store     string
	ReadStore string
	DataDir   string
	LogLevel  string
}

func (s *storeFlags) register(f *flags) {
	f.string(&s.Store, "store", "embedded", `event store: "embedded" (a local data directory), a PostgreSQL URL such as postgres://user@host:5432/db, or an EventStoreDB/KurrentDB URL such as esdb://host:2113?tls=false`)
	f.string(&s.ReadStore, "read-store", "", "PostgreSQL URL for everything but the events when --store is EventStoreDB")
	f.string(&s.DataDir, "data-dir", "./data", "data directory of the embedded store")
	f.string(&s.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func (s *storeFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", s.LogLevel)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})), nil
}
