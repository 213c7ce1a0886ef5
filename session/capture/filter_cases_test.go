package capture

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestFilterCases holds the filter language to testdata/filter-cases.json,
// which the VS Code panel's port of it (extension/src/panels/netfilter.ts)
// passes too: each filter matches exactly the named requests, or fails.
func TestFilterCases(t *testing.T) {
	b, err := os.ReadFile("../../testdata/filter-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Requests map[string]*protocol.NetworkRequest
		Cases    []struct {
			Filter  string
			Matches []string
			Error   bool
		}
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(file.Requests))
	for name := range file.Requests {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, c := range file.Cases {
		f, err := ParseFilter(c.Filter)
		if c.Error {
			if err == nil {
				t.Errorf("%q: no error, want one", c.Filter)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.Filter, err)
			continue
		}
		var got []string
		for _, name := range names {
			if f == nil || f(file.Requests[name]) {
				got = append(got, name)
			}
		}
		want := slices.Clone(c.Matches)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q matches %v, want %v", c.Filter, got, want)
		}
	}
}
