package protocol_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestVersionsAgree: the binary's version is the extension's and the
// changelog's latest, and the clients speak the backend's protocol: a
// release holds one version.
func TestVersionsAgree(t *testing.T) {
	for _, c := range []struct {
		file, pattern, want string
	}{
		{"package.json", `(?m)^  "version": "([^"]+)"`, protocol.Version},
		{"CHANGELOG.md", `(?m)^## \[(\d[^\]]*)\]`, protocol.Version},
		{"extension/src/protocol.ts", `(?m)^export const PROTOCOL_VERSION = '([^']+)';`, protocol.ProtocolVersion},
		{"extension/nvim/lua/bdg/backend.lua", `(?m)^M\.PROTOCOL_VERSION = "([^"]+)"`, protocol.ProtocolVersion},
	} {
		b, err := os.ReadFile(filepath.Join(repo, c.file))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(c.pattern).FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: no version where %q looks", c.file, c.pattern)
			continue
		}
		if got := string(m[1]); got != c.want {
			t.Errorf("%s says %s; rpc/protocol/doc.go says %s: they agree (bump them together)", c.file, got, c.want)
		}
	}
}
