package protocol

import (
	"strings"
	"testing"
)

func TestLimitsSet(t *testing.T) {
	var l Limits
	for _, tc := range []struct{ name, text string }{
		{"url", "16KiB"}, {"requests", "50000"}, {"bodyBudget", "1.5 GiB"}, {"text", "8kb"}, {"postData", "0"},
	} {
		if err := l.Set(tc.name, tc.text); err != nil {
			t.Errorf("Set(%s, %s): %v", tc.name, tc.text, err)
		}
	}
	want := Limits{URL: 16 << 10, Requests: 50000, BodyBudget: 3 << 29, Text: 8000}
	if l != want {
		t.Errorf("limits %+v, want %+v", l, want)
	}
	for _, tc := range []struct{ name, text, err string }{
		{"nope", "1", `no limit named "nope" (limits: requests, console,`},
		{"url", "abc", "is not a size"},
		{"url", "-1", "is not a size"},
		{"url", "2TiB", "is not a size"},
		{"url", "2048GiB", "more than 1 TiB"},
	} {
		if err := l.Set(tc.name, tc.text); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Set(%s, %s) = %v, want %q", tc.name, tc.text, err, tc.err)
		}
	}
	if err := (Limits{URL: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "limit url is -1") {
		t.Errorf("Validate of a negative limit: %v", err)
	}
}
