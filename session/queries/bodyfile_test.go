package queries

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestBodyFile: a base64 body is written decoded; a request id that could
// name another directory is made a plain file name; a link where the
// directory belongs is refused.
func TestBodyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bodies")
	bin := []byte{0, 1, 2, 0xff, '\n'}
	r := protocol.NetworkRequest{RequestID: "../../x/1.2", MimeType: "image/png", ResponseBody: base64.StdEncoding.EncodeToString(bin), Base64Encoded: true}
	path, err := writeBodyFile(dir, &r)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(bin) || filepath.Dir(path) != dir || filepath.Base(path) != "body-_.._x_1.2.png" {
		t.Errorf("%s holds %q", path, b)
	}
	for mimeType, ext := range map[string]string{"application/json; charset=utf-8": ".json", "application/vnd.api+json": ".json",
		"text/html": ".html", "text/javascript": ".js", "": ".bin", "application/x-unknown-thing": ".bin"} {
		if got := bodyExtension(mimeType); got != ext {
			t.Errorf("%q: extension %q, want %q", mimeType, got, ext)
		}
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if _, err := writeBodyFile(link, &r); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("a link for the directory: %v, want session_file", err)
	}
}
