package browser

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
)

// ChromeEnv is the environment variable in which users name their Chrome
// binary. FindChrome does not read it: callers pass its value as the explicit
// path, so that a flag can take precedence over it.
const ChromeEnv = "BDG_CHROME"

// chromeNames are the names that FindChrome looks up on PATH, in order.
var chromeNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// realBinaries maps a name on PATH that is often a shell-script wrapper to the
// binaries that the wrapper runs. The Debian wrapper /usr/bin/chromium, for
// example, runs /usr/lib/chromium/chromium and prints noise on the way.
var realBinaries = map[string][]string{
	"chromium":             {"/usr/lib/chromium/chromium"},
	"chromium-browser":     {"/usr/lib/chromium-browser/chromium-browser", "/usr/lib/chromium/chromium"},
	"google-chrome":        {"/opt/google/chrome/chrome"},
	"google-chrome-stable": {"/opt/google/chrome/chrome"},
}

// wellKnownPaths are the places FindChrome tries after PATH.
var wellKnownPaths = []string{
	"/usr/lib/chromium/chromium",
	"/usr/lib/chromium-browser/chromium-browser",
	"/opt/google/chrome/chrome",
	"/usr/bin/chromium",
	"/usr/bin/chromium-browser",
	"/usr/bin/google-chrome",
	"/usr/bin/google-chrome-stable",
	"/snap/bin/chromium",
	"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
	"/Applications/Chromium.app/Contents/MacOS/Chromium",
}

// ChromeNotFoundError is the error of FindChrome. It matches
// ErrChromeNotFound with errors.Is.
type ChromeNotFoundError struct {
	// Explicit is the path that the caller gave, if any.
	Explicit string
	// Err is why Explicit does not work, if it was given.
	Err error
	// Tried lists the names looked up on PATH and the paths tried, when no
	// path was given.
	Tried []string
}

const installHint = "install Chromium (for example: apt-get install -y chromium) or pass the path of a Chrome binary with --chrome PATH or " + ChromeEnv + "=PATH"

// Error implements error.
func (e *ChromeNotFoundError) Error() string {
	if e.Explicit != "" {
		return fmt.Sprintf("chrome not found: %q: %v; pass the path of a Chrome or Chromium binary with --chrome PATH or %s=PATH", e.Explicit, e.Err, ChromeEnv)
	}
	return fmt.Sprintf("chrome not found: tried %s; %s", strings.Join(e.Tried, ", "), installHint)
}

// Unwrap makes errors.Is match ErrChromeNotFound and the cause.
func (e *ChromeNotFoundError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrChromeNotFound, e.Err}
	}
	return []error{ErrChromeNotFound}
}

// FindChrome returns the Chrome binary to run. With an explicit path (or a
// name to look up on PATH) it checks that and nothing else. Without one, it
// looks up chromium, chromium-browser, google-chrome, google-chrome-stable
// and chrome on PATH, then well-known paths. Where the name on PATH is a
// shell-script wrapper, it prefers the binary that the wrapper runs, such as
// /usr/lib/chromium/chromium over /usr/bin/chromium. The error is a
// *ChromeNotFoundError, which says what it tried and how to fix it.
func FindChrome(explicit string) (string, error) {
	return defaultFinder().find(explicit)
}

// finder holds what FindChrome asks the system, so that tests can fake it.
type finder struct {
	lookPath   func(string) (string, error)
	executable func(string) bool
	isScript   func(string) bool
	real       map[string][]string
	wellKnown  []string
}

func defaultFinder() finder {
	return finder{
		lookPath:   exec.LookPath,
		executable: isExecutable,
		isScript:   isScript,
		real:       realBinaries,
		wellKnown:  wellKnownPaths,
	}
}

func (f finder) find(explicit string) (string, error) {
	if explicit != "" {
		if !strings.ContainsRune(explicit, os.PathSeparator) {
			p, err := f.lookPath(explicit)
			if err != nil {
				return "", &ChromeNotFoundError{Explicit: explicit, Err: err}
			}
			return p, nil
		}
		if err := checkExecutable(explicit); err != nil {
			return "", &ChromeNotFoundError{Explicit: explicit, Err: err}
		}
		return explicit, nil
	}
	var tried []string
	for _, name := range chromeNames {
		tried = append(tried, name)
		p, err := f.lookPath(name)
		if err != nil {
			continue
		}
		if f.isScript(p) {
			for _, r := range f.real[name] {
				if f.executable(r) {
					return r, nil
				}
			}
		}
		return p, nil
	}
	for _, p := range f.wellKnown {
		tried = append(tried, p)
		if f.executable(p) {
			return p, nil
		}
	}
	return "", &ChromeNotFoundError{Tried: tried}
}

// checkExecutable reports why path is not an executable file, or nil.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (mode %v)", fi.Mode())
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("not executable: %w", fs.ErrPermission)
	}
	return nil
}

func isExecutable(path string) bool { return checkExecutable(path) == nil }

// isScript reports whether the file starts with "#!".
func isScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 2)
	if _, err := io.ReadFull(f, head); err != nil {
		return false
	}
	return bytes.Equal(head, []byte("#!"))
}
