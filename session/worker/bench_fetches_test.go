package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// fetchCount is how many fetches the fetch-heavy page makes.
const fetchCount = 200

// evalBenchDone is the Runtime.evaluate that waits for bench-fetches.html's
// result.
// Until the page's script has run, it gives null; a navigation that
// replaces the document fails it.
var evalBenchDone = json.RawMessage(`{"expression":"window.benchDone || null","awaitPromise":true,"returnByValue":true}`)

// awaitBenchDone evaluates evalBenchDone with eval until the page has a
// result.
func awaitBenchDone(t interface{ Fatalf(string, ...any) }, eval func() (json.RawMessage, error)) float64 {
	deadline := time.Now().Add(loadWait)
	for {
		raw, err := eval()
		if err == nil {
			if ms, ok := evalMs(raw); ok {
				return ms
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no result from the page in %s: %s %v", loadWait, raw, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fetches measures, side by side, the own time of a page that makes 200
// fetches one after the other: watched by a bdg-rpc session, by one that
// keeps no response bodies (--max-body-size 0), by a bare CDP client with
// the worker's domains on (the same Network.enable buffers, Runtime, Log,
// Page, Inspector, auto-attach) that only counts events, and by nothing.
func (b *bench) fetches() {
	url := b.h.fx.URL(fmt.Sprintf("bench-fetches.html?n=%d", fetchCount))
	contenders := []struct {
		name string
		run  func(i int) float64
	}{
		{"bdg-rpc", func(i int) float64 { return b.sessionFetches(fmt.Sprintf("fetch-%d", i), url, 0) }},
		{"bdg-rpc, no bodies (--max-body-size 0)", func(i int) float64 { return b.sessionFetches(fmt.Sprintf("fetch-nobody-%d", i), url, -1) }},
		{"bare CDP client (the worker's domains)", func(int) float64 { return b.bareFetches(url, workerDomains()) }},
		{"no client (no domains)", func(int) float64 { return b.bareFetches(url, nil) }},
		{"bare: Network.enable only, Chrome's default buffers", func(int) float64 {
			return b.bareFetches(url, []browser.Command{{Method: "Network.enable"}})
		}},
		{"bare: Network.enable only, the worker's buffers", func(int) float64 { return b.bareFetches(url, workerDomains()[:1]) }},
		{"bare: the worker's domains but Network", func(int) float64 { return b.bareFetches(url, workerDomains()[1:]) }},
	}
	times := make([][]float64, len(contenders))
	ratios := make([][]float64, len(contenders))
	for i := range b.rounds {
		round := make([]float64, len(contenders))
		for k := range contenders {
			j := (k + i) % len(contenders) // rotate the order
			round[j] = contenders[j].run(i)
			times[j] = append(times[j], round[j])
		}
		for j := range contenders {
			ratios[j] = append(ratios[j], round[j]/round[2])
		}
	}
	median := func(xs []float64) float64 {
		v := slices.Clone(xs)
		slices.Sort(v)
		return v[len(v)/2]
	}
	fmt.Printf("\n### A fetch-heavy page: %d fetches one after the other (median of %d rounds, rotating order)\n\n", fetchCount, b.rounds)
	fmt.Println("| watched by | the page's time (ms) | vs the bare client (median of the rounds' ratios) |")
	fmt.Println("|---|---|---|")
	for j, c := range contenders {
		fmt.Printf("| %s | %.0f | %.2fx |\n", c.name, median(times[j]), median(ratios[j]))
	}
}

// sessionFetches runs the page in a session (maxBody as session.Options
// has it: -1 keeps no bodies) and returns the page's time.
func (b *bench) sessionFetches(name, url string, maxBody int) float64 {
	t := b.t
	opts := b.h.options(name, url)
	opts.MaxBodyBytes = maxBody
	ctx, cancel := context.WithTimeout(context.Background(), loadWait)
	defer cancel()
	w, err := b.h.launcher.Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting session %q: %v", name, err)
	}
	ms := awaitBenchDone(t, func() (json.RawMessage, error) {
		raw, err := control.Ask(ctx, w.Dir, protocol.CDPSend.Name, mustMarshal(protocol.CDPSendParams{Method: "Runtime.evaluate", Params: evalBenchDone}))
		return raw, err
	})
	b.stopDir(w)
	return ms
}

// workerDomains are the commands with which the worker turns on a page's
// events (worker.enables and autoAttach), Network.enable first.
func workerDomains() []browser.Command {
	maxBody := int64(5 << 20) // the worker's default
	return []browser.Command{
		{Method: "Network.enable", Params: map[string]int64{"maxResourceBufferSize": maxBody + 1<<20, "maxTotalBufferSize": 256 << 20}},
		{Method: "Runtime.enable"}, {Method: "Log.enable"}, {Method: "Page.enable"}, {Method: "Inspector.enable"},
		{Method: "Target.setAutoAttach", Params: map[string]any{"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}},
	}
}

// bareFetches runs the page in a Chrome of its own, with the commands on
// the page first, and returns the page's time.
func (b *bench) bareFetches(url string, cmds []browser.Command) float64 {
	t := b.t
	c := browsertest.Launch(t, browser.Headless(true), browser.Pipe())
	conn := browsertest.Dial(t, c, browser.OnEvent(func(browser.Event) {})) // events are read, and dropped
	ctx, cancel := context.WithTimeout(context.Background(), loadWait)
	defer cancel()
	page, _, err := browser.AttachPage(ctx, conn, browser.AttachOptions{NewPage: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range page.Batch(ctx, cmds...) {
		if err != nil {
			t.Fatalf("%s: %v", cmds[i].Method, err)
		}
	}
	if err := page.Call(ctx, "Page.navigate", map[string]string{"url": url}, nil); err != nil {
		t.Fatal(err)
	}
	ms := awaitBenchDone(t, func() (json.RawMessage, error) {
		raw, err := page.CallRaw(ctx, "Runtime.evaluate", []byte(evalBenchDone))
		return json.RawMessage(raw), err
	})
	conn.Close()
	return ms
}

// evalMs reads the number a Runtime.evaluate returned, if it did.
func evalMs(raw json.RawMessage) (float64, bool) {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
	}
	if json.Unmarshal(raw, &res) != nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(string(res.Result.Value), 64)
	return ms, err == nil
}

func mustMarshal(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
