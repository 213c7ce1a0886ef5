package capture

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/lines"
)

// The event path's cost, per event: console bursts of 50,000 messages and
// pages of thousands of requests go through these.
func BenchmarkConsoleEvent(b *testing.B) {
	c := New(Options{Session: "b"})
	params := []byte(`{"type":"log","args":[{"type":"string","value":"burst"},{"type":"number","value":12345,"description":"12345"}],"executionContextId":1,"timestamp":1764100000123.456,"stackTrace":{"callFrames":[{"functionName":"","scriptId":"5","url":"http://127.0.0.1:8080/console-burst.html","lineNumber":12,"columnNumber":30}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		c.HandleEvent("Runtime.consoleAPICalled", params)
	}
}

// BenchmarkConsoleObjectEvent: console.log("user", {id: 7, name: "ada",
// tags: Array(2)}), whose object argument the record keeps the id of.
func BenchmarkConsoleObjectEvent(b *testing.B) {
	c := New(Options{Session: "b"})
	params := []byte(`{"type":"log","args":[{"type":"string","value":"user"},{"type":"object","className":"Object","description":"Object","objectId":"-4455436541876512437.2.17","preview":{"type":"object","description":"Object","overflow":false,"properties":[{"name":"id","type":"number","value":"7"},{"name":"name","type":"string","value":"ada"},{"name":"tags","type":"object","value":"Array(2)","subtype":"array"}]}}],"executionContextId":1,"timestamp":1764100000123.456,"stackTrace":{"callFrames":[{"functionName":"","scriptId":"5","url":"http://127.0.0.1:8080/app.js","lineNumber":9,"columnNumber":12}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		c.HandleEvent("Runtime.consoleAPICalled", params)
	}
}

func BenchmarkConsoleErrorEvent(b *testing.B) {
	c := New(Options{Session: "b"})
	params := []byte(`{"type":"error","args":[{"type":"string","value":"something failed"}],"executionContextId":1,"timestamp":1764100000123.456,"stackTrace":{"callFrames":[{"functionName":"f","scriptId":"5","url":"http://127.0.0.1:8080/app.js","lineNumber":12,"columnNumber":30},{"functionName":"g","scriptId":"5","url":"http://127.0.0.1:8080/app.js","lineNumber":40,"columnNumber":3},{"functionName":"","scriptId":"5","url":"http://127.0.0.1:8080/app.js","lineNumber":90,"columnNumber":1}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		c.HandleEvent("Runtime.consoleAPICalled", params)
	}
}

// BenchmarkRequestEvents is one request's three events, with headers of a
// typical size.
func BenchmarkRequestEvents(b *testing.B) {
	c := New(Options{Session: "b"})
	sent := []byte(`{"requestId":"1.1","loaderId":"L","documentURL":"http://127.0.0.1:8080/","request":{"url":"http://127.0.0.1:8080/api/items?page=2&sort=name","method":"GET","headers":{"Accept":"application/json","Referer":"http://127.0.0.1:8080/","User-Agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36","sec-ch-ua":"\"Chromium\";v=\"156\", \"Not)A;Brand\";v=\"24\"","sec-ch-ua-mobile":"?0","sec-ch-ua-platform":"\"Linux\""},"mixedContentType":"none","initialPriority":"High","referrerPolicy":"strict-origin-when-cross-origin"},"timestamp":100.0,"wallTime":1764100000.5,"initiator":{"type":"script"},"type":"Fetch"}`)
	resp := []byte(`{"requestId":"1.1","loaderId":"L","timestamp":100.1,"type":"Fetch","response":{"url":"http://127.0.0.1:8080/api/items?page=2&sort=name","status":200,"statusText":"OK","headers":{"Content-Type":"application/json","Content-Length":"1234","Date":"Fri, 05 Dec 2026 12:00:00 GMT","Cache-Control":"no-cache","ETag":"\"abc123\"","Vary":"Accept-Encoding"},"mimeType":"application/json","charset":"","connectionReused":true,"connectionId":12,"remoteIPAddress":"127.0.0.1","remotePort":8080,"fromDiskCache":false,"fromServiceWorker":false,"fromPrefetchCache":false,"encodedDataLength":180,"protocol":"http/1.1","securityState":"neutral","timing":{"requestTime":100.001,"proxyStart":-1,"proxyEnd":-1,"dnsStart":-1,"dnsEnd":-1,"connectStart":-1,"connectEnd":-1,"sslStart":-1,"sslEnd":-1,"workerStart":-1,"workerReady":-1,"workerFetchStart":-1,"workerRespondWithSettled":-1,"sendStart":0.42,"sendEnd":0.61,"pushStart":0,"pushEnd":0,"receiveHeadersStart":97.1,"receiveHeadersEnd":97.3}}}`)
	fin := []byte(`{"requestId":"1.1","timestamp":100.25,"encodedDataLength":1414}`)
	b.ReportAllocs()
	for b.Loop() {
		c.HandleEvent("Network.requestWillBeSent", sent)
		c.HandleEvent("Network.responseReceived", resp)
		c.HandleEvent("Network.loadingFinished", fin)
	}
}

// BenchmarkColdConsole: 100,000 console messages of which 90,000 are cold
// (on the journal's disk): a list of every one, and session.json written
// from them, each read back and decoded from its journal line.
func BenchmarkColdConsole(b *testing.B) {
	c := New(Options{Session: "b"})
	persisting(b, c, nil)
	const n = 100_000
	text := strings.Repeat("x", 200)
	for i := range n {
		c.HandleEvent("Runtime.consoleAPICalled", []byte(fmt.Sprintf(`{"type":"log","args":[{"type":"string","value":"message %d %s"}],"executionContextId":1,"timestamp":%d}`, i, text, 1764100000000+i)))
		if i%10_000 == 9_999 {
			awaitCold(b, c, DefaultHotConsole) // at the pace of the disk, as a page's burst is
		}
	}
	awaitCold(b, c, DefaultHotConsole)
	b.Run("list-all", func(b *testing.B) {
		zero := 0
		for b.Loop() {
			if res, err := c.ConsoleList(Scope{}, nil, "", PageOf(protocol.ListParams{Limit: &zero})); err != nil || res.Returned != n {
				b.Fatalf("%d returned, %v", res.Returned, err)
			}
		}
	})
	b.Run("session.json", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "session.json")
		for b.Loop() {
			snap := c.Snapshot()
			msgs := session.RecordsOf(snap.Console)
			msgs.Each = c.ConsoleRecords
			if err := session.WriteOutputStream(path, protocol.Output{}, session.RecordsOf[protocol.NetworkRequest](nil), msgs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConsoleListHot: a list of 10,000 messages, all held in memory,
// as console/list takes them: the page of records, and its lines.
func BenchmarkConsoleListHot(b *testing.B) {
	c := New(Options{Session: "b"})
	persisting(b, c, nil)
	const n = 10_000
	for i := range n {
		c.HandleEvent("Runtime.consoleAPICalled", []byte(fmt.Sprintf(`{"type":"log","args":[{"type":"string","value":"listed"},{"type":"number","value":%d,"description":"%d"}],"executionContextId":1,"timestamp":%d,"stackTrace":{"callFrames":[{"functionName":"","scriptId":"5","url":"http://127.0.0.1:8080/console-burst.html?n=10000&label=listed","lineNumber":10,"columnNumber":36}]}}`, i, i, 1764100000000+i)))
	}
	limit := n
	page := PageOf(protocol.ListParams{Limit: &limit})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if res, err := c.ConsoleList(Scope{}, nil, "", page); err != nil || res.Returned != n {
				b.Fatalf("%d returned, %v", res.Returned, err)
			}
		}
	})
	b.Run("lines", func(b *testing.B) {
		for b.Loop() {
			res, err := c.ConsoleList(Scope{}, nil, "", page)
			if err != nil {
				b.Fatal(err)
			}
			var out []byte
			var cl lines.Console
			for i := range res.Items {
				out = cl.Append(out, &res.Items[i])
			}
			if out, err = wire.ConsoleList(nil, &protocol.ConsoleListResult{Items: []protocol.ConsoleMessage{}, Lines: string(out)}); err != nil || len(out) < n*10 {
				b.Fatal(len(out), err)
			}
		}
	})
}
