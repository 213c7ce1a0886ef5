package browsertest

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
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
//
// "{{REFUSED_URL}}" in a page becomes a URL on 127.0.0.1 where nothing
// listens.
type Fixtures struct {
	*httptest.Server
	RefusedURL string
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
	f := &Fixtures{RefusedURL: "http://127.0.0.1:" + strconv.Itoa(refused) + "/refused"}
	f.Server = httptest.NewServer(fixtureHandler(dir, f.RefusedURL))
	t.Cleanup(f.Close)
	return f
}

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

func fixtureHandler(dir, refusedURL string) http.Handler {
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
		if strings.HasSuffix(name, ".html") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			b = []byte(strings.ReplaceAll(string(b), "{{REFUSED_URL}}", refusedURL))
		}
		w.Write(b)
	})
	return mux
}
