package browser

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoEndpoint means that an endpoint could not be resolved to a browser:
// nothing answers there, it is not a DevTools endpoint, or auto-connect
// found no running Chrome.
var ErrNoEndpoint = errors.New("no Chrome DevTools endpoint")

// Endpoint is where a running Chrome is, as a person gives it: a port
// ("9222"), "host:port", an http:// URL, a ws:// URL of the browser or of
// one page, or the path of a Chrome user-data directory or of its
// DevToolsActivePort file. ParseEndpoint makes one; Resolve finds the
// browser's websocket.
type Endpoint struct {
	// Raw is what was given.
	Raw string
	// HTTP is the DevTools HTTP server (scheme and host only), when the
	// endpoint names one.
	HTTP *url.URL
	// WS is the websocket URL, when the endpoint names it: a ws:// URL,
	// or the one a DevToolsActivePort file says.
	WS string
	// ActivePort is the DevToolsActivePort file the endpoint was read from.
	ActivePort string
}

// ParseEndpoint reads what a person gives as a browser's endpoint. A path
// is read at once (its DevToolsActivePort file): an error says what is
// wrong with it.
func ParseEndpoint(raw string) (Endpoint, error) {
	s := strings.TrimSpace(raw)
	ep := Endpoint{Raw: s}
	switch {
	case s == "":
		return ep, fmt.Errorf("%w: empty endpoint; give a port (9222), host:port, a URL, or a Chrome profile directory", ErrNoEndpoint)
	case isPort(s):
		ep.HTTP = &url.URL{Scheme: "http", Host: "127.0.0.1:" + s}
		return ep, nil
	case strings.Contains(s, "://"):
		u, err := devtoolsBase(s)
		if err != nil {
			return ep, err
		}
		if u.Scheme == "ws" || u.Scheme == "wss" {
			ep.WS = u.String()
		} else {
			ep.HTTP = u
		}
		return ep, nil
	case looksLikePath(s):
		return parseActivePortPath(ep)
	}
	if host, port, err := net.SplitHostPort(s); err == nil && host != "" && isPort(port) {
		ep.HTTP = &url.URL{Scheme: "http", Host: s}
		return ep, nil
	}
	if _, err := os.Stat(s); err == nil { // a relative path, such as "profile"
		return parseActivePortPath(ep)
	}
	return ep, fmt.Errorf("%w: %q is not a port, host:port, URL or path; give e.g. 9222, 127.0.0.1:9222, http://127.0.0.1:9222 or a Chrome profile directory", ErrNoEndpoint, s)
}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n <= 65535 && !strings.HasPrefix(s, "+")
}

func looksLikePath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "~") || strings.Contains(s, string(filepath.Separator))
}

// parseActivePortPath reads the DevToolsActivePort file that ep.Raw names, or
// that the directory it names holds.
func parseActivePortPath(ep Endpoint) (Endpoint, error) {
	p := ep.Raw
	if rest, ok := strings.CutPrefix(p, "~"); ok && (rest == "" || rest[0] == '/') {
		home, err := os.UserHomeDir()
		if err != nil {
			return ep, fmt.Errorf("expanding %q: %w", p, err)
		}
		p = home + rest
	}
	fi, err := os.Stat(p)
	if err != nil {
		return ep, fmt.Errorf("%w: %v", ErrNoEndpoint, err)
	}
	if fi.IsDir() {
		p = filepath.Join(p, activePortFile)
	}
	port, path, err := readActivePortFile(p)
	if err != nil {
		return ep, err
	}
	ep.ActivePort = p
	ep.HTTP = &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(port)}
	ep.WS = "ws://" + ep.HTTP.Host + path
	return ep, nil
}

// readActivePortFile reads a DevToolsActivePort file, saying what is wrong
// with it.
func readActivePortFile(p string) (port int, path string, err error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, "", fmt.Errorf("%w: %s does not exist: Chrome writes it while remote debugging is on (--remote-debugging-port, or the toggle at chrome://inspect/#remote-debugging)", ErrNoEndpoint, p)
	}
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", ErrNoEndpoint, err)
	}
	port, path, ok := parseActivePort(string(b))
	if !ok {
		return 0, "", fmt.Errorf("%w: %s is not a DevToolsActivePort file (want a port, then /devtools/browser/ID)", ErrNoEndpoint, p)
	}
	return port, path, nil
}

// Browser is a resolved endpoint: the websocket to dial, and how it was
// found.
type Browser struct {
	// Endpoint is the endpoint given, or the DevToolsActivePort file that
	// auto-connect found.
	Endpoint string
	// WS is the websocket URL to dial: of the browser, or of one page.
	WS string
	// HTTP is the DevTools HTTP server, when there is one ("" after a
	// fallback to DevToolsActivePort, whose server answers 404).
	HTTP string
	// Via says how WS was found, for a person: "/json/version",
	// "websocket URL", "DevToolsActivePort /path", or the Chrome that
	// auto-connect found.
	Via string
	// Page is the target id of a page endpoint (ws://HOST/devtools/page/ID).
	Page string
}

// Resolve finds the websocket of ep. An HTTP endpoint is asked for
// /json/version; when that fails (Chrome 144's remote-debugging toggle
// serves the websocket only, and /json/* answers 404), the websocket comes
// from a DevToolsActivePort file: the one ep was read from, or one of the
// profiles of dirs whose port is ep's.
func Resolve(ctx context.Context, ep Endpoint, dirs ProfileDirs) (Browser, error) {
	b, err := resolve(ctx, ep, dirs)
	b.Endpoint = ep.Raw
	return b, err
}

func resolve(ctx context.Context, ep Endpoint, dirs ProfileDirs) (Browser, error) {
	switch {
	case ep.ActivePort != "": // the file says it: no need to ask
		return Browser{WS: ep.WS, HTTP: ep.HTTP.String(), Via: "DevToolsActivePort " + ep.ActivePort}, nil
	case ep.WS != "":
		b := Browser{WS: ep.WS, Via: "websocket URL"}
		b.Page, _ = pageEndpointID(ep.WS)
		return b, nil
	}
	ws, err := resolveHTTP(ctx, ep.HTTP)
	if err == nil {
		return Browser{WS: ws, HTTP: ep.HTTP.String(), Via: "/json/version"}, nil
	}
	if p, ok := profileWithPort(dirs, ep.HTTP); ok {
		return Browser{WS: p.WS, HTTP: ep.HTTP.String(), Via: fmt.Sprintf("DevToolsActivePort %s (%s; /json/version failed)", p.File, p.Name)}, nil
	}
	return Browser{}, fmt.Errorf("%w at %s: %v", ErrNoEndpoint, ep.Raw, err)
}

func resolveHTTP(ctx context.Context, base *url.URL) (string, error) {
	if base == nil {
		return "", errors.New("no DevTools HTTP server")
	}
	return ResolveBrowserURL(ctx, base.String())
}

// Profile is a Chrome user-data directory where Chrome writes
// DevToolsActivePort.
type Profile struct {
	Name string // "Google Chrome", "Chromium", ...
	Dir  string
	File string // Dir/DevToolsActivePort
	WS   string // the websocket it names, when it has a valid one
}

// Profiles returns the usual user-data directories of Chrome, Chrome
// Beta, Dev and Canary and Chromium for home on goos ("linux", "darwin"),
// in that order, whether they exist or not. On Linux, configHome is
// $XDG_CONFIG_HOME ("" for home/.config).
func Profiles(goos, home, configHome string) []Profile {
	type p struct{ name, dir string }
	var list []p
	switch goos {
	case "darwin":
		base := filepath.Join(home, "Library", "Application Support")
		list = []p{
			{"Google Chrome", filepath.Join(base, "Google", "Chrome")},
			{"Google Chrome Beta", filepath.Join(base, "Google", "Chrome Beta")},
			{"Google Chrome Dev", filepath.Join(base, "Google", "Chrome Dev")},
			{"Google Chrome Canary", filepath.Join(base, "Google", "Chrome Canary")},
			{"Chromium", filepath.Join(base, "Chromium")},
		}
	default:
		base := configHome
		if base == "" {
			base = filepath.Join(home, ".config")
		}
		list = []p{
			{"Google Chrome", filepath.Join(base, "google-chrome")},
			{"Google Chrome Beta", filepath.Join(base, "google-chrome-beta")},
			{"Google Chrome Dev", filepath.Join(base, "google-chrome-unstable")},
			{"Google Chrome Canary", filepath.Join(base, "google-chrome-canary")},
			{"Chromium", filepath.Join(base, "chromium")},
		}
	}
	out := make([]Profile, len(list))
	for i, e := range list {
		out[i] = Profile{Name: e.name, Dir: e.dir, File: filepath.Join(e.dir, activePortFile)}
	}
	return out
}

// ProfileDirs are where auto-connect looks: the home and $XDG_CONFIG_HOME
// of the caller's environment.
type ProfileDirs struct {
	GOOS       string
	Home       string
	ConfigHome string
}

func (d ProfileDirs) list() []Profile {
	if d.Home == "" {
		return nil
	}
	return Profiles(d.GOOS, d.Home, d.ConfigHome)
}

// withActivePort reads p's DevToolsActivePort and fills WS; false when it
// has none that is valid.
func (p Profile) withActivePort() (Profile, bool) {
	port, path, err := readActivePortFile(p.File)
	if err != nil {
		return p, false
	}
	p.WS = "ws://127.0.0.1:" + strconv.Itoa(port) + path
	return p, true
}

// profileWithPort finds the profile of dirs whose DevToolsActivePort names
// the port of base, a loopback address (a DevToolsActivePort is of this
// machine), and gives its websocket on base's host.
func profileWithPort(dirs ProfileDirs, base *url.URL) (Profile, bool) {
	if base == nil || !isLoopback(base.Hostname()) {
		return Profile{}, false
	}
	for _, p := range dirs.list() {
		port, path, err := readActivePortFile(p.File)
		if err == nil && strconv.Itoa(port) == base.Port() {
			p.WS = "ws://" + base.Host + path
			return p, true
		}
	}
	return Profile{}, false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AutoConnect finds a running Chrome: the first profile of dirs (see
// Profiles) whose DevToolsActivePort names a port that accepts
// connections. The error lists what it looked at.
func AutoConnect(ctx context.Context, dirs ProfileDirs) (Profile, error) {
	var tried []string
	for _, p := range dirs.list() {
		p, ok := p.withActivePort()
		if !ok {
			tried = append(tried, p.File+" (none)")
			continue
		}
		if err := probe(ctx, p.WS); err != nil {
			tried = append(tried, fmt.Sprintf("%s (stale: %v)", p.File, err))
			continue
		}
		return p, nil
	}
	if len(tried) == 0 {
		return Profile{}, fmt.Errorf("%w: auto-connect has no home directory to look in", ErrNoEndpoint)
	}
	return Profile{}, fmt.Errorf("%w: auto-connect found no running Chrome with remote debugging on; looked at %s", ErrNoEndpoint, strings.Join(tried, ", "))
}

// AutoConnectBrowser is AutoConnect's Chrome as a resolved endpoint.
func AutoConnectBrowser(ctx context.Context, dirs ProfileDirs) (Browser, error) {
	p, err := AutoConnect(ctx, dirs)
	if err != nil {
		return Browser{}, err
	}
	u, _ := url.Parse(p.WS)
	return Browser{
		Endpoint: p.File, WS: p.WS, HTTP: "http://" + u.Host,
		Via: fmt.Sprintf("auto-connect: %s (%s)", p.Name, p.Dir),
	}, nil
}

// probe tells whether something listens at the host of a websocket URL.
func probe(ctx context.Context, ws string) error {
	u, err := url.Parse(ws)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return err
	}
	return c.Close()
}
