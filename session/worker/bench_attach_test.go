package worker_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// The attach benchmark's goals, from the issue that built attach.
const (
	attachRounds    = 20
	goalAttachRatio = 1.2
	goalAttach      = 100 * time.Millisecond
	attachReady     = "attach bench: ready"
)

// attachRound is one round of the attach benchmark: each from the first
// step to the first console event in hand.
type attachRound struct {
	ours  time.Duration // Launcher.Start {attach, tab}, connect, subscribe, first console notification
	start time.Duration // of ours: Launcher.Start until the handshake
	ready time.Duration // of start: the worker's own, from its start to ready (worker.log)
	bare  time.Duration // resolve, dial, attach to the tab, the worker's enables, first Runtime.consoleAPICalled
	spawn time.Duration // a worker process that fails at once: exec to its (error) handshake line
}

// attach measures, side by side and alternating which goes first, how long
// it takes from nothing to the first event of a tab of a running browser
// in the client's hand: a bdg-rpc session attaching to the tab (the
// launcher's start, then a client that connects to the worker and
// subscribes), and a bare CDP client that resolves the same endpoint,
// dials, attaches to the tab and enables the worker's domains. The tab
// logged one line when it loaded, which Chrome hands over on
// Runtime.enable: the first event of both.
func (b *bench) attach() {
	t := b.t
	chrome := browsertest.Launch(t, browser.Headless(true))
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn := browsertest.Dial(t, chrome)
	created, err := cdp.Call(ctx, conn.Session(""), target.CreateTarget, target.CreateTargetParams{URL: b.h.fx.URL("bench-attach.html")})
	if err != nil {
		t.Fatalf("opening the tab: %v", err)
	}
	tab := string(created.TargetID)
	endpoint := chrome.HTTPURL()

	var rounds []attachRound
	for i := range attachRounds {
		var r attachRound
		runs := []func(){
			func() { r.ours, r.start, r.ready = b.attachSession(fmt.Sprintf("attach-%d", i), endpoint, tab) },
			func() { r.bare = b.attachBare(endpoint, tab) },
		}
		r.spawn = b.spawnOnly()
		if i%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, run := range runs {
			run()
		}
		rounds = append(rounds, r)
	}

	var ours, start, ready, bare, spawn, ratios, ownRatios []time.Duration
	fmt.Printf("\n### Attach to a running browser: to the first event in the client's hand (%d rounds, alternating)\n\n", attachRounds)
	for _, r := range rounds {
		ours, start, ready, bare = append(ours, r.ours), append(start, r.start), append(ready, r.ready), append(bare, r.bare)
		spawn = append(spawn, r.spawn)
		ratios = append(ratios, time.Duration(float64(time.Millisecond)*sessiontest.Ratio(r.ours, r.bare)))
		ownRatios = append(ownRatios, time.Duration(float64(time.Millisecond)*sessiontest.Ratio(r.ready, r.bare)))
	}
	mo, mb := sessiontest.Median(ours), sessiontest.Median(bare)
	fmt.Println("| | median (ms) | p90 (ms) |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| bare CDP client: resolve, dial, attach, the worker's enables, first console event | %s | %s |\n", sessiontest.Ms(mb), sessiontest.Ms(sessiontest.Percentile(bare, 90)))
	fmt.Printf("| bdg-rpc: start {attach, tab}, connect, subscribe, first console notification | %s | %s |\n", sessiontest.Ms(mo), sessiontest.Ms(sessiontest.Percentile(ours, 90)))
	fmt.Printf("| of which `Launcher.Start` (spawn, attach, handshake) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(start)), sessiontest.Ms(sessiontest.Percentile(start, 90)))
	fmt.Printf("| of which the worker's own start-up (lock, files, resolve, dial, tab, enables, socket) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(ready)), sessiontest.Ms(sessiontest.Percentile(ready, 90)))
	fmt.Printf("| a worker process alone: exec to its first line (it fails at once) | %s | %s |\n", sessiontest.Ms(sessiontest.Median(spawn)), sessiontest.Ms(sessiontest.Percentile(spawn, 90)))
	ratio := sessiontest.Ratio(mo, mb)
	fmt.Printf("| ratio bdg-rpc / bare (of the medians) | %.2fx | |\n", ratio)
	fmt.Printf("| ratio bdg-rpc / bare (median of the rounds' ratios) | %.2fx | |\n", float64(sessiontest.Median(ratios))/float64(time.Millisecond))
	fmt.Printf("| ratio the worker's own start-up / bare (median of the rounds' ratios) | %.2fx | |\n", float64(sessiontest.Median(ownRatios))/float64(time.Millisecond))
	fmt.Printf("\nGoal: at most %.1fx the bare client: %s (%.2fx). Under %s ms: %s (%s ms).\n",
		goalAttachRatio, sessiontest.MetOrMissed(ratio <= goalAttachRatio), ratio,
		sessiontest.Ms(goalAttach), sessiontest.MetOrMissed(mo < goalAttach), sessiontest.Ms(mo))
}

// attachSession attaches a session to the tab, connects and subscribes as
// a client does, and returns the time to the first console notification
// and, of it, the launcher's start and the worker's own start-up. It stops
// the session (which leaves the tab open) before it returns.
func (b *bench) attachSession(name, endpoint, tab string) (total, start, ready time.Duration) {
	opts := b.h.options(name, "")
	opts.Attach, opts.Tab = endpoint, tab
	t0 := time.Now()
	w := b.h.start(opts)
	start = time.Since(t0)
	s := b.h.subscribe(w.Dir, ptr(uint64(0))) // from the start: the line may be in before the client is
	s.await("the tab's line", consoleText(attachReady))
	total = time.Since(t0)
	s.client.Close()
	b.stopDir(w)
	return total, start, durationInLog(w.Dir.File(session.LogFile), readyRE)
}

// spawnOnly runs the worker executable with options it cannot read, and
// returns the time from exec to the error line it writes at once: what a
// process start costs before the worker does anything.
func (b *bench) spawnOnly() time.Duration {
	cmd := exec.Command(b.h.launcher.Executable, "worker")
	cmd.Env = b.h.launcher.Env
	cmd.Stdin = strings.NewReader("not options\n")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	took := time.Since(t0)
	_ = cmd.Wait()
	if !strings.Contains(line, `"error"`) {
		b.t.Fatalf("a worker given bad options wrote %q", line)
	}
	return took
}

var readyRE = regexp.MustCompile(`msg=ready .* took=(\S+)`)

// durationInLog returns the duration that re's first group matches in the
// log, 0 if none does.
func durationInLog(path string, re *regexp.Regexp) time.Duration {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	m := re.FindSubmatch(b)
	if m == nil {
		return 0
	}
	d, _ := time.ParseDuration(string(m[1]))
	return d
}

// attachBare does what the worker does to take the tab, minus the worker:
// resolve the endpoint, dial the browser, attach to the tab, enable the
// worker's domains in one batch; and returns the time to the first
// Runtime.consoleAPICalled. It detaches before it returns.
func (b *bench) attachBare(endpoint, tab string) time.Duration {
	t := b.t
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	first := make(chan struct{})
	var once bool
	t0 := time.Now()
	ep, err := browser.ParseEndpoint(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	br, err := browser.Resolve(ctx, ep, browser.ProfileDirs{})
	if err != nil {
		t.Fatalf("resolving %s: %v", endpoint, err)
	}
	conn, err := browser.Dial(ctx, br.WS, browser.OnEvent(func(ev browser.Event) {
		if !once && ev.Method == "Runtime.consoleAPICalled" && strings.Contains(string(ev.Params), attachReady) {
			once = true
			close(first)
		}
	}))
	if err != nil {
		t.Fatalf("dialing %s: %v", br.WS, err)
	}
	defer conn.Close()
	page, _, err := browser.AttachPage(ctx, conn, browser.AttachOptions{TargetID: tab})
	if err != nil {
		t.Fatalf("attaching to the tab: %v", err)
	}
	cmds := workerDomains()
	for i, err := range page.Batch(ctx, cmds...) {
		if err != nil {
			t.Fatalf("%s: %v", cmds[i].Method, err)
		}
	}
	select {
	case <-first:
	case <-ctx.Done():
		t.Fatalf("the bare client never had the tab's line")
	}
	took := time.Since(t0)
	if err := conn.Session("").Call(ctx, "Target.detachFromTarget", map[string]string{"sessionId": page.ID()}, nil); err != nil {
		t.Errorf("detaching: %v", err)
	}
	return took
}
