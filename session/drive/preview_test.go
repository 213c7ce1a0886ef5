package drive

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestText: remote objects as Chrome 156 sends them (with generatePreview)
// render on one line as the DevTools console shows them.
func TestText(t *testing.T) {
	for _, c := range []struct{ name, object, want string }{
		{"number", `{"type":"number","value":42,"description":"42"}`, `42`},
		{"NaN", `{"type":"number","unserializableValue":"NaN","description":"NaN"}`, `NaN`},
		{"string", `{"type":"string","value":"a \"q\" <b>"}`, `"a \"q\" <b>"`},
		{"undefined", `{"type":"undefined"}`, `undefined`},
		{"null", `{"type":"object","subtype":"null","value":null}`, `null`},
		{"bigint", `{"type":"bigint","unserializableValue":"10n","description":"10n"}`, `10n`},
		{"symbol", `{"type":"symbol","description":"Symbol(s)","objectId":"1"}`, `Symbol(s)`},
		{"function", `{"type":"function","className":"Function","description":"function foo(a){\n return a }","objectId":"1"}`, `ƒ foo(a){`},
		{"object", `{"type":"object","className":"Object","description":"Object","objectId":"1","preview":{"type":"object","description":"Object","overflow":false,"properties":[
			{"name":"a","type":"number","value":"1"},{"name":"b","type":"object","value":"Array(3)","subtype":"array"},
			{"name":"c","type":"string","value":"s"},{"name":"d","type":"object","value":"Object"},{"name":"b-c","type":"boolean","value":"true"},
			{"name":"n","type":"object","value":"null","subtype":"null"},{"name":"f","type":"function","value":""}]}}`,
			`{a: 1, b: Array(3), c: "s", d: {…}, "b-c": true, n: null, f: ƒ}`},
		{"overflow", `{"type":"object","className":"Window","description":"Window","objectId":"1","preview":{"type":"object","description":"Window","overflow":true,"properties":[
			{"name":"document","type":"object","value":"#document","subtype":"node"}]}}`, `Window {document: #document, …}`},
		{"array", `{"type":"object","subtype":"array","className":"Array","description":"Array(3)","objectId":"1","preview":{"type":"object","subtype":"array","description":"Array(3)","overflow":false,"properties":[
			{"name":"0","type":"number","value":"1"},{"name":"1","type":"number","value":"2"},{"name":"2","type":"string","value":"x"}]}}`, `(3) [1, 2, "x"]`},
		{"map", `{"type":"object","subtype":"map","className":"Map","description":"Map(1)","objectId":"1","preview":{"type":"object","subtype":"map","description":"Map(1)","overflow":false,"properties":[],
			"entries":[{"key":{"type":"string","description":"k","overflow":false,"properties":[]},"value":{"type":"number","description":"1","overflow":false,"properties":[]}}]}}`, `Map(1) {"k" => 1}`},
		{"set", `{"type":"object","subtype":"set","className":"Set","description":"Set(2)","objectId":"1","preview":{"type":"object","subtype":"set","description":"Set(2)","overflow":false,"properties":[],
			"entries":[{"value":{"type":"number","description":"1","overflow":false,"properties":[]}},{"value":{"type":"object","description":"Object","overflow":false,"properties":[]}}]}}`, `Set(2) {1, {…}}`},
		{"node", `{"type":"object","subtype":"node","className":"HTMLFormElement","description":"form#login.card","objectId":"1","preview":{"type":"object","subtype":"node","description":"form#login.card","overflow":false,"properties":[]}}`, `form#login.card`},
		{"error", `{"type":"object","subtype":"error","className":"Error","description":"Error: boom\n    at <anonymous>:1:7","objectId":"1","preview":{"type":"object","subtype":"error","description":"Error: boom\n    at <anonymous>:1:7","overflow":false,"properties":[]}}`, `Error: boom`},
		{"class", `{"type":"object","className":"Foo","description":"Foo","objectId":"1","preview":{"type":"object","description":"Foo","overflow":false,"properties":[{"name":"a","type":"number","value":"1"}]}}`, `Foo {a: 1}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var o remoteObject
			if err := json.Unmarshal([]byte(c.object), &o); err != nil {
				t.Fatal(err)
			}
			if got := text(&o); got != c.want {
				t.Errorf("text = %s, want %s", got, c.want)
			}
		})
	}
}

// TestTextBounded: a rendering is at most maxText bytes, cut on a rune.
func TestTextBounded(t *testing.T) {
	long := strings.Repeat("é", maxText)
	b, _ := json.Marshal(long)
	o := remoteObject{Type: "string", Value: b}
	got := text(&o)
	if len(got) > maxText+len("…") || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, `"é`) {
		t.Errorf("len %d, ends %q", len(got), got[len(got)-8:])
	}
	if !utf8.ValidString(got) {
		t.Errorf("cut in the middle of a rune")
	}
}

// TestException: DevTools' first line and the stack, for an Error, a
// thrown value, and a rejection awaited.
func TestException(t *testing.T) {
	for _, c := range []struct{ name, details, text, stack string }{
		{"error", `{"text":"Uncaught","lineNumber":0,"columnNumber":6,"exception":{"type":"object","subtype":"error","className":"Error","description":"Error: boom\n    at <anonymous>:1:7"}}`,
			"Uncaught Error: boom", "    at <anonymous>:1:7"},
		{"value", `{"text":"Uncaught","exception":{"type":"number","value":42,"description":"42"}}`, "Uncaught 42", ""},
		{"rejection", `{"text":"Uncaught (in promise) Error: nope","exception":{"type":"object","subtype":"error","description":"Error: nope\n    at <anonymous>:1:16"}}`,
			"Uncaught (in promise) Error: nope", "    at <anonymous>:1:16"},
		{"frames", `{"text":"Uncaught SyntaxError: Unexpected token ')'","stackTrace":{"callFrames":[{"functionName":"","url":"http://x/a.js","lineNumber":2,"columnNumber":4}]}}`,
			"Uncaught SyntaxError: Unexpected token ')'", "    at <anonymous> (http://x/a.js:3:5)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d exceptionDetails
			if err := json.Unmarshal([]byte(c.details), &d); err != nil {
				t.Fatal(err)
			}
			e := d.exception()
			if e.Text != c.text || e.Stack != c.stack {
				t.Errorf("exception = %q / %q, want %q / %q", e.Text, e.Stack, c.text, c.stack)
			}
		})
	}
}
