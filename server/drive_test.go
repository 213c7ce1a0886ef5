package server_test

import (
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestDriveThroughServe: page/evaluate and page/navigate through serve,
// routed to the session's worker: a value as JSON and as text, a cyclic
// object refused as JSON when returnByValue asks for it, an exception as
// a result, a navigation's id that the navigation's records carry; and
// the params errors.
func TestDriveThroughServe(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	b.initialize()
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("drive.html"), Session: "d", Headless: ptr(true)}, nil)
	b.await("the page's line", consoleText("drive: ready first"))

	var v protocol.EvaluateResult
	b.result(protocol.Evaluate.Name, protocol.EvaluateParams{Session: "d", Expression: "({n: 1 + 1, s: document.title})"}, &v)
	if string(v.Value) != `{"n":2,"s":"drive page"}` || v.Text != `{n: 2, s: "drive page"}` || v.Type != "object" {
		t.Errorf("page/evaluate: %+v (value %s)", v, v.Value)
	}
	perr := b.errorOf(protocol.Evaluate.Name, protocol.EvaluateParams{Session: "d", Expression: "window.cyclic", ReturnByValue: ptr(true)})
	if perr.Kind != protocol.InvalidArgs || !strings.Contains(perr.Message, "cannot be returned as JSON") {
		t.Errorf("a cyclic object by value: %+v", perr)
	}
	v = protocol.EvaluateResult{}
	b.result(protocol.Evaluate.Name, protocol.EvaluateParams{Session: "d", Expression: "window.cyclic", ReturnByValue: ptr(false)}, &v)
	if v.Value != nil || v.ValueOmitted != "not asked" || v.Text != `{name: "loop", self: {…}}` {
		t.Errorf("a preview only: %+v", v)
	}
	v = protocol.EvaluateResult{}
	b.result(protocol.Evaluate.Name, protocol.EvaluateParams{Session: "d", Expression: "undefinedThing.x"}, &v)
	if v.Exception == nil || v.Exception.Text != "Uncaught ReferenceError: undefinedThing is not defined" || v.Exception.Line != 1 {
		t.Errorf("an exception: %+v %+v", v, v.Exception)
	}

	var nav protocol.NavigateResult
	b.result(protocol.Navigate.Name, protocol.NavigateParams{Session: "d", URL: e.fx.URL("drive.html?n=second")}, &nav)
	if nav.NavigationID < 2 || nav.WaitedFor != protocol.WaitLoad || !strings.HasSuffix(nav.URL, "drive.html?n=second") {
		t.Errorf("page/navigate: %+v", nav)
	}
	var list protocol.ConsoleListResult
	b.result(protocol.ConsoleList.Name, map[string]any{"session": "d", "navigation": nav.NavigationID}, &list)
	found := false
	for _, m := range list.Items {
		found = found || strings.Contains(m.Text, "drive: ready second")
		if strings.Contains(m.Text, "ready first") || m.NavigationID != nav.NavigationID {
			t.Errorf("in the navigation's console: %+v", m)
		}
	}
	if !found {
		t.Errorf("the navigation's console has not the page's line: %+v", list.Items)
	}

	for method, p := range map[string]any{
		protocol.Evaluate.Name: map[string]any{"session": "d"},
		protocol.Navigate.Name: map[string]any{"session": "d", "url": ""},
		protocol.Reload.Name:   map[string]any{"session": "d", "waitUntil": "later"},
		protocol.Back.Name:     map[string]any{"session": "d", "timeout": -1},
	} {
		if perr := b.errorOf(method, p); perr.Code != protocol.CodeInvalidParams {
			t.Errorf("%s %v: %+v", method, p, perr)
		}
	}
	// LSP-style clients send null for no params: reload takes it.
	b.result(protocol.Reload.Name, map[string]any{"session": "d", "waitUntil": nil}, &nav)
	b.result(protocol.Stop.Name, protocol.StopParams{Session: "d"}, nil)
}
