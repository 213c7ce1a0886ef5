package protocol

import (
	"strings"
	"testing"
)

// TestBrief: a brief record loses its bulk, keeps its place and says how
// long its text was; the record it came from is left whole.
func TestBrief(t *testing.T) {
	target := &TargetRef{ID: "T", Type: "iframe", URL: "http://h/frame", ParentID: "P"}
	m := ConsoleMessage{Seq: 1, Text: strings.Repeat("é", 400), URL: "http://h/a.js", Line: 3, Stack: "at f (http://h/a.js:3:1)",
		Objects: []ConsoleObject{{ObjectID: "o"}}, FrameID: "F", Target: target, OriginalSizes: &OriginalSizes{Stack: 99}}
	b := m.Brief()
	if b.Stack != "" || b.Objects != nil || b.FrameID != "" || b.URL != m.URL || b.Line != 3 {
		t.Errorf("brief message %+v", b)
	}
	if *b.Target != (TargetRef{ID: "T", Type: "iframe", ParentID: "P"}) || target.URL == "" {
		t.Errorf("brief target %+v, the record's %+v", b.Target, target)
	}
	if b.Text != strings.Repeat("é", BriefText/2)+"…" || !b.Truncated || b.OriginalSizes.Text != 800 || b.OriginalSizes.Stack != 99 {
		t.Errorf("brief text %d bytes, truncated %v, sizes %+v", len(b.Text), b.Truncated, b.OriginalSizes)
	}
	if m.OriginalSizes.Text != 0 || len(m.Text) != 800 {
		t.Errorf("the record changed: %+v", m.OriginalSizes)
	}
	r := NetworkRequest{URL: "http://h/x", Status: 200, RequestHeaders: Headers(`{"a":"b"}`), ResponseBody: "body", Timing: &Timing{}, Initiator: &Initiator{Type: "script"}, Target: target}
	br := r.Brief()
	if br.RequestHeaders != nil || br.ResponseBody != "" || br.Timing != nil || br.Initiator != nil || br.Target.URL != "" || br.URL != r.URL || br.Status != 200 {
		t.Errorf("brief request %+v", br)
	}
}
