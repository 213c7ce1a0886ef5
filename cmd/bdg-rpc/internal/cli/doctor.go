package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// doctor checks what bdg-rpc needs, each with what to do when it is
// missing: the binary, Chrome, BDG_HOME, sockets, and the sessions. The
// editors run it when a start fails and show what it says.

// Check states.
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "error"
)

// doctorCheck is one line of the report.
type doctorCheck struct {
	Name   string `json:"name"`   // binary, chrome, home, sockets, sessions
	Status string `json:"status"` // ok, warn or error
	Detail string `json:"detail"`
	Hint   string `json:"hint,omitempty"`
	// exit is the exit status an error of this check gives.
	exit int
}

// doctorReport is what "bdg-rpc doctor --json" prints.
type doctorReport struct {
	OK      bool          `json:"ok"` // no check is an error
	Version versionInfo   `json:"version"`
	Checks  []doctorCheck `json:"checks"`
}

func runDoctor(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("doctor", env)
	asJSON := fs.Bool("json", false, "print JSON")
	chrome := fs.String("chrome", "", "the Chrome binary to check (default $BDG_CHROME, else chromium or google-chrome on PATH)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("doctor takes no arguments, got %q", fs.Args()).WithHint("bdg-rpc doctor [--json]")
	}
	explicit := *chrome
	if explicit == "" {
		explicit = env.Getenv(browser.ChromeEnv)
	}
	rep := doctorReport{OK: true, Version: buildInfo(env.Build)}
	rep.Checks = append(rep.Checks, checkBinary(rep.Version), checkChrome(ctx, explicit))
	home, err := session.Home(env.Getenv)
	if err != nil {
		rep.Checks = append(rep.Checks, doctorCheck{Name: "home", Status: checkFail, Detail: err.Error(),
			Hint: "set BDG_HOME to a directory of yours", exit: protocol.ExitSessionFile})
	} else {
		hc := checkHome(home)
		rep.Checks = append(rep.Checks, hc)
		if hc.Status != checkFail {
			rep.Checks = append(rep.Checks, checkSockets(home))
			rep.Checks = append(rep.Checks, checkSessions(ctx, home)...)
		}
	}
	exit := protocol.ExitOK
	for _, c := range rep.Checks {
		if c.Status == checkFail {
			rep.OK = false
			if exit == protocol.ExitOK {
				exit = c.exit
			}
		}
	}
	if *asJSON {
		if err := printJSON(env, rep); err != nil {
			return err
		}
	} else {
		printDoctor(env, rep)
	}
	if exit != protocol.ExitOK {
		return &exitStatus{code: exit} // the report said why
	}
	return nil
}

func printDoctor(env *Env, rep doctorReport) {
	for _, c := range rep.Checks {
		fmt.Fprintf(env.Stdout, "%-5s  %-8s  %s\n", c.Status, c.Name, escapeLine(c.Detail))
		if c.Hint != "" {
			fmt.Fprintf(env.Stdout, "%-5s  %-8s  hint: %s\n", "", "", escapeLine(c.Hint))
		}
	}
	if rep.OK {
		fmt.Fprintln(env.Stdout, "bdg-rpc is ready.")
	} else {
		fmt.Fprintln(env.Stdout, "bdg-rpc cannot run sessions until the errors above are fixed.")
	}
}

func checkBinary(v versionInfo) doctorCheck {
	exe, err := os.Executable()
	if err != nil {
		exe = "(its path is unknown: " + err.Error() + ")"
	}
	return doctorCheck{Name: "binary", Status: checkOK, Detail: v.String() + " at " + exe}
}

// chromeInstallHint says how to get a Chrome on this system.
func chromeInstallHint() string {
	how := "install Chromium (Debian and Ubuntu: sudo apt-get install chromium; Fedora: sudo dnf install chromium)"
	if runtime.GOOS == "darwin" {
		how = "install Google Chrome or Chromium (brew install --cask chromium)"
	}
	return how + ", or point " + browser.ChromeEnv + " (or --chrome) at a Chrome or Chromium binary"
}

func checkChrome(ctx context.Context, explicit string) doctorCheck {
	path, err := browser.FindChrome(explicit)
	if err != nil {
		return doctorCheck{Name: "chrome", Status: checkFail, Detail: err.Error(), Hint: chromeInstallHint(), exit: protocol.ExitChromeLaunch}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	version := strings.TrimSpace(string(out))
	if err != nil || version == "" {
		return doctorCheck{Name: "chrome", Status: checkWarn, Detail: fmt.Sprintf("%s (its --version failed: %v)", path, err),
			Hint: "check that it starts: " + path + " --headless --dump-dom about:blank"}
	}
	return doctorCheck{Name: "chrome", Status: checkOK, Detail: fmt.Sprintf("%s (%s)", path, version)}
}

func checkHome(home string) doctorCheck {
	hint := "set BDG_HOME to a directory of yours that can be written"
	if err := session.CheckHome(home); err != nil {
		return doctorCheck{Name: "home", Status: checkFail, Detail: err.Error(), Hint: hint, exit: protocol.ExitSessionFile}
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return doctorCheck{Name: "home", Status: checkFail, Detail: fmt.Sprintf("BDG_HOME %s cannot be made: %v", home, err), Hint: hint, exit: protocol.ExitSessionFile}
	}
	f, err := os.CreateTemp(home, ".doctor-*")
	if err != nil {
		return doctorCheck{Name: "home", Status: checkFail, Detail: fmt.Sprintf("BDG_HOME %s cannot be written: %v", home, err), Hint: hint, exit: protocol.ExitSessionFile}
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return doctorCheck{Name: "home", Status: checkOK, Detail: home + " (writable)"}
}

// checkSockets listens on a Unix socket of the length a session's worker
// would use, where it would: in BDG_HOME (the session's directory is not
// made), or, for a home whose paths are too long for a socket, in the
// private directory the worker would use instead.
func checkSockets(home string) doctorCheck {
	d, err := session.NewDir(home, "default")
	if err != nil {
		return doctorCheck{Name: "sockets", Status: checkFail, Detail: err.Error(), exit: protocol.ExitSessionFile}
	}
	path := d.SocketPath()
	hint := "set BDG_HOME to a shorter path of yours on a local disk"
	dir := home
	if !strings.HasPrefix(path, home+string(filepath.Separator)) {
		dir = filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o700); err != nil { // as the worker makes it
			return doctorCheck{Name: "sockets", Status: checkFail, Detail: fmt.Sprintf("%s cannot be made: %v", dir, err), Hint: hint, exit: protocol.ExitSessionFile}
		}
	}
	probe := filepath.Join(dir, ".doctor-"+strings.Repeat("s", max(1, len(path)-len(dir)-len("/.doctor-"))))
	os.Remove(probe)
	l, err := net.Listen("unix", probe)
	if err != nil {
		return doctorCheck{Name: "sockets", Status: checkFail, Detail: fmt.Sprintf("a worker's socket cannot listen at %s: %v", probe, err), Hint: hint, exit: protocol.ExitSessionFile}
	}
	l.Close()
	os.Remove(probe)
	return doctorCheck{Name: "sockets", Status: checkOK, Detail: fmt.Sprintf("a session's socket listens, as at %s (%d bytes)", path, len(path))}
}

// checkSessions reports the running sessions in one line, and each stale
// one (its worker gone without ending it) with what to do.
func checkSessions(ctx context.Context, home string) []doctorCheck {
	all, err := control.List(ctx, home)
	if err != nil {
		return []doctorCheck{{Name: "sessions", Status: checkWarn, Detail: "listing the sessions: " + err.Error(), Hint: "bdg-rpc sessions lists them"}}
	}
	var running, ended []string
	var out []doctorCheck
	for _, st := range all {
		switch st.State {
		case protocol.StateRunning, protocol.StateStarting:
			running = append(running, st.Session)
		case protocol.StateStale:
			out = append(out, doctorCheck{Name: "sessions", Status: checkWarn,
				Detail: fmt.Sprintf("%q is stale: its worker is gone and did not end it", st.Session),
				Hint:   "bdg-rpc cleanup --session " + st.Session + " ends it (its records stay readable)"})
		default:
			ended = append(ended, st.Session)
		}
	}
	detail := fmt.Sprintf("%d running", len(running))
	if len(running) > 0 {
		detail += " (" + strings.Join(running, ", ") + ")"
	}
	detail += fmt.Sprintf(", %d ended", len(ended))
	return append([]doctorCheck{{Name: "sessions", Status: checkOK, Detail: detail}}, out...)
}
