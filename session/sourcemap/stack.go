package sourcemap

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// frameLine is a frame of a record's stack: "    at NAME (URL:LINE:COL)",
// 1-based, as console messages and exceptions carry them.
var frameLine = regexp.MustCompile(`^(\s*at )(.*) \((.+):(\d+):(\d+)\)$`)

// FramePlace returns the place of a stack's line, if it is a frame.
func FramePlace(line string) (protocol.SourceRef, bool) {
	return placeOf(frameLine.FindStringSubmatch(line))
}

// placeOf is the place of frameLine's match m (nil: none).
func placeOf(m []string) (protocol.SourceRef, bool) {
	if m == nil {
		return protocol.SourceRef{}, false
	}
	l, err1 := strconv.Atoi(m[4])
	c, err2 := strconv.Atoi(m[5])
	if err1 != nil || err2 != nil || l < 1 {
		return protocol.SourceRef{}, false
	}
	return protocol.SourceRef{URL: m[3], Line: l, Column: c}, true
}

// StackPlaces returns the places of a stack's frames.
func StackPlaces(stack string) []protocol.SourceRef {
	var refs []protocol.SourceRef
	for line := range strings.SplitSeq(stack, "\n") {
		if ref, ok := FramePlace(line); ok {
			refs = append(refs, ref)
		}
	}
	return refs
}

// MapStack returns the stack with each frame's place replaced by what
// show gives for it ("" leaves the frame as it is); "" when show replaced
// none.
func MapStack(stack string, show func(protocol.SourceRef) string) string {
	lines := strings.Split(stack, "\n")
	mapped := false
	for i, line := range lines {
		m := frameLine.FindStringSubmatch(line)
		ref, ok := placeOf(m)
		if !ok {
			continue
		}
		if s := show(ref); s != "" {
			lines[i] = m[1] + m[2] + " (" + s + ")"
			mapped = true
		}
	}
	if !mapped {
		return ""
	}
	return strings.Join(lines, "\n")
}
