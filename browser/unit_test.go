package browser

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/google/go-cmp/cmp"
)

func TestParseActivePort(t *testing.T) {
	for _, tc := range []struct {
		in   string
		port int
		path string
		ok   bool
	}{
		{"33345\n/devtools/browser/9700fd99-ace2-4c5f-9be9-767dd84e90a7", 33345, "/devtools/browser/9700fd99-ace2-4c5f-9be9-767dd84e90a7", true},
		{"33345\n/devtools/browser/abc\n", 33345, "/devtools/browser/abc", true},
		{"", 0, "", false},
		{"33345", 0, "", false},
		{"33345\n", 0, "", false},
		{"33345\n/devtools/browser/", 0, "", false},
		{"0\n/devtools/browser/x", 0, "", false},
		{"port\n/devtools/browser/x", 0, "", false},
		{"70000\n/devtools/browser/x", 0, "", false},
	} {
		port, path, ok := parseActivePort(tc.in)
		if port != tc.port || path != tc.path || ok != tc.ok {
			t.Errorf("parseActivePort(%q) = %d, %q, %v; want %d, %q, %v", tc.in, port, path, ok, tc.port, tc.path, tc.ok)
		}
	}
}

func TestDebuggingHost(t *testing.T) {
	for in, want := range map[string]string{
		"":          "127.0.0.1",
		"127.0.0.1": "127.0.0.1",
		"0.0.0.0":   "127.0.0.1",
		"::":        "127.0.0.1",
		"::1":       "::1",
		"10.1.2.3":  "10.1.2.3",
		"localhost": "127.0.0.1",
	} {
		if got := debuggingHost(in); got != want {
			t.Errorf("debuggingHost(%q) = %q; want %q", in, got, want)
		}
	}
}

// fakeFS is a file system for the finder.
type fakeFS struct {
	onPath  map[string]string // name -> path
	execs   map[string]bool   // executable paths
	scripts map[string]bool
}

func (f fakeFS) finder() finder {
	return finder{
		lookPath: func(name string) (string, error) {
			if p, ok := f.onPath[name]; ok {
				return p, nil
			}
			return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
		},
		executable: func(p string) bool { return f.execs[p] },
		isScript:   func(p string) bool { return f.scripts[p] },
		real:       realBinaries,
		wellKnown:  wellKnownPaths,
	}
}

func TestFindChromeSearch(t *testing.T) {
	for _, tc := range []struct {
		name string
		fs   fakeFS
		want string
	}{{
		name: "debian wrapper prefers the real binary",
		fs: fakeFS{
			onPath:  map[string]string{"chromium": "/usr/bin/chromium"},
			execs:   map[string]bool{"/usr/bin/chromium": true, "/usr/lib/chromium/chromium": true},
			scripts: map[string]bool{"/usr/bin/chromium": true},
		},
		want: "/usr/lib/chromium/chromium",
	}, {
		name: "a binary on PATH is used as it is",
		fs: fakeFS{
			onPath: map[string]string{"chromium": "/usr/bin/chromium"},
			execs:  map[string]bool{"/usr/bin/chromium": true, "/usr/lib/chromium/chromium": true},
		},
		want: "/usr/bin/chromium",
	}, {
		name: "a wrapper without its binary is used",
		fs: fakeFS{
			onPath:  map[string]string{"chromium": "/usr/bin/chromium"},
			execs:   map[string]bool{"/usr/bin/chromium": true},
			scripts: map[string]bool{"/usr/bin/chromium": true},
		},
		want: "/usr/bin/chromium",
	}, {
		name: "names in order",
		fs: fakeFS{
			onPath: map[string]string{"google-chrome": "/usr/bin/google-chrome", "chrome": "/x/chrome"},
			execs:  map[string]bool{"/usr/bin/google-chrome": true},
		},
		want: "/usr/bin/google-chrome",
	}, {
		name: "well-known path when PATH has none",
		fs: fakeFS{
			execs: map[string]bool{"/opt/google/chrome/chrome": true},
		},
		want: "/opt/google/chrome/chrome",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fs.finder().find("")
			if err != nil || got != tc.want {
				t.Errorf("find = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFindChromeNone(t *testing.T) {
	_, err := fakeFS{}.finder().find("")
	if !errors.Is(err, ErrChromeNotFound) {
		t.Fatalf("err = %v; want ErrChromeNotFound", err)
	}
	var nf *ChromeNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err is %T; want *ChromeNotFoundError", err)
	}
	for _, want := range []string{"chromium", "google-chrome-stable", "/usr/lib/chromium/chromium", "apt-get install -y chromium", "--chrome PATH", ChromeEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestFindChromeExplicit(t *testing.T) {
	_, err := FindChrome("/nonexistent/chrome")
	if !errors.Is(err, ErrChromeNotFound) {
		t.Fatalf("err = %v; want ErrChromeNotFound", err)
	}
	if !strings.Contains(err.Error(), "/nonexistent/chrome") || !strings.Contains(err.Error(), ChromeEnv) {
		t.Errorf("error %q does not name the path and %s", err, ChromeEnv)
	}
	if _, err := FindChrome("no-such-chrome-binary-anywhere"); !errors.Is(err, ErrChromeNotFound) {
		t.Errorf("name not on PATH: err = %v; want ErrChromeNotFound", err)
	}
	if _, err := FindChrome(t.TempDir()); !errors.Is(err, ErrChromeNotFound) {
		t.Errorf("directory: err = %v; want ErrChromeNotFound", err)
	}
	if got, err := FindChrome("/bin/sh"); err != nil || got != "/bin/sh" {
		t.Errorf("FindChrome(/bin/sh) = %q, %v; an explicit path is used as it is", got, err)
	}
}

func TestLaunchConfigArgs(t *testing.T) {
	cfg := &launchConfig{flags: map[string]any{}}
	for _, o := range append(DefaultOptions(),
		Headless(false),
		Flag("mute-audio", false),
		Flag("lang", "en-US"),
		Flag("window-size", "800,600"),
		Flag("remote-debugging-port", 9333),
	) {
		o(cfg)
	}
	args, err := cfg.args()
	if err != nil {
		t.Fatal(err)
	}
	joined := " " + strings.Join(args, " ") + " "
	for _, want := range []string{"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--lang=en-US", "--window-size=800,600", "--remote-debugging-port=9333", "--remote-debugging-address=127.0.0.1",
		"--gaia-url=http://127.0.0.1:9"} {
		if !strings.Contains(joined, " "+want+" ") {
			t.Errorf("args lack %s: %v", want, args)
		}
	}
	if f := cfg.flags["disable-features"].(string); !strings.HasSuffix(f, ",NetworkTimeServiceQuerying") || strings.Count(f, "Translate") != 1 {
		t.Errorf("--disable-features=%s; want the defaults, once each", f)
	}
	for _, unwanted := range []string{"--headless", "--disable-gpu", "--mute-audio"} {
		if strings.Contains(joined, " "+unwanted+" ") {
			t.Errorf("args have %s: %v", unwanted, args)
		}
	}
	cfg.flags["bad"] = 1.5
	if _, err := cfg.args(); err == nil {
		t.Error("a float flag value gave no error")
	}
}

func TestDecodeMessageSanitizes(t *testing.T) {
	for _, in := range []string{
		`{"method":"Runtime.consoleAPICalled","params":{"s":"\ud800","ok":"\ud83d\ude00"}}`,
		"{\"method\":\"Runtime.consoleAPICalled\",\"params\":{\"s\":\"\xed\xa0\x80\",\"ok\":\"\xf0\x9f\x98\x80\"}}",
	} {
		m, err := decodeMessage([]byte(in))
		if err != nil {
			t.Fatalf("decodeMessage(%q): %v", in, err)
		}
		if !m.Params.IsValid() {
			t.Errorf("params %q are not strictly valid JSON", m.Params)
		}
		var p struct {
			S  string `json:"s"`
			OK string `json:"ok"`
		}
		if err := jsonv2.Unmarshal(m.Params, &p); err != nil {
			t.Fatalf("strict decode of %q: %v", m.Params, err)
		}
		if !strings.HasPrefix(p.S, "\uFFFD") || p.OK != "😀" {
			t.Errorf("params = %+v; want U+FFFD for the bad string and the emoji kept", p)
		}
	}
	if _, err := decodeMessage([]byte(`{"id":1,`)); err == nil {
		t.Error("truncated JSON gave no error")
	}
	m, err := decodeMessage([]byte(`{"id":7,"error":{"code":-32601,"message":"'Foo.bar' wasn't found"}}`))
	if err != nil || m.ID != 7 || m.Error == nil || m.Error.Code != -32601 {
		t.Errorf("error reply: %+v, %v", m, err)
	}
}

func TestEncodeCommand(t *testing.T) {
	got, err := encodeCommand(3, "S1", "Page.navigate", jsonv2.Value(`{"url":"about:blank"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":3,"sessionId":"S1","method":"Page.navigate","params":{"url":"about:blank"}}`
	if string(got) != want {
		t.Errorf("encodeCommand = %s; want %s", got, want)
	}
	got, _ = encodeCommand(4, "", "Browser.getVersion", nil)
	if want := `{"id":4,"method":"Browser.getVersion"}`; string(got) != want {
		t.Errorf("encodeCommand = %s; want %s", got, want)
	}
}

func TestMarshalParams(t *testing.T) {
	for _, tc := range []struct {
		in      any
		want    string
		wantErr bool
	}{
		{nil, "", false},
		{struct {
			URL string `json:"url"`
		}{"x"}, `{"url":"x"}`, false},
		{jsonv2.Value(`{"a":1}`), `{"a":1}`, false},
		{[]byte(` {"a":"\ud800"}`), `{"a":"` + "\uFFFD" + `"}`, false},
		{jsonv2.Value(`[1]`), "", true},
		{jsonv2.Value(`{"a":`), "", true},
		{42, "", true},
	} {
		got, err := marshalParams(tc.in)
		if (err != nil) != tc.wantErr || string(got) != tc.want {
			t.Errorf("marshalParams(%v) = %s, %v; want %s, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestFIFO(t *testing.T) {
	f := newFIFO[int]()
	next := 0 // the next item that pop must return
	for i := range 1000 {
		f.push(i)
		if i%3 == 0 {
			v, ok := f.pop(nil)
			if !ok || v != next {
				t.Fatalf("pop = %d, %v; want %d, true", v, ok, next)
			}
			next++
		}
	}
	f.close()
	if f.push(-1) {
		t.Error("push after close succeeded")
	}
	var got []int
	for {
		v, ok := f.pop(nil)
		if !ok {
			break
		}
		got = append(got, v)
	}
	var want []int
	for i := next; i < 1000; i++ {
		want = append(want, i)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items after close (-want +got):\n%s", diff)
	}
	stop := make(chan struct{})
	close(stop)
	if _, ok := newFIFO[int]().pop(stop); ok {
		t.Error("pop on an empty queue with stop closed reported an item")
	}
}

func TestTailBuffer(t *testing.T) {
	tb := newTailBuffer(64)
	for i := range 100 {
		fmt.Fprintf(tb, "line %d\n", i)
	}
	if got, want := tb.lastLines(2), "line 98\nline 99"; got != want {
		t.Errorf("lastLines(2) = %q; want %q", got, want)
	}
	if got := tb.lastLines(100); len(got) > 64 || !strings.HasSuffix(got, "line 99") {
		t.Errorf("lastLines(100) = %q; want at most 64 bytes ending in line 99", got)
	}
}

func TestPageEndpointID(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:1/devtools/page/ABC":    "ABC",
		"ws://127.0.0.1:1/devtools/browser/ABC": "",
		"ws://127.0.0.1:1/devtools/page/":       "",
	} {
		if got, _ := pageEndpointID(in); got != want {
			t.Errorf("pageEndpointID(%q) = %q; want %q", in, got, want)
		}
	}
}
