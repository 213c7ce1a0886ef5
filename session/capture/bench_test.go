package capture

import (
	"testing"
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
	resp := []byte(`{"requestId":"1.1","loaderId":"L","timestamp":100.1,"type":"Fetch","response":{"url":"http://127.0.0.1:8080/api/items?page=2&sort=name","status":200,"statusText":"OK","headers":{"Content-Type":"application/json","Content-Length":"1234","Date":"Fri, 05 Dec 2026 12:00:00 GMT","Cache-Control":"no-cache","ETag":"\"abc123\"","Vary":"Accept-Encoding"},"mimeType":"application/json","charset":"","connectionReused":true,"connectionId":12,"remoteIPAddress":"127.0.0.1","remotePort":8080,"fromDiskCache":false,"fromServiceWorker":false,"fromPrefetchCache":false,"encodedDataLength":180,"protocol":"http/1.1","securityState":"neutral"}}`)
	fin := []byte(`{"requestId":"1.1","timestamp":100.25,"encodedDataLength":1414}`)
	b.ReportAllocs()
	for b.Loop() {
		c.HandleEvent("Network.requestWillBeSent", sent)
		c.HandleEvent("Network.responseReceived", resp)
		c.HandleEvent("Network.loadingFinished", fin)
	}
}
