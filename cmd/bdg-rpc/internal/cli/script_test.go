package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// The command line is tested with scripts in testdata/script/*.txtar, where
// "exec bdg-rpc" runs this test binary as the real command, and the
// sessions it starts run this test binary as their worker.
func TestMain(m *testing.M) {
	sessiontest.Child(nil)
	if os.Getenv("BDG_TEST_AS_CLI") == "1" { // the stress test's "bdg-rpc"
		os.Exit(Main(Build{}))
	}
	testscript.Main(m, map[string]func(){
		"bdg-rpc": func() { os.Exit(Main(Build{})) },
	})
}

func TestScripts(t *testing.T) {
	fx := browsertest.ServeFixtures(t)
	chrome := browsertest.ExecPath(t)
	testscript.Run(t, testscript.Params{
		Dir: "../../../../testdata/script",
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".bdg")
			env.Setenv("BDG_HOME", home)
			env.Setenv("BDG_CHROME", chrome)
			env.Setenv("FIXTURES", strings.TrimSuffix(fx.URL(""), "/"))
			env.Setenv("FIXTURE_DIR", browsertest.FixtureDir(env.T().(testing.TB)))
			env.Setenv("REFUSED_URL", fx.RefusedURL)
			env.Setenv("NO_COLOR", "")
			env.Defer(func() { stopAll(env.T(), home) })
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":       cmdExits,
			"killworker":  cmdKillWorker,
			"waitgone":    cmdWaitGone,
			"await":       cmdAwait,
			"awaitbodies": cmdAwaitBodies,
			"awaitfile":   cmdAwaitFile,
			"awaitsubs":   cmdAwaitSubscribers,
			"firstfield":  cmdFirstField,
			"setmatch":    cmdSetMatch,
			"pixel":       cmdPixel,
			"userchrome":  cmdUserChrome,
			"checktabs":   cmdCheckTabs,
			"wsproxy":     cmdProxy,
			"activeport":  cmdWriteActivePort,
		},
	})
}

// stopAll stops whatever sessions a script left running.
func stopAll(t interface{ Log(...any) }, home string) {
	names, _ := session.List(home)
	for _, name := range names {
		d, err := session.NewDir(home, name)
		if err != nil {
			continue
		}
		if alive, _ := d.WorkerAlive(); alive {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := control.Stop(ctx, d); err != nil {
				t.Log("stopping a session the script left running: ", err)
			}
			cancel()
		}
	}
}

// cmdExits runs a command and checks its exit code:
//
//	exits 81 bdg-rpc frobnicate
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("running %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdKillWorker kills a session's worker with SIGKILL, as a crash would:
//
//	killworker default
func cmdKillWorker(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: killworker SESSION")
	}
	d, err := session.NewDir(ts.Getenv("BDG_HOME"), args[0])
	ts.Check(err)
	m, err := d.ReadMeta()
	ts.Check(err)
	ts.Check(syscall.Kill(m.PID, syscall.SIGKILL))
	waitWorkerGone(ts, d)
}

// cmdWaitGone waits until a session has no worker:
//
//	waitgone default
func cmdWaitGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitgone SESSION")
	}
	d, err := session.NewDir(ts.Getenv("BDG_HOME"), args[0])
	ts.Check(err)
	waitWorkerGone(ts, d)
}

// cmdAwait waits (among the newest 100 console messages) until the session has captured a console message holding
// TEXT (asking its worker, bounded by a minute):
//
//	await default everything done
func cmdAwait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: await SESSION TEXT")
	}
	d, err := session.NewDir(ts.Getenv("BDG_HOME"), args[0])
	ts.Check(err)
	text := strings.Join(args[1:], " ")
	deadline := time.Now().Add(time.Minute)
	var raw json.RawMessage
	for time.Now().Before(deadline) {
		raw, err = control.Ask(context.Background(), d, protocol.ConsoleList.Name, json.RawMessage(`{"last":100}`))
		if err == nil && strings.Contains(string(raw), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	// What it did log, and what it saw of the page, say why not.
	if err != nil {
		ts.Logf("console/list: %v", err)
	} else {
		ts.Logf("console/list (newest 100): %s", raw)
	}
	if st, err := control.Ask(context.Background(), d, protocol.Status.Name, nil); err == nil {
		ts.Logf("session/status: %s", st)
	}
	if nl, err := control.Ask(context.Background(), d, protocol.NetworkList.Name, json.RawMessage(`{"last":100}`)); err == nil {
		ts.Logf("network/list (newest 100): %s", nl)
	}
	ts.Fatalf("session %s never logged %q", args[0], text)
}

// cmdAwaitFile waits until a file exists and holds TEXT:
//
//	awaitfile $BDG_HOME/sessions/default/session.partial.json everything done
func cmdAwaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: awaitfile FILE TEXT")
	}
	text := strings.Join(args[1:], " ")
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ts.MkAbs(args[0])); err == nil && strings.Contains(string(b), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s never held %q", args[0], text)
}

// cmdFirstField sets VAR to the first field of the first line of FILE
// that holds TEXT (such as a request id from a table):
//
//	firstfield ID list.txt big.json
func cmdFirstField(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: firstfield VAR FILE TEXT")
	}
	for _, line := range strings.Split(ts.ReadFile(args[1]), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(line, args[2]) {
			ts.Setenv(args[0], f[0])
			return
		}
	}
	ts.Fatalf("no line of %s holds %q", args[1], args[2])
}

// cmdSetMatch sets VAR to the first group of the first match of REGEXP in
// the command's stdout or stderr, or in a file:
//
//	setmatch FRAME stdout '"id":"(\w+)","parentId"'
func cmdSetMatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: setmatch VAR stdout|stderr|FILE REGEXP")
	}
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile(args[1]))
	if len(m) < 2 {
		ts.Fatalf("%s has no match for %s", args[1], args[2])
	}
	ts.Setenv(args[0], m[1])
}

// cmdPixel checks the colour of a pixel of a PNG image:
//
//	pixel shot.png 120 1515 0080ff
func cmdPixel(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: pixel FILE X Y RRGGBB")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	img, err := png.Decode(f)
	ts.Check(err)
	x, err1 := strconv.Atoi(args[1])
	y, err2 := strconv.Atoi(args[2])
	ts.Check(errors.Join(err1, err2))
	r, g, b, _ := img.At(x, y).RGBA()
	got := fmt.Sprintf("%02x%02x%02x", r>>8, g>>8, b>>8)
	if (got == strings.ToLower(args[3])) == neg {
		ts.Fatalf("pixel %d,%d of %s is %s (want %s%s)", x, y, args[0], got, map[bool]string{true: "not "}[neg], args[3])
	}
}

// cmdAwaitSubscribers waits until a session's worker has N subscribers:
//
//	awaitsubs other 1
func cmdAwaitSubscribers(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: awaitsubs SESSION N")
	}
	d, err := session.NewDir(ts.Getenv("BDG_HOME"), args[0])
	ts.Check(err)
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if st, err := control.Status(context.Background(), d); err == nil && st.Subscribers == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("session %s never had %d subscribers", args[0], want)
}

func waitWorkerGone(ts *testscript.TestScript, d session.Dir) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ts.Check(d.WaitWorkerGone(ctx))
}

// cmdAwaitBodies waits until N requests matching FILTER have finished with
// their bodies captured (a body is fetched after the page saw its
// response):
//
//	awaitbodies default url:big.json 80
func cmdAwaitBodies(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: awaitbodies SESSION FILTER N")
	}
	d, err := session.NewDir(ts.Getenv("BDG_HOME"), args[0])
	ts.Check(err)
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	params, _ := json.Marshal(protocol.NetworkListParams{ListParams: protocol.ListParams{Filter: args[1]}})
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		raw, err := control.Ask(context.Background(), d, protocol.NetworkList.Name, params)
		var res protocol.NetworkListResult
		if err == nil && json.Unmarshal(raw, &res) == nil {
			n := 0
			for _, r := range res.Items {
				if r.State == protocol.StateFinished && r.BodySize > 0 {
					n++
				}
			}
			if n >= want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("session %s never had %d finished requests with bodies matching %q", args[0], want, args[1])
}
