package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// TestTranscripts replays the golden transcripts of testdata/transcripts
// (at the module root) against a real "bdg-rpc serve": the "client" section
// is what the client sends, "server" what the backend must answer, with
// volatile values (pids, seqs, times, ids, paths, ports) normalized.
//
// A client section is either plain lines, all sent at once before stdin is
// closed (for transcripts whose answers come in a fixed order), or a script
// (the archive's comment says "mode: script") of commands:
//
//	send LINE                      write LINE
//	await-response ID              wait for the response with this id
//	await-notification METHOD TXT  wait for a notification whose line holds TXT
//	close                          close stdin and read to the end
//
// In script mode the responses are compared in id order and the
// notifications as a sorted list, since Chrome's events of different
// requests can interleave differently from run to run (their seq order is
// checked by TestSessionOverServe).
func TestTranscripts(t *testing.T) {
	paths, err := filepath.Glob("../testdata/transcripts/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			b := e.serve()
			var got []string
			if strings.Contains(string(a.Comment), "mode: script") {
				script := strings.ReplaceAll(string(section(a, "client")), "$FIXTURES", strings.TrimSuffix(e.fx.URL(""), "/"))
				got = runScript(t, b, script)
			} else {
				b.send(string(section(a, "client")))
				b.stdin.Close()
				select {
				case <-b.done:
				case <-time.After(waitLimit):
					t.Fatal("the backend did not finish")
				}
				b.mu.Lock()
				got = slices.Clone(b.lines)
				b.mu.Unlock()
			}
			norm := newNormalizer(e)
			var out []string
			for _, line := range got {
				if n, keep := norm.line(line); keep {
					out = append(out, n)
				}
			}
			out = canonicalOrder(out)
			if *update {
				setSection(a, "server", []byte(strings.Join(out, "\n")+"\n"))
				if err := os.WriteFile(path, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := strings.Split(strings.TrimRight(string(section(a, "server")), "\n"), "\n")
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("%s: server lines differ (-want +got):\n%s", path, diff)
			}
		})
	}
}

func section(a *txtar.Archive, name string) []byte {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setSection(a *txtar.Archive, name string, data []byte) {
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = data
			return
		}
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: data})
}

func runScript(t *testing.T, b *backend, script string) []string {
	t.Helper()
	for _, cmd := range strings.Split(strings.TrimSpace(script), "\n") {
		verb, arg, _ := strings.Cut(strings.TrimSpace(cmd), " ")
		switch verb {
		case "send":
			b.send(arg + "\n")
		case "await-response":
			awaitLine(t, b, "response "+arg, func(line string) bool {
				return strings.HasPrefix(line, `{"id":`+arg+`,`) || strings.Contains(line, `"id":`+arg+`,"error"`)
			}, nil)
		case "await-notification":
			method, text, _ := strings.Cut(arg, " ")
			awaitLine(t, b, cmd, func(line string) bool {
				return strings.Contains(line, `"method":"`+method+`"`) && strings.Contains(line, text)
			}, nil)
		case "close":
			b.stdin.Close()
			select {
			case <-b.done:
			case <-time.After(waitLimit):
				t.Fatal("the backend did not finish")
			}
		case "", "#":
		default:
			t.Fatalf("unknown script command %q", cmd)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.lines)
}

// awaitLine waits until the backend has written a line that ok accepts.
func awaitLine(t *testing.T, b *backend, what string, ok func(string) bool, from *int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	start := 0
	if from != nil {
		start = *from
	}
	for {
		b.mu.Lock()
		lines := b.lines
		b.mu.Unlock()
		for i := start; i < len(lines); i++ {
			if ok(lines[i]) {
				if from != nil {
					*from = i + 1
				}
				return
			}
		}
		start = len(lines)
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// canonicalOrder orders what the backend wrote in a way that does not
// depend on timing: responses by id (numbers, then strings), then errors
// without an id (framing errors, written by the reader while handlers
// answer earlier lines), then notifications, sorted. The order of
// responses to one client is checked by their ids; the seq order of events
// by TestSessionOverServe.
func canonicalOrder(lines []string) []string {
	type keyed struct {
		rank int
		num  float64
		str  string
		line string
	}
	var ks []keyed
	for _, l := range lines {
		var m struct {
			ID     any    `json:"id"`
			Method string `json:"method"`
		}
		_ = json.Unmarshal([]byte(l), &m)
		k := keyed{line: l, str: l}
		switch id := m.ID.(type) {
		case float64:
			k.rank, k.num = 0, id
		case string:
			k.rank, k.str = 1, id
		default:
			k.rank = 2
			if m.Method != "" {
				k.rank = 3
			}
		}
		ks = append(ks, k)
	}
	sort.SliceStable(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.num != b.num {
			return a.num < b.num
		}
		return a.str < b.str
	})
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.line
	}
	return out
}

// normalizer replaces what changes from run to run.
type normalizer struct {
	paths *strings.Replacer
}

func newNormalizer(e *env) *normalizer {
	fx := strings.TrimSuffix(e.fx.URL(""), "/")
	return &normalizer{paths: strings.NewReplacer(e.home, "$BDG_HOME", e.fx.RefusedURL, "$REFUSED_URL", fx, "$FIXTURES")}
}

// pidInText finds pids in messages, such as "already running (pid 42)".
var pidInText = regexp.MustCompile(`\(pid \d+\)`)

// volatile keys and what they become.
var volatile = map[string]string{
	"pid": "$PID", "seq": "$SEQ", "lastSeq": "$SEQ", "oldestSeq": "$SEQ", "fromSeq": "$SEQ", "toSeq": "$SEQ", "count": "$N",
	"total": "$N", "nextCursor": "$SEQ",
	"timestamp": "$TIME", "startTime": "$TIME", "writtenAt": "$TIME", "uptimeMs": "$MS", "durationMs": "$MS",
	"duration": "$MS", "dataAgeMs": "$MS", "encodedDataLength": "$BYTES", "requestId": "$REQUEST_ID",
	"requestHeaders": "$HEADERS", "responseHeaders": "$HEADERS", "remoteAddress": "$ADDR", "epoch": "$EPOCH",
	"frameId": "$ID", "objectId": "$OBJECT_ID", "timing": "$TIMING",
}

// line normalizes one server line; it drops lines of no interest (the
// favicon, which Chrome fetches or not).
func (n *normalizer) line(line string) (string, bool) {
	if strings.Contains(line, "favicon.ico") {
		return "", false
	}
	line = pidInText.ReplaceAllString(n.paths.Replace(line), "(pid $$PID)")
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "unparseable: " + line, true
	}
	v = n.walk("", v)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n"), true
}

func (n *normalizer) walk(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch {
			case k == "id" && key == "target", k == "version" && key == "chrome":
				x[k] = "$" + strings.ToUpper(k)
			case volatile[k] != "":
				x[k] = volatile[k]
			default:
				x[k] = n.walk(k, val)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = n.walk(key, x[i])
		}
		return x
	case string:
		return x
	}
	return v
}
