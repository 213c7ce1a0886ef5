package worker

import (
	"slices"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
)

// TestMethodTable: the worker serves exactly the methods the table says a
// worker serves.
func TestMethodTable(t *testing.T) {
	w := &worker{capture: capture.New(capture.Options{})}
	got := w.mux(&connState{w: w}).Methods()
	want := protocol.MethodsOn(protocol.Worker)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the worker serves %q; the table says %q", got, want)
	}
}
