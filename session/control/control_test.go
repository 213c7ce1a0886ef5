package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// ended writes the session.json of a session that ended, without a worker.
func ended(t *testing.T, home, name string) session.Dir {
	t.Helper()
	d, err := session.NewDir(home, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	out := protocol.Output{Version: protocol.Version, Success: true, Session: name, LastSeq: 3,
		Counts: protocol.Counts{Network: 1, Console: 1}, Target: protocol.Target{URL: "http://h/"},
		Navigations: []protocol.Navigation{{ID: 1, URL: "http://h/"}}}
	net := []*protocol.NetworkRequest{{Seq: 2, RequestID: "r1", URL: "http://h/a", Method: "GET", State: protocol.StateFinished, Status: 500}}
	con := []*protocol.ConsoleMessage{{Seq: 3, Level: protocol.LevelError, Text: "boom"}}
	if err := session.WriteOutputAtomic(d.File(session.OutputFile), out, net, con); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAskWithoutWorker: the offline methods of the table are answered from
// session.json, marked stale; the others fail with no_session. Nothing is
// started.
func TestAskWithoutWorker(t *testing.T) {
	home := t.TempDir()
	d := ended(t, home, "gone")
	ctx := context.Background()
	raw, err := control.Ask(ctx, d, protocol.NetworkList.Name, json.RawMessage(`{"filter":"status-code:>=500"}`))
	if err != nil {
		t.Fatal(err)
	}
	var list protocol.NetworkListResult
	if err := json.Unmarshal(raw, &list); err != nil || list.Matched != 1 || list.Items[0].RequestID != "r1" ||
		!list.Stale.Stale || list.Source != d.File(session.OutputFile) {
		t.Errorf("network/list from session.json: %s (%v)", raw, err)
	}
	if _, err := control.Ask(ctx, d, protocol.NetworkGet.Name, json.RawMessage(`{"requestId":"nope"}`)); protocol.KindOf(err) != protocol.NotFound {
		t.Errorf("network/get of an unknown id: %v", err)
	}
	if _, err := control.Ask(ctx, d, protocol.NetworkList.Name, json.RawMessage(`{"last":-1}`)); protocol.AsError(err).Code != protocol.CodeInvalidParams {
		t.Errorf("bad params: %v", err)
	}
	_, err = control.Ask(ctx, d, protocol.CDPSend.Name, json.RawMessage(`{"method":"Page.reload"}`))
	if protocol.KindOf(err) != protocol.NoSession {
		t.Errorf("cdp/send without a worker: %v", err)
	}
	if alive, _ := d.WorkerAlive(); alive {
		t.Error("asking started a worker")
	}
	if err := os.WriteFile(d.File(session.OutputFile), []byte(`{"data":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := control.Ask(ctx, d, protocol.Peek.Name, nil); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("a damaged session.json: %v, want a session_file error", err)
	}
}

// TestStatusAndList: a session that ended reports "ended" from its file; a
// directory with nothing in it is not listed; one whose file is unreadable
// is listed as stale.
func TestStatusAndList(t *testing.T) {
	home := t.TempDir()
	d := ended(t, home, "done")
	st, err := control.Status(context.Background(), d)
	if err != nil || st.State != protocol.StateEnded || st.Counts.Console != 1 || !st.Stale.Stale || st.NavigationID != 1 {
		t.Errorf("status of an ended session: %+v, %v", st, err)
	}
	empty, _ := session.NewDir(home, "empty")
	if err := empty.Ensure(); err != nil {
		t.Fatal(err)
	}
	broken := ended(t, home, "broken")
	if err := os.WriteFile(broken.File(session.OutputFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := control.List(context.Background(), home)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.Session+"="+s.State)
	}
	if want := []string{"broken=stale", "done=ended"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("list = %q, want %q", got, want)
	}
	if _, err := control.List(context.Background(), filepath.Join(home, "sessions", "done", session.OutputFile)); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("a home that is a file: %v", err)
	}
}

// precious is the content of the files the tests plant links to.
var precious = []byte("precious: not bdg-rpc's to touch\n")

// outsideFile makes a file outside any bdg home, for a link to point to.
func outsideFile(t *testing.T, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// plant replaces name in the session directory with a link to target.
func plant(t *testing.T, d session.Dir, name, target string) {
	t.Helper()
	_ = os.Remove(d.File(name))
	if err := os.Symlink(target, d.File(name)); err != nil {
		t.Fatal(err)
	}
}

// tempProfile makes a directory that passes for a temporary Chrome profile
// of bdg-rpc's, with a file in it.
func tempProfile(t *testing.T) string {
	t.Helper()
	p, err := os.MkdirTemp("", "bdg-test-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(p) })
	if err := os.WriteFile(filepath.Join(p, "Preferences"), precious, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// metaWithProfile is a session.meta.json of a dead worker whose Chrome
// had the temporary profile dir.
func metaWithProfile(dir string) []byte {
	b, _ := json.Marshal(session.Meta{Session: "s", PID: 1 << 22, Chrome: session.MetaChrome{UserDataDir: dir, TempProfile: true}})
	return b
}

// TestCleanupDoesNotFollowSymlinks: cleanup never writes, truncates,
// creates or rescues through a link planted in a session directory, nor
// removes what a planted metadata file names; it removes the links
// themselves.
func TestCleanupDoesNotFollowSymlinks(t *testing.T) {
	partialDoc, _ := json.Marshal(protocol.Output{Version: protocol.Version, Session: "planted", Error: "PLANTED-CONTENT"})
	cases := []struct {
		name    string
		file    string
		content func(t *testing.T) []byte // of the link's target; nil: a dangling link
		check   func(t *testing.T, d session.Dir)
	}{
		{name: "start.lock", file: session.StartLockFile, content: func(*testing.T) []byte { return precious }},
		{name: "dangling start.lock", file: session.StartLockFile},
		{name: "worker.lock", file: session.WorkerLockFile, content: func(*testing.T) []byte { return precious }},
		{name: "dangling worker.lock", file: session.WorkerLockFile},
		{name: "worker.log", file: session.LogFile, content: func(*testing.T) []byte { return precious }},
		{name: "session.json", file: session.OutputFile, content: func(*testing.T) []byte { return precious }},
		{name: "session.partial.json", file: session.PartialFile, content: func(*testing.T) []byte { return partialDoc },
			check: func(t *testing.T, d session.Dir) {
				if b, err := os.ReadFile(d.File(session.OutputFile)); err == nil && bytes.Contains(b, []byte("PLANTED-CONTENT")) {
					t.Errorf("cleanup rescued the target of a linked partial file into session.json:\n%s", b)
				}
			}},
		{name: "session.meta.json", file: session.MetaFile, content: func(t *testing.T) []byte {
			profile := tempProfile(t)
			t.Cleanup(func() {
				if _, err := os.Lstat(filepath.Join(profile, "Preferences")); err != nil {
					t.Errorf("cleanup removed %s, named by a linked session.meta.json: %v", profile, err)
				}
			})
			return metaWithProfile(profile)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := ended(t, t.TempDir(), "s")
			if c.file == session.OutputFile { // something to rescue over the link
				if err := os.Rename(d.File(session.OutputFile), d.File(session.PartialFile)); err != nil {
					t.Fatal(err)
				}
			}
			var target string
			var content []byte
			if c.content != nil {
				content = c.content(t)
				target = outsideFile(t, content)
			} else {
				target = filepath.Join(t.TempDir(), "created")
			}
			plant(t, d, c.file, target)
			cleaned, err := control.Cleanup(d)
			if err != nil && protocol.KindOf(err) != protocol.SessionFile {
				t.Errorf("cleanup: %v (kind %q), want success or a session_file error", err, protocol.KindOf(err))
			}
			if c.content != nil {
				sessiontest.AssertUntouched(t, target, content)
			} else if _, err := os.Lstat(target); err == nil {
				t.Errorf("cleanup created %s, the target of a dangling link", target)
			}
			if c.check != nil {
				c.check(t, d)
			}
			if fi, lerr := os.Lstat(d.File(c.file)); err == nil && lerr == nil && fi.Mode().Type() == os.ModeSymlink {
				t.Errorf("cleanup succeeded (%+v) but left the link %s", cleaned, d.File(c.file))
			}
		})
	}
}

// TestCleanupTempProfileChecks: cleanup removes the temporary profile a
// dead worker's Chrome used only when it is a directory of ours, never
// through a link and never another user's.
func TestCleanupTempProfileChecks(t *testing.T) {
	t.Run("ours", func(t *testing.T) {
		d := ended(t, t.TempDir(), "s")
		profile := tempProfile(t)
		if err := session.WriteFileAtomic(d.File(session.MetaFile), func(w io.Writer) error { _, err := w.Write(metaWithProfile(profile)); return err }); err != nil {
			t.Fatal(err)
		}
		if _, err := control.Cleanup(d); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(profile); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("our temporary profile was not removed: %v", err)
		}
	})
	t.Run("a link", func(t *testing.T) {
		d := ended(t, t.TempDir(), "s")
		real := tempProfile(t)
		link := real + "-link"
		if err := os.Symlink(real, link); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(link) })
		if err := session.WriteFileAtomic(d.File(session.MetaFile), func(w io.Writer) error { _, err := w.Write(metaWithProfile(link)); return err }); err != nil {
			t.Fatal(err)
		}
		if _, err := control.Cleanup(d); err != nil {
			t.Fatal(err)
		}
		sessiontest.AssertUntouched(t, filepath.Join(real, "Preferences"), precious)
	})
	t.Run("another user's", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		d := ended(t, t.TempDir(), "s")
		theirs := tempProfile(t)
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := session.WriteFileAtomic(d.File(session.MetaFile), func(w io.Writer) error { _, err := w.Write(metaWithProfile(theirs)); return err }); err != nil {
			t.Fatal(err)
		}
		if _, err := control.Cleanup(d); err != nil {
			t.Fatal(err)
		}
		sessiontest.AssertUntouched(t, filepath.Join(theirs, "Preferences"), precious)
	})
}

// TestCleanupRefusesOpenOrForeignDirs: cleanup, stop and start refuse a
// session directory or sessions directory that others can write into or
// that belongs to another user, with a session_file error and a hint, and
// change nothing in it.
func TestCleanupRefusesOpenOrForeignDirs(t *testing.T) {
	cases := []struct {
		name  string
		pick  func(d session.Dir) string
		chown bool
		hint  string
	}{
		{"session dir 0777", func(d session.Dir) string { return d.Path }, false, "chmod 700"},
		{"sessions 0777", func(d session.Dir) string { return filepath.Join(d.Home, "sessions") }, false, "chmod 700"},
		{"session dir owned by another user", func(d session.Dir) string { return d.Path }, true, "remove"},
		{"sessions owned by another user", func(d session.Dir) string { return filepath.Join(d.Home, "sessions") }, true, "remove"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.chown && os.Geteuid() != 0 {
				t.Skip("needs root to give a directory to another user")
			}
			home := t.TempDir()
			d := ended(t, home, "s")
			// What another user could have planted while the directory was open.
			target := outsideFile(t, precious)
			plant(t, d, session.StartLockFile, target)
			if err := os.Rename(d.File(session.OutputFile), d.File(session.PartialFile)); err != nil {
				t.Fatal(err)
			}
			var err error
			if c.chown {
				err = os.Chown(c.pick(d), 65534, 65534)
			} else {
				err = os.Chmod(c.pick(d), 0o777)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = control.Cleanup(d)
			sessiontest.AssertRefused(t, "cleanup", err, c.hint)
			_, err = control.Stop(context.Background(), d)
			sessiontest.AssertRefused(t, "stop", err, c.hint)
			opts := session.Options{Session: "s", Home: home, URL: "http://127.0.0.1:1/"}
			_, err = control.Launcher{Executable: "/bin/false"}.Start(context.Background(), opts)
			sessiontest.AssertRefused(t, "start", err, c.hint)
			sessiontest.AssertUntouched(t, target, precious)
			if _, err := os.Lstat(d.File(session.PartialFile)); err != nil {
				t.Errorf("the partial file was moved in a refused directory: %v", err)
			}
			if fi, err := os.Lstat(c.pick(d)); err == nil && !c.chown && fi.Mode().Perm() != 0o777 {
				t.Errorf("%s was changed to %v behind its owner's back", c.pick(d), fi.Mode().Perm())
			}
		})
	}
}

// TestStartSymlinkedFiles: start refuses a session directory where a file
// it writes is a link, and writes nothing through it: not the worker's log
// (here /bin/sh plays a worker that fails and writes to its stderr), not
// the pid in start.lock.
func TestStartSymlinkedFiles(t *testing.T) {
	for _, name := range []string{session.LogFile, session.StartLockFile, session.WorkerLockFile, session.MetaFile, session.PartialFile, session.OutputFile} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			d, _ := session.NewDir(home, "s")
			if err := d.Ensure(); err != nil {
				t.Fatal(err)
			}
			target := outsideFile(t, precious)
			plant(t, d, name, target)
			opts := session.Options{Session: "s", Home: home, URL: "http://127.0.0.1:1/"}
			_, err := control.Launcher{Executable: "/bin/sh", HandshakeTimeout: 5 * time.Second}.Start(context.Background(), opts)
			sessiontest.AssertRefused(t, "start", err, "remove")
			if err != nil && bytes.Contains([]byte(err.Error()), precious) {
				t.Errorf("the error quotes the link's target: %v", err)
			}
			sessiontest.AssertUntouched(t, target, precious)
		})
	}
}

// TestSummaryAnswersEndedSessions: status, the list and a default peek of a
// session whose worker is gone come from the summary beside session.json,
// not from the document: they answer even when the document's records are
// damaged. A summary that is not the document's (another size) is not
// used. (Finding 9 of "the page and every client are untrusted": a 252 MB
// session.json took 2.8 s and 490 MB for a status.)
func TestSummaryAnswersEndedSessions(t *testing.T) {
	home := t.TempDir()
	d, err := session.NewDir(home, "big")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	out := protocol.Output{Version: protocol.Version, Success: true, Session: "big", LastSeq: 2000,
		Counts: protocol.Counts{Console: 2000}, Target: protocol.Target{URL: "http://h/"}}
	var con []*protocol.ConsoleMessage
	for i := range 2000 {
		con = append(con, &protocol.ConsoleMessage{Seq: uint64(i + 1), Level: protocol.LevelLog, Text: fmt.Sprintf("message %d %s", i, strings.Repeat("x", 500))})
	}
	path := d.File(session.OutputFile)
	if err := session.WriteOutputAtomic(path, out, nil, con); err != nil {
		t.Fatal(err)
	}
	// Damage the records in the middle of the document, keeping its size.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[len(b)/2:], "\x00\x00\x00 not json \x00\x00\x00")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := control.Status(ctx, d)
	if err != nil || st.State != protocol.StateEnded || st.Counts.Console != 2000 || st.LastSeq != 2000 {
		t.Fatalf("status from the summary: %+v, %v", st, err)
	}
	raw, err := control.Ask(ctx, d, protocol.Peek.Name, nil)
	var peek protocol.PeekResult
	if err != nil || json.Unmarshal(raw, &peek) != nil || len(peek.Console) != protocol.DefaultPeekLast ||
		peek.Console[len(peek.Console)-1].Seq != 2000 || peek.Counts.Console != 2000 || !peek.Stale.Stale {
		t.Fatalf("peek from the summary: %.300s, %v", raw, err)
	}
	if _, err := control.Ask(ctx, d, protocol.ConsoleList.Name, json.RawMessage(`{"limit":0}`)); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("console/list reads the document, damaged: %v", err)
	}
	if _, err := control.Ask(ctx, d, protocol.Peek.Name, json.RawMessage(`{"last":1500}`)); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("a peek beyond the summary reads the document, damaged: %v", err)
	}
	// A summary of another document is not used.
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := control.Status(ctx, d); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("status with a summary of another size: %v, want the document's damage", err)
	}
}

// TestIndexAnswersEndedSessions: the queries of a session whose worker is
// gone are answered through the index beside its document, reading only
// the records they return, with the very answers the document read whole
// gives; an index of another version of the document is not used.
func TestIndexAnswersEndedSessions(t *testing.T) {
	home := t.TempDir()
	d, err := session.NewDir(home, "indexed")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	const nc, nr = 20_000, 300
	out := protocol.Output{Version: protocol.Version, Success: true, Session: "indexed", LastSeq: nc + nr,
		Counts: protocol.Counts{Console: nc, Network: nr}, Target: protocol.Target{URL: "http://h/"},
		WrittenAt: "2026-12-06T01:00:00.123456789Z"}
	worker := &protocol.TargetRef{ID: "W1", Type: protocol.TargetWorker}
	var reqs []*protocol.NetworkRequest
	for i := range nr {
		r := &protocol.NetworkRequest{Seq: uint64(i + 1), RequestID: fmt.Sprintf("r%d", i), URL: fmt.Sprintf("http://h/%d", i),
			Method: "GET", ResourceType: []string{"Fetch", "Script", "Document"}[i%3], Timestamp: 1.7e12 + float64(i),
			NavigationID: 1 + i/100, State: protocol.StateFinished, Status: 200, ResponseBody: fmt.Sprintf(`{"n":%d}`, i)}
		if i%7 == 0 {
			r.Target = worker
		}
		reqs = append(reqs, r)
	}
	var con []*protocol.ConsoleMessage
	for i := range nc {
		m := &protocol.ConsoleMessage{Seq: uint64(nr + i + 1), Level: protocol.Levels[i%len(protocol.Levels)], Type: "log",
			Source: "console-api", Text: fmt.Sprintf("message %d", i), Timestamp: 1.7e12 + float64(i), NavigationID: 1 + i/5000}
		if i%11 == 0 {
			m.Target = worker
		}
		con = append(con, m)
	}
	path := d.File(session.OutputFile)
	if err := session.WriteOutputAtomic(path, out, reqs, con); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(session.IndexOf(path)); err != nil {
		t.Fatalf("no index beside the document: %v", err)
	}
	ctx := context.Background()
	ask := func(method, params string) string {
		t.Helper()
		raw, err := control.Ask(ctx, d, method, json.RawMessage(params))
		if err != nil {
			return "error: " + err.Error()
		}
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		delete(v, "stale") // its age differs
		delete(v, "dataAgeMs")
		b, _ := json.Marshal(v)
		return string(b)
	}
	mid := protocol.FormatCursor(uint64(nr + nc/2))
	queries := [][2]string{
		{protocol.ConsoleList.Name, `{}`},
		{protocol.ConsoleList.Name, `{"limit":100,"cursor":"` + mid + `"}`},
		{protocol.ConsoleList.Name, `{"limit":100,"cursor":"` + mid + `","order":"asc"}`},
		{protocol.ConsoleList.Name, `{"levels":["error"],"limit":50}`},
		{protocol.ConsoleList.Name, `{"filter":"message 1234","limit":0}`},
		{protocol.ConsoleList.Name, `{"navigation":2,"limit":10}`},
		{protocol.ConsoleList.Name, `{"target":"W1","limit":10}`},
		{protocol.NetworkList.Name, `{}`},
		{protocol.NetworkList.Name, `{"types":["Script"],"limit":5,"cursor":"150"}`},
		{protocol.NetworkList.Name, `{"target":"W1","limit":5}`},
		{protocol.NetworkGet.Name, `{"requestId":"r123","body":true}`},
		{protocol.NetworkGet.Name, `{"requestId":"nope"}`},
		{protocol.Peek.Name, `{"last":500}`},
	}
	indexed := make([]string, len(queries))
	for i, q := range queries {
		indexed[i] = ask(q[0], q[1])
	}
	if !strings.Contains(indexed[10], `{\"n\":123}`) || !strings.Contains(indexed[1], `"returned":100`) {
		t.Errorf("answers through the index: %.300s; %.300s", indexed[10], indexed[1])
	}
	// The index reads only what an answer returns: the oldest records
	// damaged, the newest still answer.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := slices.Clone(b)
	at := bytes.Index(damaged, []byte(`"message 10"`))
	copy(damaged[at:], "\x00\x00 not json")
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ask(protocol.ConsoleList.Name, `{"limit":100,"order":"desc"}`); !strings.Contains(got, `"returned":100`) {
		t.Errorf("the newest page of a document damaged at its start: %.300s", got)
	}
	if got := ask(protocol.ConsoleList.Name, `{"limit":0}`); !strings.HasPrefix(got, "error") {
		t.Errorf("a list of every message of a damaged document: %.200s", got)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// Without the index, the document is read whole: the same answers.
	if err := os.Remove(session.IndexOf(path)); err != nil {
		t.Fatal(err)
	}
	for i, q := range queries {
		if whole := ask(q[0], q[1]); whole != indexed[i] {
			t.Errorf("%s %s: through the index\n%.400s\nread whole\n%.400s", q[0], q[1], indexed[i], whole)
		}
	}
	// An index of another version of the document (the same size, another
	// writtenAt) is not used.
	out2 := out
	out2.WrittenAt = "2026-12-06T02:00:00.123456789Z" // the same size
	if err := session.WriteOutputAtomic(path, out2, reqs, con); err != nil {
		t.Fatal(err)
	}
	ix := session.IndexOf(path)
	other := filepath.Join(t.TempDir(), "other.json")
	if err := session.WriteOutputAtomic(other, out, reqs, con); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(session.IndexOf(other), ix); err != nil {
		t.Fatal(err)
	}
	if _, err := session.OpenIndex(path, out2.WrittenAt); !errors.Is(err, session.ErrNoIndex) {
		t.Errorf("an index of another version: %v", err)
	}
	if got := ask(protocol.ConsoleList.Name, `{"limit":100,"cursor":"`+mid+`"}`); got != indexed[1] {
		t.Errorf("with an index of another version: %.300s", got)
	}
	// Nor one whose document was replaced by another of the same size (a
	// partial document rewritten between a reader's opening of the two).
	if err := session.WriteOutputAtomic(path, out2, reqs, con); err != nil {
		t.Fatal(err)
	}
	if err := session.WriteOutputAtomic(other, out, reqs, con); err != nil {
		t.Fatal(err)
	}
	older, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != int64(len(older)) {
		t.Fatalf("the two versions differ in size: %v", err)
	}
	if ix, err := session.OpenIndex(path, out2.WrittenAt); err != nil {
		t.Fatalf("the index of the document as written: %v", err)
	} else {
		ix.Close()
	}
	if err := os.WriteFile(path, older, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := session.OpenIndex(path, out2.WrittenAt); !errors.Is(err, session.ErrNoIndex) {
		t.Errorf("an index of a document replaced by another of its size: %v", err)
	}
}
