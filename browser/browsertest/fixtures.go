package browsertest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fixtures is an HTTP server of the fixture pages in the module's
// testdata/fixtures, with the endpoints they fetch:
//
//	/data.json   {"n":42}
//	/big.json    a JSON array of about 1 MB
//	/missing     404
//	/redirect    302 to /data.json
//	/echo        echoes a POST body
//	/slow?ms=N   answers after N ms
//	/binary      256 bytes of application/octet-stream
//	/ws          a WebSocket that echoes every message, text or binary
//	/sse?n=N     an EventSource stream of N messages (default 3), then open
//	/_said       POST {"ctx","level","text"}: a console line a page reports
//	             through this side channel (see Said); not in Served
//
// "{{REFUSED_URL}}" in a page becomes a URL on 127.0.0.1 where nothing
// listens, and "{{OTHER_ORIGIN}}" the server's origin on the other site:
// pages are served on 127.0.0.1 and on localhost, which are different sites,
// so that a page of one in a frame of the other runs out of process.
type Fixtures struct {
	*httptest.Server
	RefusedURL string
	// OtherOrigin is the server's origin on localhost: another site.
	OtherOrigin string

	log *serverLog
}

// URL returns the address of a fixture page or endpoint.
func (f *Fixtures) URL(path string) string {
	return f.Server.URL + "/" + strings.TrimPrefix(path, "/")
}

// ServeFixtures starts the fixture server and stops it at the end of the
// test.
func ServeFixtures(t testing.TB) *Fixtures {
	t.Helper()
	dir := FixtureDir(t)
	refused := closedPort(t)
	f := &Fixtures{RefusedURL: "http://127.0.0.1:" + strconv.Itoa(refused) + "/refused", log: &serverLog{}}
	f.Server = httptest.NewUnstartedServer(nil)
	f.Server.Start()
	_, port, _ := net.SplitHostPort(f.Listener.Addr().String())
	f.OtherOrigin = "http://localhost:" + port
	f.Server.Config.Handler = f.log.wrap(fixtureHandler(dir, map[string]string{
		"{{REFUSED_URL}}": f.RefusedURL, "{{OTHER_ORIGIN}}": f.OtherOrigin,
	}))
	t.Cleanup(f.Close)
	return f
}

// Served returns the requests the server has answered so far, in the order
// they came, leaving out the side channel (/_said) and /favicon.ico.
func (f *Fixtures) Served() []Served { return f.log.served() }

// Said returns the console lines that pages reported through /_said, in the
// order they came.
func (f *Fixtures) Said() []Said { return f.log.said() }

// FixtureDir returns the module's testdata/fixtures directory.
func FixtureDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "fixtures")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory: cannot find testdata/fixtures")
		}
		dir = parent
	}
}

// closedPort returns a loopback port where nothing listens (it was free a
// moment ago; nothing on this machine binds ports at random).
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// BigJSON is the body of /big.json: about 1 MB.
func BigJSON() []byte {
	items := make([]map[string]any, 0, 9000)
	for i := 0; i < 9000; i++ {
		items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("item %d", i), "tags": []string{"alpha", "beta", "gamma"}, "price": float64(i) * 1.25, "description": strings.Repeat("lorem ipsum ", 4)})
	}
	b, _ := json.Marshal(items)
	return b
}

func fixtureHandler(dir string, subst map[string]string) http.Handler {
	big := BigJSON()
	mux := http.NewServeMux()
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"n":42}`)
	})
	mux.HandleFunc("/big.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(big)
	})
	mux.HandleFunc("/set-cookie", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Add("Set-Cookie", "flavor=oat; Path=/")
		io.WriteString(w, "cookie set")
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such thing", http.StatusNotFound)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/data.json", http.StatusFound)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
		}
		io.WriteString(w, "slow")
	})
	// /gzip?mb=N: N MiB of text (default 1), gzip-encoded: a few KB on the
	// wire that inflate to N MiB.
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		mb, err := strconv.Atoi(r.URL.Query().Get("mb"))
		if err != nil || mb <= 0 || mb > 256 {
			mb = 1
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		line := []byte(strings.Repeat("z", 1023) + "\n")
		for range mb << 10 {
			zw.Write(line)
		}
		zw.Close()
	})
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		w.Write(b)
	})
	mux.HandleFunc("/ws", serveEcho)
	mux.HandleFunc("/sse", serveEvents)
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "everything.html"
		}
		if strings.Contains(name, "..") || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if ct := mime.TypeByExtension(filepath.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		if strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".js") {
			for k, v := range subst {
				b = bytes.ReplaceAll(b, []byte(k), []byte(v))
			}
		}
		if strings.HasSuffix(name, ".js") {
			// Service worker scripts may control the whole origin.
			w.Header().Set("Service-Worker-Allowed", "/")
		}
		w.Write(b)
	})
	return mux
}
