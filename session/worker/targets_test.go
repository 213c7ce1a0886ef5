package worker

import (
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestCrashedTargetTakesNoCommands: once Chrome says a followed target
// crashed (Inspector.targetCrashed on its session), no command goes to its
// session, neither a response body's nor a method acting on the target;
// the watched page's own crash is the worker's to handle, and other
// targets are not touched.
func TestCrashedTargetTakesNoCommands(t *testing.T) {
	main := &tracked{session: "PAGE", ref: &protocol.TargetRef{ID: "P", Type: protocol.TargetPage}}
	shared := &tracked{session: "SHARED", ref: &protocol.TargetRef{ID: "S", Type: protocol.TargetSharedWorker}}
	worker := &tracked{session: "WORKER", ref: &protocol.TargetRef{ID: "W", Type: protocol.TargetWorker}}
	tt := &targetTree{
		main:      main,
		bySession: map[string]*tracked{"PAGE": main, "SHARED": shared, "WORKER": worker},
		byID:      map[string]*tracked{"P": main, "S": shared, "W": worker},
		sessions:  map[string]string{"P": "PAGE", "S": "SHARED", "W": "WORKER"},
		types:     map[string]string{"PAGE": protocol.TargetPage, "SHARED": protocol.TargetSharedWorker, "WORKER": protocol.TargetWorker},
		crashed:   map[string]bool{},
	}
	commandable := func(s string) bool { return tt.bodyRefusal(s) != errTargetEnded }
	for _, s := range []string{"PAGE", "SHARED", "WORKER"} {
		if !commandable(s) {
			t.Errorf("session %s takes no commands before any crash", s)
		}
	}
	if commandable("UNKNOWN") {
		t.Error("a session the worker does not follow takes commands")
	}

	tt.targetCrashed("SHARED")
	tt.targetCrashed("PAGE")
	tt.targetCrashed("UNKNOWN")
	if commandable("SHARED") {
		t.Error("the crashed shared worker's session still takes commands")
	}
	if s, ok := tt.sessionOf("S"); ok {
		t.Errorf("sessionOf the crashed shared worker = %q, true; want false", s)
	}
	if !commandable("WORKER") || !commandable("PAGE") {
		t.Error("a crash of one target stopped the commands of another, or of the page")
	}
	if s, ok := tt.sessionOf("W"); !ok || s != "WORKER" {
		t.Errorf("sessionOf the live worker = %q, %v", s, ok)
	}
	if len(tt.crashed) != 1 {
		t.Errorf("crashed holds %v: only a followed target other than the page belongs there", tt.crashed)
	}
}
