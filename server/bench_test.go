package server_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

var (
	benchServe          = flag.Bool("bench-serve", false, "measure what bdg-rpc serve delivers of a console burst (rate, latency) and what watching costs the page, against a bare CDP client in the same run, and print the tables of docs/BENCHMARKS.md (make bench-serve)")
	benchServeRounds    = flag.Int("bench-serve-rounds", 6, "rounds of each comparison; every round runs each contender once, in rotating order (a multiple of 3 puts each in each position equally often)")
	benchServeBurst     = flag.Int("bench-serve-burst", 50_000, "console messages of the throughput burst")
	benchServeLoop      = flag.Int("bench-serve-loop", 10_000, "console.log calls of the page-cost loop")
	benchServeParts     = flag.String("bench-serve-parts", "throughput,cost,queries", "which parts of the benchmark to run")
	benchServeWorker    = flag.Bool("bench-serve-worker", true, "also measure a reader of the worker's socket, without serve, in the throughput rounds")
	benchServeTrace     = flag.Bool("bench-serve-trace", false, "print the latency at every tenth of each burst")
	benchServeExecTrace = flag.Bool("bench-serve-exectrace", false, "with -bench-serve-profile, the children also write an execution trace of each burst (go tool trace FILE)")
	benchServeNice      = flag.Int("bench-serve-nice", 0, "an experiment: renice the serve and worker children (every thread) to this value once the session has started; Chrome keeps its priority")
	benchServeExe       = flag.String("bench-serve-exe", "", "an A/B experiment: also measure a serve client of this executable's \"serve\" (and its workers), such as a test binary of a patched checkout (go test -c ./server) or bin/bdg-rpc")
	benchServeEnv       = flag.String("bench-serve-env", "", "space-separated NAME=value pairs added to the environment of the serve and worker children, such as GOGC=400 or GOMAXPROCS=1")
	benchServeProfile   = flag.String("bench-serve-profile", "", "a directory: the serve and worker children of the throughput rounds write a CPU profile of each burst there")
)

// The benchmark's goals, from the issue that built bdg-rpc serve. Nothing
// asserts them: the machines are shared and noisy.
const (
	goalRateRatio = 0.9                   // serve client's rate / bare reader's rate, at least
	goalP99       = 25 * time.Millisecond // serve client's p99 latency, at most
	goalPageCost  = 1.1                   // page loop with bdg-rpc / with a bare client, at most
)

const (
	burstFixture = "bench-serve-burst.html"
	// burstWait bounds the wait for a burst and its delivery; no figure
	// depends on it.
	burstWait = 5 * time.Minute
	// settle is the pause between two measurements, for the previous one's
	// after-effects (garbage collection, bdg-rpc's partial file) to pass.
	settle = time.Second
)

// altServe names the contender of -bench-serve-exe.
const altServe = "serve client of -bench-serve-exe"

// TestServeBench measures what docs/BENCHMARKS.md records for bdg-rpc serve:
// a page logs 50,000 console messages as fast as it can, and a bare CDP
// websocket reader, a stdio client of bdg-rpc serve and a reader of a
// worker's socket (bdg-rpc without serve) receive them, in rotating rounds
// (rate, latency from the page's timestamp, CPU of every process); then the
// page's own time for a loop of 10,000 console.log calls with bdg-rpc
// watching, with a bare CDP client, and with no client. It only runs with
// -bench-serve (make bench-serve), prints markdown tables, and asserts only
// that every message arrived, in order: the machines are shared and noisy.
func TestServeBench(t *testing.T) {
	if !*benchServe {
		t.Skip("run with -bench-serve (make bench-serve)")
	}
	e := newEnv(t)
	sb := &serveBench{t: t, e: e, chrome: browsertest.ExecPath(t), rounds: max(*benchServeRounds, 1)}
	if *benchServeProfile != "" {
		dir, err := filepath.Abs(*benchServeProfile)
		if err == nil {
			err = os.MkdirAll(dir, 0o700)
		}
		if err != nil {
			t.Fatal(err)
		}
		sb.profileDir = dir
		e.vars = append(e.vars, sessiontest.SpanProfileEnv+"="+dir)
		if *benchServeExecTrace {
			e.vars = append(e.vars, sessiontest.SpanTraceEnv+"=1")
		}
	}
	if *benchServeExe != "" {
		exe, err := filepath.Abs(*benchServeExe)
		if err != nil {
			t.Fatal(err)
		}
		sb.altExe = exe
		fmt.Printf("\n%q: serve and its workers run from %s\n", altServe, exe)
	}
	e.vars = append(e.vars, strings.Fields(*benchServeEnv)...)
	if *benchServeEnv != "" || *benchServeNice != 0 {
		fmt.Printf("\nserve and worker children run with the added environment %q, nice %d\n", *benchServeEnv, *benchServeNice)
	}
	parts := strings.Split(*benchServeParts, ",")
	if slices.Contains(parts, "throughput") {
		sb.throughput(*benchServeBurst)
	}
	if slices.Contains(parts, "cost") {
		sb.pageCost(*benchServeLoop)
	}
	if slices.Contains(parts, "queries") {
		sb.queries()
	}
}

type serveBench struct {
	altExe     string // -bench-serve-exe
	t          *testing.T
	e          *env
	chrome     string
	rounds     int
	profileDir string
	headerDone bool
	sessions   int
}

func (sb *serveBench) header(version string) {
	if sb.headerDone {
		return
	}
	sb.headerDone = true
	fmt.Printf("\nGo %s, %s/%s, %d CPUs, %s; load average at the start %s\n", strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), version, sessiontest.LoadAvg())
}

// burstRun is one burst as one contender saw it.
type burstRun struct {
	who      string
	n        int
	pageMs   float64   // the loop's time by the page's clock
	trigger  time.Time // Runtime.evaluate sent
	replied  time.Time // its reply received
	received int       // burst messages received before "burst done"
	disorder int       // of them, not in the page's order
	arrivals []int64   // Unix ns at the reader, one per message
	stamps   []float64 // the page's timestamp of each message, ms since the epoch
	cpu      cpuTimes  // CPU time of each process during the burst
}

// rates returns messages per second from the first arrival to the last, and
// from the trigger to the last.
func (r burstRun) rates() (fromFirst, fromTrigger float64) {
	if len(r.arrivals) < 2 {
		return 0, 0
	}
	first, last := r.arrivals[0], r.arrivals[len(r.arrivals)-1]
	fromFirst = float64(len(r.arrivals)-1) / (float64(last-first) / 1e9)
	fromTrigger = float64(len(r.arrivals)) / (float64(last-r.trigger.UnixNano()) / 1e9)
	return fromFirst, fromTrigger
}

// latencies returns, per message, the reader's receive time minus the page's
// timestamp, in ms: both are the machine's wall clock.
func (r burstRun) latencies() []float64 {
	ls := make([]float64, len(r.arrivals))
	for i, a := range r.arrivals {
		ls[i] = float64(a)/1e6 - r.stamps[i]
	}
	slices.Sort(ls)
	return ls
}

// tailMs is how long after the evaluate's reply (the loop's end) the last
// message arrived.
func (r burstRun) tailMs() float64 {
	if len(r.arrivals) == 0 {
		return 0
	}
	return float64(r.arrivals[len(r.arrivals)-1]-r.replied.UnixNano()) / 1e6
}

// recorder collects the burst messages a reader receives. Only the reader's
// goroutine writes it, until the "burst done" message is seen.
type recorder struct {
	arrivals []int64
	stamps   []float64
	next     int // the index the next message should have
	disorder int
}

func newRecorder(n int) *recorder {
	return &recorder{arrivals: make([]int64, 0, n), stamps: make([]float64, 0, n)}
}

func (r *recorder) add(now int64, stamp float64, index int) {
	r.arrivals = append(r.arrivals, now)
	r.stamps = append(r.stamps, stamp)
	if index != r.next {
		r.disorder++
	}
	r.next = index + 1
}

// watchers signal the first line that contains a string.
type watchers struct {
	mu sync.Mutex
	ws map[*watch]struct{}
}

type watch struct {
	substr []byte
	at     chan int64 // Unix ns of the line's arrival
}

func (w *watchers) watch(substr string) *watch {
	wt := &watch{substr: []byte(substr), at: make(chan int64, 1)}
	w.mu.Lock()
	if w.ws == nil {
		w.ws = map[*watch]struct{}{}
	}
	w.ws[wt] = struct{}{}
	w.mu.Unlock()
	return wt
}

func (w *watchers) check(line []byte, now int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for wt := range w.ws {
		if bytes.Contains(line, wt.substr) {
			wt.at <- now
			delete(w.ws, wt)
		}
	}
}

func (wt *watch) wait(limit time.Duration) bool {
	select {
	case <-wt.at:
		return true
	case <-time.After(limit):
		return false
	}
}

// numberAfter parses the JSON number that follows key in b.
func numberAfter(b, key []byte) (float64, bool) {
	i := bytes.Index(b, key)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	end := 0
	for end < len(b) && (b[end] >= '0' && b[end] <= '9' || b[end] == '.' || b[end] == 'e' || b[end] == 'E' || b[end] == '-' || b[end] == '+') {
		end++
	}
	f, err := strconv.ParseFloat(string(b[:end]), 64)
	return f, err == nil
}

// leadingInt parses the decimal digits at the start of b.
func leadingInt(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

var keyTimestamp = []byte(`"timestamp":`)

// ---- part 1: throughput and latency ----

// reader is one contender of the throughput benchmark: started fresh for
// each round, one burst, stopped.
type reader interface {
	burst(n int) burstRun
	stop()
}

func (sb *serveBench) throughput(n int) {
	t := sb.t
	contenders := []struct {
		name  string
		start func() reader
	}{
		{"bare CDP reader", func() reader {
			b := sb.startBare(true)
			sb.header(b.version)
			return b
		}},
		{"bdg-rpc serve client", func() reader { return sb.startServe("", "bdg-rpc serve client") }},
	}
	if *benchServeWorker {
		contenders = append(contenders, struct {
			name  string
			start func() reader
		}{"worker socket reader", func() reader { return sb.startWorker() }})
	}
	if sb.altExe != "" {
		contenders = append(contenders, struct {
			name  string
			start func() reader
		}{altServe, func() reader { return sb.startServe(sb.altExe, altServe) }})
	}
	runs := make([][]burstRun, len(contenders))
	var rows []burstRun
	var rowRounds []int
	for round := range sb.rounds {
		for k := range contenders {
			i := (round + k) % len(contenders)
			r := contenders[i].start()
			time.Sleep(settle)
			run := r.burst(n)
			r.stop()
			runs[i] = append(runs[i], run)
			rows, rowRounds = append(rows, run), append(rowRounds, round+1)
			if run.received != n || run.disorder != 0 {
				t.Errorf("%s received %d of %d messages before \"burst done\", %d out of order", run.who, run.received, n, run.disorder)
			}
		}
	}
	bare, serve := runs[0], runs[1]

	fmt.Printf("\n### Throughput and latency: a burst of %d console messages (%d rounds, rotating order)\n\n", n, sb.rounds)
	fmt.Printf("| round | reader | received | page's loop (ms) | rate, first to last (msg/s) | rate, trigger to last (msg/s) | last after loop end (ms) | latency p50 (ms) | p90 | p99 | max | CPU pressure |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i, r := range rows {
		ff, ft := r.rates()
		ls := r.latencies()
		fmt.Printf("| %d | %s | %d | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f%% |\n", rowRounds[i], r.who, r.received, r.pageMs, ff, ft, r.tailMs(),
			sessiontest.Percentile(ls, 50), sessiontest.Percentile(ls, 90), sessiontest.Percentile(ls, 99), sessiontest.Percentile(ls, 100), 100*r.cpu.pressure())
	}
	if *benchServeTrace {
		fmt.Printf("\nLatency (ms) by position in the burst, at every tenth of the messages:\n\n| round | reader | 10%% | 20%% | 30%% | 40%% | 50%% | 60%% | 70%% | 80%% | 90%% | 100%% |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for i, r := range rows {
			fmt.Printf("| %d | %s |", rowRounds[i], r.who)
			for k := 1; k <= 10; k++ {
				j := min(len(r.arrivals)*k/10, len(r.arrivals)) - 1
				if j >= 0 {
					fmt.Printf(" %.0f |", float64(r.arrivals[j])/1e6-r.stamps[j])
				}
			}
			fmt.Println()
		}
	}

	type col struct {
		name    string
		of      func(burstRun) float64
		unit    string
		noRatio bool // the bare reader's figure is about 0
	}
	rateFirst := func(r burstRun) float64 { f, _ := r.rates(); return f }
	rateTrigger := func(r burstRun) float64 { _, f := r.rates(); return f }
	lat := func(p float64) func(burstRun) float64 {
		return func(r burstRun) float64 { return sessiontest.Percentile(r.latencies(), p) }
	}
	cols := []col{
		{"rate, first to last arrival (msg/s)", rateFirst, "%.0f", false},
		{"rate, trigger to last arrival (msg/s)", rateTrigger, "%.0f", false},
		{"page's own loop time (ms)", func(r burstRun) float64 { return r.pageMs }, "%.0f", false},
		{"last arrival after the loop's end (ms)", burstRun.tailMs, "%.0f", true},
		{"latency p50 (ms)", lat(50), "%.1f", false},
		{"latency p90 (ms)", lat(90), "%.1f", false},
		{"latency p99 (ms)", lat(99), "%.1f", false},
		{"latency max (ms)", lat(100), "%.1f", false},
	}
	med := func(rs []burstRun, f func(burstRun) float64) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		return sessiontest.Median(xs)
	}
	// medRatio is the median of the rounds' ratios of rs to the bare reader.
	medRatio := func(rs []burstRun, f func(burstRun) float64) float64 {
		var xs []float64
		for i := range min(len(rs), len(bare)) {
			if v := f(bare[i]); v != 0 {
				xs = append(xs, f(rs[i])/v)
			}
		}
		return sessiontest.Median(xs)
	}
	delivered := func(rs []burstRun) string {
		all := 0
		for _, r := range rs {
			if r.received == n && r.disorder == 0 {
				all++
			}
		}
		return fmt.Sprintf("all, in order, in %d of %d rounds", all, len(rs))
	}
	fmt.Printf("\nMedians of the %d rounds (ratios: the median of the rounds' ratios to the bare reader):\n\n", sb.rounds)
	fmt.Printf("|")
	for _, c := range contenders {
		fmt.Printf(" | %s", c.name)
	}
	for _, c := range contenders[1:] {
		fmt.Printf(" | %s / bare", strings.TrimSuffix(c.name, " client"))
	}
	fmt.Printf(" |\n|---|%s\n", strings.Repeat("---|", 2*len(contenders)-1))
	fmt.Printf("| delivered (%d messages)", n)
	for _, rs := range runs {
		fmt.Printf(" | %s", delivered(rs))
	}
	fmt.Printf("%s |\n", strings.Repeat(" | -", len(contenders)-1))
	for _, c := range cols {
		fmt.Printf("| %s", c.name)
		for _, rs := range runs {
			fmt.Printf(" | "+c.unit, med(rs, c.of))
		}
		for _, rs := range runs[1:] {
			if c.noRatio {
				fmt.Printf(" | -")
			} else {
				fmt.Printf(" | %.2fx", medRatio(rs, c.of))
			}
		}
		fmt.Printf(" |\n")
	}

	// Where the CPU goes during a burst.
	fmt.Printf("\nCPU time from the trigger to the last message, per process (median of the rounds, ms of user + system CPU; µs per message in brackets):\n\n|")
	for _, c := range contenders {
		fmt.Printf(" | %s", c.name)
	}
	fmt.Printf(" |\n|---|%s\n", strings.Repeat("---|", len(contenders)))
	total := func(r burstRun) float64 {
		var d time.Duration
		for _, k := range []string{cpuChrome, "worker", "serve", cpuSelf} {
			d += r.cpu[k]
		}
		return float64(d) / 1e6
	}
	for _, name := range []string{cpuChrome, cpuRenderer, cpuBrowser, "worker", "serve", cpuSelf, "all of them"} {
		fmt.Printf("| %s", name)
		for _, rs := range runs {
			f := func(r burstRun) float64 { return float64(r.cpu[name]) / 1e6 }
			if name == "all of them" {
				f = total
			}
			if _, ok := rs[0].cpu[name]; !ok && name != "all of them" {
				fmt.Printf(" | -")
				continue
			}
			m := med(rs, f)
			fmt.Printf(" | %.0f (%.1f)", m, m*1e3/float64(n))
		}
		fmt.Printf(" |\n")
	}

	rate := medRatio(serve, rateFirst)
	p99 := time.Duration(med(serve, lat(99)) * 1e6)
	fmt.Printf("\nGoals: all %d delivered: %s; at least %.1fx the bare reader's rate: %s (%.2fx, first to last arrival; %.2fx, trigger to last); "+
		"p99 under %s: %s (%.1f ms).\n", n, sessiontest.MetOrMissed(!t.Failed()), goalRateRatio, sessiontest.MetOrMissed(rate >= goalRateRatio), rate,
		medRatio(serve, rateTrigger), goalP99, sessiontest.MetOrMissed(p99 < goalP99), float64(p99)/1e6)
	if sb.profileDir != "" {
		fmt.Printf("\nCPU profiles of the serve and worker children, one per burst: %s (go tool pprof -top FILE...).\n", sb.profileDir)
	}
}

// ---- part 2: what watching costs the page ----

func (sb *serveBench) pageCost(n int) {
	t := sb.t
	s := sb.startServe("", "bdg-rpc serve client")
	bare := sb.startBare(true)
	none := sb.startBare(false)
	sb.header(bare.version)
	serveRun := func(s *serveSession) func() burstRun {
		return func() burstRun {
			return s.c.burst(s.who, s.name, n, s.start.Chrome.PID, map[string]int{"worker": s.start.PID, "serve": s.cmd.Process.Pid}, nil)
		}
	}
	type contender struct {
		name, short string
		watches     bool // receives the events, and is checked
		run         func() burstRun
	}
	// The bare client is contenders[bareAt]; none, contenders[noneAt].
	const bareAt, noneAt = 1, 2
	contenders := []contender{
		{"bdg-rpc (serve, events to the client)", "bdg-rpc", true, serveRun(s)},
		{"bare CDP client (same domains, counts)", "bare", true, func() burstRun { return bare.burst(n) }},
		{"no client (no domains enabled)", "none", false, func() burstRun { return none.burst(n) }},
	}
	var alt *serveSession
	if sb.altExe != "" {
		alt = sb.startServe(sb.altExe, altServe)
		contenders = append(contenders, contender{"bdg-rpc of -bench-serve-exe", "alt", true, serveRun(alt)})
	}
	// One loop each to warm up (JIT, first allocations), not counted.
	for _, c := range contenders {
		c.run()
		time.Sleep(settle)
	}
	k := len(contenders)
	times, pressures := make([][]float64, k), make([][]float64, k)
	watcherCPU, chromeCPU := make([][]float64, k), make([][]float64, k) // ms
	var orders []string
	for round := range sb.rounds {
		var order []string
		for j := range contenders {
			i := (round + j) % k
			c := contenders[i]
			r := c.run()
			if c.watches && (r.received != n || r.disorder != 0) {
				t.Errorf("%s received %d of %d messages before \"burst done\", %d out of order", c.name, r.received, n, r.disorder)
			}
			times[i] = append(times[i], r.pageMs)
			pressures[i] = append(pressures[i], 100*r.cpu.pressure())
			watcherCPU[i] = append(watcherCPU[i], float64(r.cpu["worker"]+r.cpu["serve"]+r.cpu[cpuSelf])/1e6)
			chromeCPU[i] = append(chromeCPU[i], float64(r.cpu[cpuChrome])/1e6)
			order = append(order, c.short)
			time.Sleep(settle)
		}
		orders = append(orders, strings.Join(order, ", "))
	}
	s.stop()
	if alt != nil {
		alt.stop()
	}
	bare.close()
	none.close()

	fmt.Printf("\n### What watching costs the page: the page's own time for %d console.log calls (%d rounds, rotating order)\n\n", n, sb.rounds)
	fmt.Printf("| round | order |")
	for _, c := range contenders {
		fmt.Printf(" %s (ms) |", c.short)
	}
	for i, c := range contenders {
		if i != bareAt && i != noneAt {
			fmt.Printf(" %s / bare |", c.short)
		}
	}
	fmt.Printf(" bare / none | CPU pressure (%s) |\n|---|---|%s\n", strings.Join(func() []string {
		var ss []string
		for _, c := range contenders {
			ss = append(ss, c.short)
		}
		return ss
	}(), ", "), strings.Repeat("---|", 2*k))
	ratios := make([][]float64, k) // of each to the bare client, per round
	for r := range sb.rounds {
		fmt.Printf("| %d | %s |", r+1, orders[r])
		for i := range contenders {
			fmt.Printf(" %.0f |", times[i][r])
			ratios[i] = append(ratios[i], times[i][r]/times[bareAt][r])
		}
		for i := range contenders {
			if i != bareAt && i != noneAt {
				fmt.Printf(" %.2fx |", ratios[i][r])
			}
		}
		fmt.Printf(" %.2fx |", times[bareAt][r]/times[noneAt][r])
		var ps []string
		for i := range contenders {
			ps = append(ps, fmt.Sprintf("%.0f%%", pressures[i][r]))
		}
		fmt.Printf(" %s |\n", strings.Join(ps, ", "))
	}
	mb, mc := sessiontest.Median(times[bareAt]), sessiontest.Median(times[noneAt])
	fmt.Printf("\n| | page's loop, median (ms) | µs per console.log | vs bare CDP client (median of the rounds' ratios) | vs bare (of the medians) | vs no client (of the medians) | CPU of Chrome (ms) | CPU of the watcher: worker + serve + client, or the bare reader (ms) |\n|---|---|---|---|---|---|---|---|\n")
	for i, c := range contenders {
		m := sessiontest.Median(times[i])
		perRound := fmt.Sprintf("%.2fx", sessiontest.Median(ratios[i]))
		if i == 0 {
			perRound = "**" + perRound + "**"
		}
		fmt.Printf("| %s | %.0f | %.1f | %s | %.2fx | %.2fx | %.0f | %.0f |\n", c.name, m, m*1e3/float64(n), perRound, m/mb, m/mc,
			sessiontest.Median(chromeCPU[i]), sessiontest.Median(watcherCPU[i]))
	}
	var bc []float64
	for r := range sb.rounds {
		bc = append(bc, times[bareAt][r]/times[noneAt][r])
	}
	cost := sessiontest.Median(ratios[0])
	fmt.Printf("\nGoal: the page's loop with bdg-rpc at most %.1fx its time with the bare client: %s (%.2fx, median of the rounds' ratios; %.2fx of the medians). "+
		"The bare client itself: %.2fx the page's time with no client.\n", goalPageCost, sessiontest.MetOrMissed(cost <= goalPageCost),
		cost, sessiontest.Median(times[0])/mb, sessiontest.Median(bc))
}

// ---- statistics ----
