package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet("version", env)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(map[string]string{"version": protocol.Version, "go": runtime.Version()})
	}
	fmt.Fprintf(env.Stdout, "bdg-rpc %s (%s)\n", protocol.Version, runtime.Version())
	return nil
}

func newFlagSet(name string, env *Env) *flag.FlagSet {
	fs := flag.NewFlagSet("bdg-rpc "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stdout) // where --help prints
	return fs
}

// parseFlags parses args, turning a flag error into a usage error (exit 81)
// with a hint.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // errors are reported once, by report
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return errHelpShown
		}
		return usageErrorf("%v", err).WithHint(fmt.Sprintf("run '%s --help' for its flags", fs.Name()))
	}
	return nil
}
