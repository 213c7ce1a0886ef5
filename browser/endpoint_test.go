package browser

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeActivePort(t *testing.T, dir string, port int, path string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, activePortFile)
	if err := os.WriteFile(f, []byte(strconv.Itoa(port)+"\n"+path+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseEndpoint(t *testing.T) {
	dir := t.TempDir()
	file := writeActivePort(t, dir, 41234, "/devtools/browser/abc")
	empty := t.TempDir()
	for _, tc := range []struct {
		in                 string
		http, ws, fromFile string
		err                string
	}{
		{in: "9222", http: "http://127.0.0.1:9222"},
		{in: " 9222 ", http: "http://127.0.0.1:9222"},
		{in: "localhost:9333", http: "http://localhost:9333"},
		{in: "[::1]:9333", http: "http://[::1]:9333"},
		{in: "http://127.0.0.1:9222/json/version", http: "http://127.0.0.1:9222"},
		{in: "ws://127.0.0.1:9222/devtools/browser/x", ws: "ws://127.0.0.1:9222/devtools/browser/x"},
		{in: "ws://127.0.0.1:9222/devtools/page/P1", ws: "ws://127.0.0.1:9222/devtools/page/P1"},
		{in: dir, http: "http://127.0.0.1:41234", ws: "ws://127.0.0.1:41234/devtools/browser/abc", fromFile: file},
		{in: file, http: "http://127.0.0.1:41234", ws: "ws://127.0.0.1:41234/devtools/browser/abc", fromFile: file},
		{in: "", err: "empty endpoint"},
		{in: "0", err: "not a port"},
		{in: "99999", err: "not a port"},
		{in: "chrome", err: "not a port, host:port, URL or path"},
		{in: "ftp://x:1", err: `scheme "ftp"`},
		{in: empty, err: "DevToolsActivePort does not exist: Chrome writes it while remote debugging is on"},
		{in: filepath.Join(empty, "nope"), err: "no such file"},
	} {
		ep, err := ParseEndpoint(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseEndpoint(%q): error %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseEndpoint(%q): %v", tc.in, err)
			continue
		}
		got := ""
		if ep.HTTP != nil {
			got = ep.HTTP.String()
		}
		if got != tc.http || ep.WS != tc.ws || ep.ActivePort != tc.fromFile {
			t.Errorf("ParseEndpoint(%q) = http %q ws %q file %q, want %q %q %q", tc.in, got, ep.WS, ep.ActivePort, tc.http, tc.ws, tc.fromFile)
		}
	}
}

func TestParseEndpointBadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, activePortFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ParseEndpoint(dir)
	if !errors.Is(err, ErrNoEndpoint) || !strings.Contains(err.Error(), "is not a DevToolsActivePort file") {
		t.Errorf("got %v", err)
	}
}

func TestProfiles(t *testing.T) {
	var got []string
	for _, p := range Profiles("linux", "/h", "") {
		got = append(got, p.Name+"="+p.File)
	}
	want := []string{
		"Google Chrome=/h/.config/google-chrome/DevToolsActivePort",
		"Google Chrome Beta=/h/.config/google-chrome-beta/DevToolsActivePort",
		"Google Chrome Dev=/h/.config/google-chrome-unstable/DevToolsActivePort",
		"Google Chrome Canary=/h/.config/google-chrome-canary/DevToolsActivePort",
		"Chromium=/h/.config/chromium/DevToolsActivePort",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("linux (-want +got):\n%s", diff)
	}
	if p := Profiles("linux", "/h", "/xdg"); p[0].Dir != "/xdg/google-chrome" {
		t.Errorf("XDG_CONFIG_HOME not used: %+v", p[0])
	}
	mac := Profiles("darwin", "/Users/me", "")
	if mac[0].Dir != "/Users/me/Library/Application Support/Google/Chrome" || mac[3].Dir != "/Users/me/Library/Application Support/Google/Chrome Canary" || mac[4].Name != "Chromium" {
		t.Errorf("darwin: %+v", mac)
	}
}

// TestAutoConnect: the first profile whose DevToolsActivePort names a port
// that listens; a stale file (nothing listens) is passed over and said.
func TestAutoConnect(t *testing.T) {
	home := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	live := ln.Addr().(*net.TCPAddr).Port
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	stale := dead.Addr().(*net.TCPAddr).Port
	dead.Close()
	dirs := ProfileDirs{GOOS: "linux", Home: home}
	_, err = AutoConnect(context.Background(), dirs)
	if !errors.Is(err, ErrNoEndpoint) || !strings.Contains(err.Error(), "google-chrome/DevToolsActivePort (none)") {
		t.Errorf("nothing there: %v", err)
	}
	writeActivePort(t, filepath.Join(home, ".config", "google-chrome"), stale, "/devtools/browser/stale")
	writeActivePort(t, filepath.Join(home, ".config", "chromium"), live, "/devtools/browser/live")
	b, err := AutoConnectBrowser(context.Background(), dirs)
	if err != nil {
		t.Fatal(err)
	}
	want := Browser{
		Endpoint: filepath.Join(home, ".config", "chromium", activePortFile),
		WS:       "ws://127.0.0.1:" + strconv.Itoa(live) + "/devtools/browser/live",
		HTTP:     "http://127.0.0.1:" + strconv.Itoa(live),
		Via:      "auto-connect: Chromium (" + filepath.Join(home, ".config", "chromium") + ")",
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestResolveFallsBackToActivePort: an endpoint whose /json/version
// answers 404 (Chrome 144's remote-debugging toggle) resolves through the
// DevToolsActivePort of a profile that names its port.
func TestResolveFallsBackToActivePort(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	home := t.TempDir()
	dirs := ProfileDirs{GOOS: "linux", Home: home}
	ep, err := ParseEndpoint(strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(context.Background(), ep, dirs); !errors.Is(err, ErrNoEndpoint) || !strings.Contains(err.Error(), "404") {
		t.Errorf("without a profile: %v", err)
	}
	file := writeActivePort(t, filepath.Join(home, ".config", "google-chrome-beta"), port, "/devtools/browser/b")
	b, err := Resolve(context.Background(), ep, dirs)
	if err != nil {
		t.Fatal(err)
	}
	if b.WS != "ws://127.0.0.1:"+strconv.Itoa(port)+"/devtools/browser/b" || !strings.Contains(b.Via, file) || !strings.Contains(b.Via, "Google Chrome Beta; /json/version failed") {
		t.Errorf("got %+v", b)
	}
	// Not for another host: a DevToolsActivePort is of this machine.
	remote, _ := ParseEndpoint("192.0.2.1:" + strconv.Itoa(port))
	if _, ok := profileWithPort(dirs, remote.HTTP); ok {
		t.Error("a remote endpoint took a local DevToolsActivePort")
	}
}

func TestSelectTab(t *testing.T) {
	tabs := []Tab{
		{Index: 0, ID: "AAAA1111", Title: "Inbox", URL: "https://mail.example.com/inbox"},
		{Index: 1, ID: "BBBB2222", Title: "App", URL: "http://localhost:3000/"},
		{Index: 2, ID: "CCCC3333", Title: "App settings", URL: "http://localhost:3000/settings"},
	}
	for _, tc := range []struct {
		sel, id, how, err string
	}{
		{sel: "bbbb2222", id: "BBBB2222", how: PickedID},
		{sel: "CCCC", id: "CCCC3333", how: PickedID},
		{sel: "0", id: "AAAA1111", how: PickedIndex},
		{sel: "2", id: "CCCC3333", how: PickedIndex},
		{sel: "inbox", id: "AAAA1111", how: PickedMatch},
		{sel: "/settings", id: "CCCC3333", how: PickedMatch},
		{sel: "http://localhost:3000/", id: "", err: "2 tabs match"},
		{sel: "*:3000/", id: "BBBB2222", how: PickedMatch},
		{sel: "app", err: `2 tabs match "app" (1 http://localhost:3000/, 2 http://localhost:3000/settings)`},
		{sel: "*mail.example.com*", id: "AAAA1111", how: PickedMatch},
		{sel: "App ?ettings", id: "CCCC3333", how: PickedMatch},
		{sel: "3", err: "no such tab 3: the browser has 3 tab(s)"},
		{sel: "-1", err: "no such tab -1"},
		{sel: "zzz", err: `no such tab: none matches "zzz"`},
		{sel: " ", err: "empty tab selector"},
	} {
		got, how, err := SelectTab(tabs, tc.sel)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SelectTab(%q): error %v, want %q", tc.sel, err, tc.err)
			}
			continue
		}
		if err != nil || got.ID != tc.id || how != tc.how {
			t.Errorf("SelectTab(%q) = %s %s %v, want %s %s", tc.sel, got.ID, how, err, tc.id, tc.how)
		}
	}
}
