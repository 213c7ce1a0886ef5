package protocol_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestMethodTable: names are unique; a routed method's params name their
// session, and it is a backend method; only queries are offline.
func TestMethodTable(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range protocol.Methods {
		if seen[m.Name] {
			t.Errorf("method %s is in the table twice", m.Name)
		}
		seen[m.Name] = true
		if m.On == 0 {
			t.Errorf("method %s is served by no one", m.Name)
		}
		namer := reflect.TypeFor[protocol.SessionNamer]()
		if m.Routed && (m.On&protocol.Backend == 0 || !m.Params.Implements(namer)) {
			t.Errorf("routed method %s: it must be a backend method whose params (%s) implement SessionNamer", m.Name, m.Params)
		}
		if m.On&protocol.Offline != 0 && !m.Routed {
			t.Errorf("offline method %s must be routed: the backend answers it from the files of the session it names", m.Name)
		}
	}
	for _, n := range protocol.Notifications {
		if seen[n.Name] {
			t.Errorf("%s is in the tables twice", n.Name)
		}
		seen[n.Name] = true
	}
}

// TestBackendCapabilities: what initialize lists, in the order the
// transcripts of testdata/transcripts hold.
func TestBackendCapabilities(t *testing.T) {
	c := protocol.BackendCapabilities()
	b, _ := json.Marshal(c)
	want := `{"methods":["browser/tabs","cdp/send","console/list","dom/query","dom/snapshot","input/click","input/fill","input/hover","input/press","network/get","network/list","object/properties","page/back","page/emulate","page/evaluate","page/forward","page/navigate","page/reload","page/screenshot","page/waitFor","session/attach","session/list","session/peek","session/start","session/status","session/stop","source/resolve","initialize","shutdown"],` +
		`"notifications":["console/message","network/request","network/response","network/finished","network/failed","network/websocket","websocket/frame","eventsource/message","page/navigated","target/attached","target/detached","session/ended","events/dropped","$/progress"]}`
	if string(b) != want {
		t.Errorf("capabilities\n%s\nwant\n%s", b, want)
	}
}

// TestErrorModel: every kind has a code in -32000..-32099, of its own, and
// an exit code that "bdg-rpc help exit-codes" lists; errors go to the wire
// and back unchanged.
func TestErrorModel(t *testing.T) {
	codes := map[int64]protocol.Kind{}
	exits := map[int]bool{}
	for _, e := range protocol.ExitCodes {
		exits[e.Code] = true
	}
	for _, k := range protocol.Kinds {
		if k.Code > -32000 || k.Code < -32099 {
			t.Errorf("kind %s: code %d is outside -32000..-32099", k.Kind, k.Code)
		}
		if other, dup := codes[k.Code]; dup {
			t.Errorf("kinds %s and %s share code %d", k.Kind, other, k.Code)
		}
		codes[k.Code] = k.Kind
		if !exits[k.Exit] || k.Hint == "" {
			t.Errorf("kind %s: exit %d is not documented, or it has no hint", k.Kind, k.Exit)
		}
		e := protocol.Errorf(k.Kind, "it failed")
		if e.Code != k.Code || e.Hint != k.Hint || e.Exit() != k.Exit {
			t.Errorf("Errorf(%s) = %+v", k.Kind, e)
		}
		data, _ := json.Marshal(e.WireData())
		back := protocol.FromWire(e.WireCode(), e.Error(), data)
		if *back != *e {
			t.Errorf("through the wire, %+v came back as %+v", e, back)
		}
		if kindOnly := protocol.FromWire(k.Code, "m", nil); kindOnly.Kind != k.Kind {
			t.Errorf("a bare %d came back as kind %q", k.Code, kindOnly.Kind)
		}
	}
	cause := errors.New("disk full")
	wrapped := fmt.Errorf("writing: %w", protocol.Wrap(protocol.SessionFile, cause))
	if e := protocol.AsError(wrapped); e.Kind != protocol.SessionFile || e.Error() != "writing: disk full" || !errors.Is(e, cause) {
		t.Errorf("AsError(%v) = %+v", wrapped, e)
	}
	if e := protocol.AsError(cause); e.Kind != "" || e.Exit() != protocol.ExitGeneric {
		t.Errorf("AsError of a plain error = %+v", e)
	}
}

// TestDocs: docs/PROTOCOL.md describes every method and notification, and
// its table of error kinds says what the error model does.
func TestDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	// Outside the generated index, each name is described: a heading or a
	// row of a table.
	i, j := strings.Index(doc, "<!-- BEGIN GENERATED"), strings.Index(doc, "<!-- END GENERATED")
	prose := doc[:i] + doc[j:]
	for _, m := range protocol.Methods {
		if !regexp.MustCompile(`(?m)^###[^\n]*\b` + regexp.QuoteMeta(m.Name) + `\b|^\| ` + "`" + regexp.QuoteMeta(m.Name) + "`").MatchString(prose) {
			t.Errorf("docs/PROTOCOL.md has no heading or table row for method %s", m.Name)
		}
	}
	for _, n := range protocol.Notifications {
		if !regexp.MustCompile(`(?m)^###[^\n]*` + regexp.QuoteMeta(n.Name) + `|^\| ` + "`" + regexp.QuoteMeta(n.Name) + "`").MatchString(prose) {
			t.Errorf("docs/PROTOCOL.md has no heading or table row for notification %s", n.Name)
		}
	}
	for _, k := range protocol.Kinds {
		row := regexp.MustCompile(fmt.Sprintf("(?m)^\\| %d \\| `%s` \\| [^|]+ \\| %d \\|$", k.Code, k.Kind, k.Exit))
		if !row.MatchString(doc) {
			t.Errorf("docs/PROTOCOL.md's error table has no row | %d | `%s` | ... | %d |", k.Code, k.Kind, k.Exit)
		}
	}
	for _, c := range protocol.Codes {
		if !strings.Contains(doc, fmt.Sprintf("| %d |", c.Code)) {
			t.Errorf("docs/PROTOCOL.md's error table has no row for %d (%s)", c.Code, c.Name)
		}
	}
}
