package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

var (
	benchWorker  = flag.Bool("bench-worker", false, "measure the worker's start time, stop time and memory and print the tables of docs/BENCHMARKS.md (make bench-worker)")
	benchRounds  = flag.Int("bench-worker-rounds", 10, "rounds of the start and stop benchmarks")
	benchParts   = flag.String("bench-worker-parts", "start,stop,memory,targets,fetches,attach,drive,sources", "which of the worker benchmarks to run")
	benchEnv     = flag.String("bench-worker-env", "", "space-separated NAME=value pairs added to the workers' environment, such as GOGC=50")
	benchExe     = flag.String("bench-worker-exe", "", "the executable to run as the worker (default this test binary), such as bin/bdg-rpc")
	benchProfile = flag.String("bench-worker-profile", "", "a directory: the benchmark's workers write CPU and heap profiles there")
)

// The benchmark's goals, from the issue that built the worker.
const (
	goalStartOverhead = 150 * time.Millisecond
	goalStop          = 150 * time.Millisecond
	goalRSSKB         = 40 << 10
)

const (
	// benchEvents is the number of console messages and of requests: the
	// capture's default store sizes.
	benchEvents = 10_000
	// loadWait bounds the wait for a page's load of 10,000 requests; no
	// figure depends on it.
	loadWait = 5 * time.Minute
	// settleFor is how long the event count must stay the same before a
	// load counts as finished.
	settleFor = time.Second
	// partialInterval is the longest interval of the partial file in the
	// memory benchmark's second scenario (the default is 5 s).
	partialInterval = 500
	// memLimit is the soft memory limit of the memory benchmark's what-if
	// scenario.
	memLimit = "GOMEMLIMIT=32MiB"
)

// TestWorkerBench measures what docs/BENCHMARKS.md records for the worker:
// start time against Chrome's bare launch in the same run, stop time with
// 10,000 events, and the worker's memory with 10,000 requests and 10,000
// console messages. It only runs with -bench-worker (make bench-worker),
// prints markdown tables, and asserts nothing about speed or size: the
// machines are shared and noisy.
func TestWorkerBench(t *testing.T) {
	if !*benchWorker {
		t.Skip("run with -bench-worker (make bench-worker)")
	}
	h := newHarness(t)
	b := &bench{h: h, t: t, exe: browsertest.ExecPath(t), rounds: max(*benchRounds, 2), profiles: map[*control.Worker]string{}}
	if *benchProfile != "" {
		dir, err := filepath.Abs(*benchProfile)
		if err == nil {
			err = os.MkdirAll(dir, 0o700)
		}
		if err != nil {
			t.Fatal(err)
		}
		b.profileDir = dir
		h.launcher.Env = append(h.launcher.Env, sessiontest.ProfileEnv+"="+dir)
	}
	h.launcher.Env = append(h.launcher.Env, strings.Fields(*benchEnv)...)
	if *benchExe != "" {
		exe, err := filepath.Abs(*benchExe)
		if err != nil {
			t.Fatal(err)
		}
		h.launcher.Executable = exe
	}
	if *benchEnv != "" || *benchExe != "" {
		fmt.Printf("\nworker: %s; added environment: %q\n", h.launcher.Executable, *benchEnv)
	}
	parts := strings.Split(*benchParts, ",")
	if slices.Contains(parts, "start") {
		b.startTime()
	}
	if slices.Contains(parts, "stop") {
		b.stopTime()
	}
	if slices.Contains(parts, "memory") {
		b.memory()
	}
	if slices.Contains(parts, "targets") {
		b.targets()
	}
	if slices.Contains(parts, "fetches") {
		b.fetches()
	}
	if slices.Contains(parts, "attach") {
		b.attach()
	}
	if slices.Contains(parts, "drive") {
		b.drive()
	}
	if slices.Contains(parts, "sources") {
		b.sources()
	}
}

type bench struct {
	h          *harness
	t          *testing.T
	exe        string // Chrome
	rounds     int
	profileDir string
	idleStops  []time.Duration // control.Stop of the start benchmark's idle sessions
	// profiles are the temporary Chrome profiles of the workers, which
	// must be gone once the workers have exited.
	profiles map[*control.Worker]string
}

// startRound is one round of the start benchmark.
type startRound struct {
	bare      time.Duration            // browser.Launch until DevToolsActivePort (LaunchDuration)
	bareClose time.Duration            // (*Chrome).Close
	bdg       time.Duration            // Launcher.Start until the handshake
	steps     map[string]time.Duration // progress steps, since the call of Start
	inWorker  time.Duration            // the worker's own browser.Launch, from worker.log
	idleRSS   sessiontest.Mem          // the worker once started
	client    clientRun                // a bare CDP client doing the worker's calls
}

func (b *bench) startTime() {
	t := b.t
	var rounds []startRound
	version := ""
	for i := range b.rounds {
		var r startRound
		r.bare, r.bareClose = b.bareLaunch()
		w, took, steps := b.start(fmt.Sprintf("start-%d", i), b.h.fx.URL("bench-start.html"), 0)
		r.bdg, r.steps = took, steps
		version = w.Handshake.Chrome.Version
		r.inWorker = chromeLaunchInLog(w.Dir.File(session.LogFile))
		r.idleRSS = readMem(t, w.Handshake.PID)
		t0 := time.Now()
		b.stopDir(w)
		b.idleStops = append(b.idleStops, time.Since(t0))
		r.client = b.bareClient(0)
		rounds = append(rounds, r)
	}
	// The same calls on Chromes that have had a second to finish starting.
	const pause = time.Second
	var paused []clientRun
	for range max(b.rounds/2, 1) {
		paused = append(paused, b.bareClient(pause))
	}

	fmt.Printf("\nGo %s, %s/%s, %d CPUs, Chromium %s; %d rounds\n", strings.TrimPrefix(runtime.Version(), "go"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), version, b.rounds)

	fmt.Printf("\n### Start time (interleaved: bare Chrome, bdg-rpc, bare CDP client; %d rounds)\n\n", b.rounds)
	fmt.Printf("| round | bare Chrome: Launch to DevToolsActivePort (ms) | bdg-rpc: Launcher.Start to handshake (ms) | difference (ms) | bare CDP client: Launch to Page.navigate reply (ms) |\n|---|---|---|---|---|\n")
	var bare, bdg, diff, inWorker, client []time.Duration
	for i, r := range rounds {
		fmt.Printf("| %d | %s | %s | %s | %s |\n", i+1, sessiontest.Ms(r.bare), sessiontest.Ms(r.bdg), sessiontest.Ms(r.bdg-r.bare), sessiontest.Ms(r.client.total()))
		bare, bdg, diff = append(bare, r.bare), append(bdg, r.bdg), append(diff, r.bdg-r.bare)
		client = append(client, r.client.total())
		if r.inWorker > 0 {
			inWorker = append(inWorker, r.inWorker)
		}
	}
	fmt.Printf("\n| | median (ms) | p90 (ms) |\n|---|---|---|\n")
	fmt.Printf("| bare Chrome | %s | %s |\n", sessiontest.Ms(sessiontest.Median(bare)), sessiontest.Ms(sessiontest.Percentile(bare, 90)))
	fmt.Printf("| bdg-rpc start | %s | %s |\n", sessiontest.Ms(sessiontest.Median(bdg)), sessiontest.Ms(sessiontest.Percentile(bdg, 90)))
	over := sessiontest.Median(bdg) - sessiontest.Median(bare)
	fmt.Printf("| difference (of the medians) | **%s** | %s |\n", sessiontest.Ms(over), sessiontest.Ms(sessiontest.Percentile(bdg, 90)-sessiontest.Percentile(bare, 90)))
	fmt.Printf("| difference (median of the rounds' differences) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(diff)), sessiontest.Ms(sessiontest.Percentile(diff, 90)))
	fmt.Printf("| ratio bdg-rpc / bare Chrome | %.2fx | %.2fx |\n", sessiontest.Ratio(sessiontest.Median(bdg), sessiontest.Median(bare)), sessiontest.Ratio(sessiontest.Percentile(bdg, 90), sessiontest.Percentile(bare, 90)))
	fmt.Printf("| bare CDP client (Launch, then the worker's calls) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(client)), sessiontest.Ms(sessiontest.Percentile(client, 90)))
	fmt.Printf("| bdg-rpc start minus bare CDP client (of the medians) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(bdg)-sessiontest.Median(client)), sessiontest.Ms(sessiontest.Percentile(bdg, 90)-sessiontest.Percentile(client, 90)))
	fmt.Printf("\nGoal: at most %s ms more than bare Chrome: %s (%s ms more).\n", sessiontest.Ms(goalStartOverhead), sessiontest.MetOrMissed(over <= goalStartOverhead), sessiontest.Ms(over))

	// Where the start time goes, from the worker's progress steps as the
	// launcher receives them.
	phase := func(from, to string) []time.Duration {
		var ds []time.Duration
		for _, r := range rounds {
			a, okA := r.steps[from]
			z, okZ := r.steps[to]
			if from == "" {
				a, okA = 0, true
			}
			if to == "" {
				z, okZ = r.bdg, true
			}
			if okA && okZ {
				ds = append(ds, z-a)
			}
		}
		return ds
	}
	fmt.Printf("\nWhere bdg-rpc's start time goes (from the worker's progress steps):\n\n")
	fmt.Printf("| phase | median (ms) | p90 (ms) |\n|---|---|---|\n")
	for _, p := range []struct{ name, from, to string }{
		{"launcher, worker process start, lock, metadata (to \"" + control.StepLaunching + "\")", "", control.StepLaunching},
		{"Chrome launch in the worker (to \"" + control.StepConnecting + "\")", control.StepLaunching, control.StepConnecting},
		{"websocket, page, Browser.getVersion, domains, socket (to \"" + control.StepNavigating + "\")", control.StepConnecting, control.StepNavigating},
		{"Page.navigate, handshake", control.StepNavigating, ""},
	} {
		ds := phase(p.from, p.to)
		fmt.Printf("| %s | %s | %s |\n", p.name, sessiontest.Ms(sessiontest.Median(ds)), sessiontest.Ms(sessiontest.Percentile(ds, 90)))
	}
	fmt.Printf("| of which browser.Launch in the worker (its LaunchDuration, from worker.log) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(inWorker)), sessiontest.Ms(sessiontest.Percentile(inWorker, 90)))

	fmt.Printf("\nThe worker's CDP calls, one by one, on a bare Chrome (the bare CDP client above, and %d Chromes after a %s pause):\n\n", len(paused), pause)
	fmt.Printf("| call | right after DevToolsActivePort: median (ms) | p90 (ms) | after a %s pause: median (ms) | p90 (ms) |\n|---|---|---|---|---|\n", pause)
	var now []clientRun
	for _, r := range rounds {
		now = append(now, r.client)
	}
	col := func(runs []clientRun, i int) []time.Duration {
		var ds []time.Duration
		for _, r := range runs {
			if i < 0 {
				ds = append(ds, r.total()-r.launch)
			} else if i < len(r.calls) {
				ds = append(ds, r.calls[i])
			}
		}
		return ds
	}
	for i, name := range clientCalls {
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f |\n", name, sessiontest.MsF(sessiontest.Median(col(now, i))), sessiontest.MsF(sessiontest.Percentile(col(now, i), 90)), sessiontest.MsF(sessiontest.Median(col(paused, i))), sessiontest.MsF(sessiontest.Percentile(col(paused, i), 90)))
	}
	fmt.Printf("| all | **%.1f** | %.1f | **%.1f** | %.1f |\n", sessiontest.MsF(sessiontest.Median(col(now, -1))), sessiontest.MsF(sessiontest.Percentile(col(now, -1), 90)), sessiontest.MsF(sessiontest.Median(col(paused, -1))), sessiontest.MsF(sessiontest.Percentile(col(paused, -1), 90)))

	var closes []time.Duration
	var rss []float64
	for _, r := range rounds {
		closes = append(closes, r.bareClose)
		rss = append(rss, float64(r.idleRSS.RSS))
	}
	fmt.Printf("\nFor comparison: bare Chrome's Close %s ms (median); control.Stop of the idle bdg-rpc session %s ms (median); "+
		"worker VmRSS once started %.1f MB (median).\n", sessiontest.Ms(sessiontest.Median(closes)), sessiontest.Ms(sessiontest.Median(b.idleStops)), sessiontest.Median(rss)/1024)
}

// clientCalls names the calls of bareClient: what the worker does between
// Chrome's launch and its handshake (worker.startup after browser.Launch).
var clientCalls = []string{
	"browser.Dial (websocket)",
	"browser.AttachPage (Target.getTargets, Target.attachToTarget)",
	"Browser.getVersion",
	"Network.enable",
	"Runtime.enable",
	"Log.enable",
	"Page.enable",
	"Inspector.enable",
	"Target.setDiscoverTargets",
	"Page.navigate (bench-start.html)",
}

// clientRun is one run of bareClient.
type clientRun struct {
	launch time.Duration   // LaunchDuration
	calls  []time.Duration // as clientCalls
}

// total is the time from the call of Launch to the reply to the last call.
func (r clientRun) total() time.Duration {
	d := r.launch
	for _, c := range r.calls {
		d += c
	}
	return d
}

// bareClient launches Chrome as bareLaunch does and, after pause, makes the
// worker's calls one after the other, timing each. It does what the worker
// does, minus the worker process, its files, its socket and its capture.
func (b *bench) bareClient(pause time.Duration) clientRun {
	t := b.t
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	t0 := time.Now()
	chrome, err := browser.Launch(ctx, append(browser.DefaultOptions(), browser.ExecPath(b.exe), browser.Headless(true))...)
	if err != nil {
		t.Fatalf("launching bare Chrome: %v", err)
	}
	r := clientRun{launch: time.Since(t0)}
	time.Sleep(pause)
	var conn *browser.Conn
	var page *browser.Session
	defer func() {
		if err := chrome.Close(context.Background(), conn); err != nil {
			t.Errorf("closing bare Chrome: %v", err)
		}
		if conn != nil {
			conn.Close()
		}
		browsertest.AssertGroupGone(t, chrome.PID())
		if _, err := os.Stat(chrome.UserDataDir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temporary profile %s left behind (stat: %v)", chrome.UserDataDir(), err)
		}
	}()
	call := func(method string, params any) func() error {
		return func() error { return page.Call(ctx, method, params, nil) }
	}
	calls := []func() error{
		func() (err error) {
			conn, err = browser.Dial(ctx, chrome.WebSocketURL(), browser.OnEvent(func(browser.Event) {}))
			return err
		},
		func() (err error) {
			page, _, err = browser.AttachPage(ctx, conn, browser.AttachOptions{})
			return err
		},
		func() error { _, err := browser.Version(ctx, conn); return err },
		call("Network.enable", map[string]any{"maxResourceBufferSize": 6 << 20, "maxTotalBufferSize": 256 << 20}),
		call("Runtime.enable", nil),
		call("Log.enable", nil),
		call("Page.enable", nil),
		call("Inspector.enable", nil),
		func() error {
			return conn.Session("").Call(ctx, "Target.setDiscoverTargets", map[string]any{"discover": true}, nil)
		},
		call("Page.navigate", map[string]any{"url": b.h.fx.URL("bench-start.html")}),
	}
	for i, c := range calls {
		t0 := time.Now()
		if err := c(); err != nil {
			t.Errorf("%s: %v", clientCalls[i], err)
			break
		}
		r.calls = append(r.calls, time.Since(t0))
	}
	return r
}

// bareLaunch launches Chrome as the worker does, minus the worker: headless,
// DefaultOptions, a fresh temporary profile. It returns LaunchDuration and
// how long Close took.
func (b *bench) bareLaunch() (launch, closeTook time.Duration) {
	t := b.t
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	opts := append(browser.DefaultOptions(), browser.ExecPath(b.exe), browser.Headless(true))
	c, err := browser.Launch(ctx, opts...)
	if err != nil {
		t.Fatalf("launching bare Chrome: %v", err)
	}
	launch = c.LaunchDuration()
	t0 := time.Now()
	if err := c.Close(context.Background(), nil); err != nil {
		t.Errorf("closing bare Chrome: %v", err)
	}
	closeTook = time.Since(t0)
	browsertest.AssertGroupGone(t, c.PID())
	if _, err := os.Stat(c.UserDataDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary profile %s left behind (stat: %v)", c.UserDataDir(), err)
	}
	return launch, closeTook
}

// start starts a headless session (reaped at the end of the test) and
// returns how long Launcher.Start took and when it heard each progress step.
func (b *bench) start(name, url string, partialMs int) (*control.Worker, time.Duration, map[string]time.Duration) {
	var mu sync.Mutex
	steps := map[string]time.Duration{}
	t0 := time.Now()
	b.h.launcher.Progress = func(step string) {
		mu.Lock()
		steps[step] = time.Since(t0)
		mu.Unlock()
	}
	defer func() { b.h.launcher.Progress = nil }()
	opts := b.h.options(name, url)
	opts.PartialIntervalMs = partialMs
	t0 = time.Now()
	w := b.h.start(opts)
	took := time.Since(t0)
	if m, err := w.Dir.ReadMeta(); err == nil && m.Chrome.TempProfile {
		b.profiles[w] = m.Chrome.UserDataDir
	}
	// The steps come over a pipe of their own: give the relay a moment.
	for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(steps)
		mu.Unlock()
		if n >= 3 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	out := map[string]time.Duration{}
	for k, v := range steps {
		out[k] = v
	}
	return w, took, out
}

// stopDir stops a session with control.Stop and waits until the launcher has
// reaped the worker, so the harness's reap finds nothing left to stop.
func (b *bench) stopDir(w *control.Worker) protocol.StopResult {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := control.Stop(ctx, w.Dir)
	if err != nil {
		b.t.Fatalf("stopping session %q: %v", w.Dir.Name, err)
	}
	b.awaitExit(w)
	return res
}

func (b *bench) awaitExit(w *control.Worker) {
	select {
	case <-w.Done():
	case <-time.After(waitLimit):
		b.t.Fatalf("worker %d of session %q did not exit", w.Handshake.PID, w.Dir.Name)
	}
	if dir := b.profiles[w]; dir != "" {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			b.t.Errorf("the Chrome profile %s of session %q is left behind (stat: %v)", dir, w.Dir.Name, err)
		}
	}
}

// stopCall sends session/stop over its own connection and returns the
// reply's time and the process's exit time, both from the call. Before the
// process exits, after the reply, it reads the worker's memory and, when
// profiling, ends its CPU profile.
func (b *bench) stopCall(w *control.Worker) (reply, exit time.Duration, res protocol.StopResult, mem sessiontest.Mem) {
	c := b.h.client(w.Dir)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	t0 := time.Now()
	res, err := rpc.Call(ctx, c.Conn, protocol.Stop, protocol.StopParams{})
	if err != nil {
		b.t.Fatalf("session/stop of %q: %v", w.Dir.Name, err)
	}
	reply = time.Since(t0)
	mem = readMem(b.t, w.Handshake.PID)
	if b.profileDir != "" {
		_ = syscall.Kill(w.Handshake.PID, syscall.SIGUSR2)
	}
	b.awaitExit(w)
	exit = time.Since(t0)
	c.Close()
	return reply, exit, res, mem
}

// awaitStatus polls session/status until ok accepts it.
func (b *bench) awaitStatus(w *control.Worker, what string, limit time.Duration, ok func(protocol.StatusResult) bool) protocol.StatusResult {
	c := b.h.client(w.Dir)
	defer c.Close()
	deadline := time.Now().Add(limit)
	for {
		st := call(b.h, c, protocol.Status, protocol.StatusParams{})
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("session %q: waiting for %s: status after %s: counts %+v dropped %+v lastSeq %d",
				w.Dir.Name, what, limit, st.Counts, st.Dropped, st.LastSeq)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// awaitSettled waits until the session's event count has not changed for
// settleFor.
func (b *bench) awaitSettled(w *control.Worker) protocol.StatusResult {
	last, since := uint64(0), time.Now()
	return b.awaitStatus(w, "the events to stop", loadWait, func(st protocol.StatusResult) bool {
		if st.LastSeq != last {
			last, since = st.LastSeq, time.Now()
			return false
		}
		return time.Since(since) >= settleFor
	})
}

type stopRound struct {
	how    string
	stop   time.Duration // control.Stop returned, or the session/stop reply
	exit   time.Duration // the launcher reaped the worker
	counts protocol.Counts
	output int64 // size of session.json
}

// Ways of stopping in the stop benchmark.
const (
	stopDirNow   = "control.Stop"
	stopReplyNow = "session/stop reply"
	stopQuiet    = "session/stop reply, partial file already written"
)

func (b *bench) stopTime() {
	var rounds []stopRound
	kinds := []string{stopDirNow, stopReplyNow, stopQuiet}
	perKind := (b.rounds + 1) / 2
	for i := range perKind * len(kinds) {
		w, _, _ := b.start(fmt.Sprintf("stop-%d", i), b.h.fx.URL(fmt.Sprintf("console-burst.html?n=%d", benchEvents)), 0)
		st := b.awaitStatus(w, "10,001 console messages", waitLimit, func(st protocol.StatusResult) bool {
			return st.Counts.Console+st.Dropped.Console >= benchEvents+1 // and "burst done"
		})
		r := stopRound{counts: st.Counts, how: kinds[i%len(kinds)]}
		var res protocol.StopResult
		switch r.how {
		case stopDirNow:
			t0 := time.Now()
			res = b.stopDir(w)
			r.stop = time.Since(t0)
			r.exit = r.stop // control.Stop returns once the worker is gone
		case stopReplyNow:
			r.stop, r.exit, res, _ = b.stopCall(w)
		case stopQuiet:
			// The worker rewrites the partial file soon after changes; a
			// stop that comes while it writes waits for that write. Here
			// the file holds everything and nothing changes any more.
			b.awaitPartial(w, st.Counts)
			time.Sleep(300 * time.Millisecond)
			r.stop, r.exit, res, _ = b.stopCall(w)
		}
		if fi, err := os.Stat(res.OutputPath); err == nil {
			r.output = fi.Size()
		}
		rounds = append(rounds, r)
	}
	fmt.Printf("\n### Stop time with %d console events (%d rounds, the three ways in turn)\n\n", benchEvents, len(rounds))
	fmt.Printf("| round | measured | console held | session.json (MB) | stop (ms) | worker exited (ms) |\n|---|---|---|---|---|---|\n")
	byHow := map[string][]time.Duration{}
	exits := map[string][]time.Duration{}
	for i, r := range rounds {
		fmt.Printf("| %d | %s | %d | %.1f | %s | %s |\n", i+1, r.how, r.counts.Console, mbB(uint64(r.output)), sessiontest.Ms(r.stop), sessiontest.Ms(r.exit))
		byHow[r.how] = append(byHow[r.how], r.stop)
		exits[r.how] = append(exits[r.how], r.exit-r.stop)
	}
	dirStop := sessiontest.Median(byHow[stopDirNow])
	fmt.Printf("\n| | median (ms) | p90 (ms) |\n|---|---|---|\n")
	fmt.Printf("| control.Stop right after the burst (session.json written, worker exited) | **%s** | %s |\n", sessiontest.Ms(dirStop), sessiontest.Ms(sessiontest.Percentile(byHow[stopDirNow], 90)))
	fmt.Printf("| session/stop reply right after the burst (session.json written) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(byHow[stopReplyNow])), sessiontest.Ms(sessiontest.Percentile(byHow[stopReplyNow], 90)))
	fmt.Printf("| session/stop reply once the partial file is written | %s | %s |\n", sessiontest.Ms(sessiontest.Median(byHow[stopQuiet])), sessiontest.Ms(sessiontest.Percentile(byHow[stopQuiet], 90)))
	all := append(slices.Clone(exits[stopReplyNow]), exits[stopQuiet]...)
	fmt.Printf("| from the reply to the worker's exit (Chrome closed) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(all)), sessiontest.Ms(sessiontest.Percentile(all, 90)))
	fmt.Printf("| control.Stop of an idle session (start benchmark) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(b.idleStops)), sessiontest.Ms(sessiontest.Percentile(b.idleStops, 90)))
	fmt.Printf("\nGoal: under %s ms with %d events: %s (%s ms).\n", sessiontest.Ms(goalStop), benchEvents, sessiontest.MetOrMissed(dirStop < goalStop), sessiontest.Ms(dirStop))
}

// awaitPartial waits until the session's partial file holds at least counts.
func (b *bench) awaitPartial(w *control.Worker, counts protocol.Counts) {
	partial := w.Dir.File(session.PartialFile)
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(50 * time.Millisecond) {
		var out struct {
			Counts protocol.Counts `json:"counts"`
		}
		if bs, err := os.ReadFile(partial); err == nil && json.Unmarshal(bs, &out) == nil &&
			out.Counts.Network >= counts.Network && out.Counts.Console >= counts.Console {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never held the whole capture", partial)
		}
	}
}

type memResult struct {
	name      string
	load      time.Duration // from the handshake until the load settled
	st        protocol.StatusResult
	loaded    sessiontest.Mem // once the load settled and the partial file holds it
	heap      map[string]uint64
	stopReply time.Duration
	exit      time.Duration   // from the stop call to the worker's exit
	stopped   sessiontest.Mem // right after the session/stop reply: session.json written
	output    int64           // size of session.json
}

func (b *bench) memory() {
	var results []memResult
	for _, sc := range []struct {
		name      string
		partialMs int
		env       string
	}{
		{"default options", 0, ""},
		{fmt.Sprintf("PartialIntervalMs %d", partialInterval), partialInterval, ""},
		{"default options, worker run with " + memLimit + " (what-if)", 0, memLimit},
	} {
		results = append(results, b.memoryRun(sc.name, sc.partialMs, sc.env))
	}
	fmt.Printf("\n### Worker memory with %d requests and %d console messages (Chrome excluded)\n\n", benchEvents, benchEvents)
	fmt.Printf("| scenario | load (s) | requests held | console held | VmRSS (MB) | RssAnon (MB) | RssFile (MB) | VmHWM (MB) | session.json (MB) | stop reply (ms) | worker exited (ms) | VmHWM after session.json (MB) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %.1f | %d | %d | **%.1f** | %.1f | %.1f | %.1f | %.1f | %s | %s | %.1f |\n", r.name, r.load.Seconds(),
			r.st.Counts.Network, r.st.Counts.Console, mb(r.loaded.RSS), mb(r.loaded.Anon), mb(r.loaded.File), mb(r.loaded.HWM),
			mbB(uint64(r.output)), sessiontest.Ms(r.stopReply), sessiontest.Ms(r.exit), mb(r.stopped.HWM))
	}
	for _, r := range results {
		if r.heap != nil {
			fmt.Printf("\nGo runtime (%s): HeapAlloc %.1f MB, HeapInuse %.1f MB, HeapIdle %.1f MB (released %.1f MB), HeapSys %.1f MB, StackSys %.1f MB, Sys %.1f MB, %d GCs\n",
				r.name, mbB(r.heap["HeapAlloc"]), mbB(r.heap["HeapInuse"]), mbB(r.heap["HeapIdle"]), mbB(r.heap["HeapReleased"]),
				mbB(r.heap["HeapSys"]), mbB(r.heap["StackSys"]), mbB(r.heap["Sys"]), r.heap["NumGC"])
		}
	}
	def := results[0].loaded.RSS
	fmt.Printf("\nGoal: under %d MB RSS: %s (%.1f MB with the default options, once loaded and the partial file written).\n",
		goalRSSKB>>10, sessiontest.MetOrMissed(def < goalRSSKB), mb(def))
}

// memoryRun loads 10,000 requests and 10,000 console messages into a
// session, waits until the partial file holds them all, and reads the
// worker's memory. env is added to the worker's environment.
func (b *bench) memoryRun(name string, partialMs int, env string) memResult {
	t := b.t
	r := memResult{name: name}
	url := b.h.fx.URL(fmt.Sprintf("bench-load.html?n=%d&c=20", benchEvents))
	saved := b.h.launcher.Env
	if env != "" {
		b.h.launcher.Env = append(slices.Clone(saved), env)
	}
	w, _, _ := b.start(fmt.Sprintf("mem-%d", len(b.profiles)), url, partialMs)
	b.h.launcher.Env = saved
	t0 := time.Now()
	b.awaitStatus(w, "10,001 requests and 10,001 console messages", loadWait, func(st protocol.StatusResult) bool {
		return st.Counts.Network+st.Dropped.Network >= benchEvents+1 && st.Counts.Console+st.Dropped.Console >= benchEvents+1
	})
	r.st = b.awaitSettled(w)
	r.load = time.Since(t0) - settleFor
	// At least one write of the partial file with everything in it.
	b.awaitPartial(w, r.st.Counts)
	r.loaded = readMem(t, w.Handshake.PID)
	if b.profileDir != "" {
		r.heap = b.heapProfile(w.Handshake.PID)
	}
	var res protocol.StopResult
	r.stopReply, r.exit, res, r.stopped = b.stopCall(w)
	if fi, err := os.Stat(res.OutputPath); err == nil {
		r.output = fi.Size()
	}
	return r
}

// heapProfile asks a profiling worker for its heap profile and returns its
// MemStats.
func (b *bench) heapProfile(pid int) map[string]uint64 {
	before, _ := filepath.Glob(filepath.Join(b.profileDir, fmt.Sprintf("heap-%d-*.done", pid)))
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		b.t.Errorf("asking worker %d for a heap profile: %v", pid, err)
		return nil
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		done, _ := filepath.Glob(filepath.Join(b.profileDir, fmt.Sprintf("heap-%d-*.done", pid)))
		if len(done) > len(before) {
			newest := strings.TrimSuffix(done[len(done)-1], ".done")
			for _, d := range done {
				if !slices.Contains(before, d) {
					newest = strings.TrimSuffix(d, ".done")
				}
			}
			bs, err := os.ReadFile(newest + ".memstats")
			var m map[string]uint64
			if err == nil && json.Unmarshal(bs, &m) == nil {
				fmt.Printf("\nheap profile of worker %d: %s.pprof\n", pid, newest)
				return m
			}
		}
	}
	b.t.Errorf("worker %d wrote no heap profile", pid)
	return nil
}

// sessiontest.Mem is a process's memory from /proc/<pid>/status, in kB.
// readMem reads the memory of a worker.
func readMem(t *testing.T, pid int) sessiontest.Mem {
	t.Helper()
	m, err := sessiontest.ReadMem(pid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var chromeLaunchedRE = regexp.MustCompile(`msg="chrome launched".* took=(\S+)`)

// chromeLaunchInLog returns the LaunchDuration the worker logged, or 0.
func chromeLaunchInLog(path string) time.Duration { return durationInLog(path, chromeLaunchedRE) }

func mb(kb int) float64 { return float64(kb) / 1024 }

func mbB(b uint64) float64 { return float64(b) / (1 << 20) }
