package queries

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// writeBodyFile writes the response body of r to a file of its own in dir
// (created 0700 if need be; a link or anything but a directory there is
// refused), 0600, decoded when it is base64, and returns its path. The
// file is named after the request id and its MIME type's extension, so an
// editor opens it in the right mode: a body asked again is written again.
func writeBodyFile(dir string, r *protocol.NetworkRequest) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("making the directory of body files: %w", err)
	}
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return "", protocol.Errorf(protocol.SessionFile, "%s is not a directory of bdg-rpc's", dir).
			WithHint("move it away: bdg-rpc writes body files there")
	}
	body := []byte(r.ResponseBody)
	if r.Base64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(r.ResponseBody); err != nil {
			return "", fmt.Errorf("decoding the body of %s: %w", r.RequestID, err)
		}
	}
	path := filepath.Join(dir, bodyFileName(r.RequestID, r.MimeType))
	err := session.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	})
	if err != nil {
		return "", protocol.Wrap(protocol.SessionFile, err).WithHint("free disk space, or ask for the body inline: network/get with body")
	}
	return path, nil
}

// bodyFileName is the file name of a request's body: its id, with any
// byte that is not a letter, a digit, '.', '-' or '_' made '_' (ids come
// from Chrome, and a page's service worker can shape them), and the
// extension of its MIME type.
func bodyFileName(id, mimeType string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, id)
	name = strings.TrimLeft(name, ".")
	if len(name) > 100 {
		name = name[:100]
	}
	return "body-" + name + bodyExtension(mimeType)
}

// bodyExtension is the file extension of a MIME type: the common ones by
// name, others as the system's table says, else ".bin".
func bodyExtension(mimeType string) string {
	t, _, _ := mime.ParseMediaType(mimeType)
	switch {
	case t == "application/json" || strings.HasSuffix(t, "+json"):
		return ".json"
	case t == "text/html":
		return ".html"
	case t == "text/plain":
		return ".txt"
	case t == "text/css":
		return ".css"
	case t == "application/javascript" || t == "text/javascript":
		return ".js"
	case t == "image/svg+xml":
		return ".svg"
	case strings.HasSuffix(t, "xml"):
		return ".xml"
	}
	if exts, _ := mime.ExtensionsByType(t); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
