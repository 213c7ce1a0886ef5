package cli

import (
	"slices"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func TestPressParams(t *testing.T) {
	for in, want := range map[string]protocol.PressParams{
		"Enter":           {Key: "Enter"},
		"Control+a":       {Key: "a", Modifiers: []string{"Control"}},
		"Control+Shift+K": {Key: "K", Modifiers: []string{"Control", "Shift"}},
		"+":               {Key: "+"},
		"Shift++":         {Key: "+", Modifiers: []string{"Shift"}},
	} {
		got := pressParams(in)
		if got.Key != want.Key || !slices.Equal(got.Modifiers, want.Modifiers) {
			t.Errorf("pressParams(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestParseViewport(t *testing.T) {
	for in, want := range map[string]protocol.Viewport{
		"390x844":            {Width: 390, Height: 844},
		"390x844@3":          {Width: 390, Height: 844, DeviceScaleFactor: 3},
		"390x844@2.5,mobile": {Width: 390, Height: 844, DeviceScaleFactor: 2.5, Mobile: true},
		"none":               {},
	} {
		got, err := parseViewport(in)
		if err != nil || *got != want {
			t.Errorf("parseViewport(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"big", "390", "390x", "0x100", "390x844@", "390x844@x", "390x844x2"} {
		if _, err := parseViewport(bad); err == nil {
			t.Errorf("parseViewport(%q): no error", bad)
		}
	}
}
