package server

import (
	"slices"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestMethodTable: the backend serves exactly the methods the table says
// it serves: its own (initialize and shutdown in its lifecycle), and the
// routed ones passed to the workers.
func TestMethodTable(t *testing.T) {
	c := &client{srv: New(Config{})}
	got := append(c.methods().Methods(), protocol.Initialize.Name, protocol.Shutdown.Name)
	slices.Sort(got)
	want := protocol.MethodsOn(protocol.Backend)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the backend serves %q; the table says %q", got, want)
	}
}
