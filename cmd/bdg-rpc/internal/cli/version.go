package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Build says what a binary was built from.
type Build struct {
	// Commit is the commit, stamped by the build ("" when it was not, as
	// with go install).
	Commit string
}

// versionInfo is what "bdg-rpc version --json" prints.
type versionInfo struct {
	Version  string `json:"version"`
	Protocol string `json:"protocol"`
	Commit   string `json:"commit,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

func buildInfo(b Build) versionInfo {
	commit := b.Commit
	if commit == "" {
		// go install of a tagged module stamps no commit; Go's own VCS
		// information is there when the build had it.
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	return versionInfo{Version: protocol.Version, Protocol: protocol.ProtocolVersion, Commit: commit,
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet("version", env)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v := buildInfo(env.Build)
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(v)
	}
	fmt.Fprintln(env.Stdout, v.String())
	return nil
}

// String is the version as "bdg-rpc version" prints it.
func (v versionInfo) String() string {
	commit := "unknown commit"
	if v.Commit != "" {
		commit = "commit " + v.Commit[:min(12, len(v.Commit))]
	}
	return fmt.Sprintf("bdg-rpc %s (%s, protocol %s, %s, %s)", v.Version, commit, v.Protocol, v.Go, v.Platform)
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
