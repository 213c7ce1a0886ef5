package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/sourcemap"
)

func TestParsePlace(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want protocol.SourceRef
		bad  bool
	}{
		{in: "http://localhost:5173/assets/app.js:1:3829", want: protocol.SourceRef{URL: "http://localhost:5173/assets/app.js", Line: 1, Column: 3829}},
		{in: "http://localhost:5173/assets/app.js:12", want: protocol.SourceRef{URL: "http://localhost:5173/assets/app.js", Line: 12}},
		{in: "http://h/app.js:3:4", want: protocol.SourceRef{URL: "http://h/app.js", Line: 3, Column: 4}},
		{in: "http://localhost:5173/assets/app.js", bad: true},
		{in: "app.js:0", bad: true},
		{in: "nowhere", bad: true},
		{in: "http://h/app.js:", bad: true},
	} {
		got, err := parsePlace(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("parsePlace(%q): error %v, want bad=%v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && got != tc.want {
			t.Errorf("parsePlace(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestMapStack(t *testing.T) {
	const js = "http://h/app.js"
	stack := "    at a (http://h/app.js:1:166)\n    --- async ---\n    at (anonymous) (http://h/other.js:3:4)\n    at b (http://h/app.js:1:259)"
	if diff := cmp.Diff([]protocol.SourceRef{{URL: js, Line: 1, Column: 166}, {URL: "http://h/other.js", Line: 3, Column: 4}, {URL: js, Line: 1, Column: 259}}, sourcemap.StackPlaces(stack)); diff != "" {
		t.Errorf("StackPlaces (-want +got):\n%s", diff)
	}
	r := &sourceResolver{got: map[protocol.SourceRef]*protocol.OriginalLocation{
		{URL: js, Line: 1, Column: 166}: {Source: "src/app.ts", Line: 17, Column: 11},
		{URL: js, Line: 1, Column: 259}: {Source: "src/app.ts", Line: 22, Column: 3},
	}}
	show := func(o *protocol.OriginalLocation) string { return r.placeOf(o) }
	r.webRoot, r.cwd = t.TempDir(), t.TempDir()
	want := "    at a (src/app.ts:17:11)\n    --- async ---\n    at (anonymous) (http://h/other.js:3:4)\n    at b (src/app.ts:22:3)"
	if got := r.mapStack(stack, show); got != want {
		t.Errorf("mapStack:\n%s\nwant\n%s", got, want)
	}
	if got := r.mapStack("    at x (http://h/none.js:1:1)", show); got != "" {
		t.Errorf("a stack that maps nowhere: %q, want none", got)
	}
	r.off = true
	if got := r.mapStack(stack, show); got != "" {
		t.Errorf("with --no-source-maps: %q, want none", got)
	}
}
