package sessiontest

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// AssertUntouched fails unless path still holds content: the target of a
// link planted in a session directory.
func AssertUntouched(t *testing.T, path string, content []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(b, content) {
		t.Errorf("the link's target %s was touched: %q (%d bytes), %v", path, b, len(b), err)
	}
}

// AssertRefused fails unless err is a session_file error whose hint
// contains hint.
func AssertRefused(t *testing.T, what string, err error, hint string) {
	t.Helper()
	if protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("%s: %v (kind %q), want a session_file error", what, err, protocol.KindOf(err))
		return
	}
	if h := protocol.AsError(err).Hint; !strings.Contains(h, hint) {
		t.Errorf("%s: hint %q, want one that says %q", what, h, hint)
	}
}
