package sourcemap

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// LocalPath maps a source as a map names it to a file of the workspace
// whose root is webRoot, as vscode-js-debug's webRoot does:
//
//   - webpack://NAME/./src/a.ts and webpack:///src/a.ts: webRoot/src/a.ts
//   - http(s)://HOST/src/a.ts (a dev server's URL): webRoot/src/a.ts
//   - http(s)://HOST/@fs/ABS (Vite's files outside its root): /ABS
//   - file:///ABS: /ABS
//   - a relative or absolute path: under webRoot, or itself
//
// A query (?t=123, ?v=abc) is left out. It returns the first candidate for
// which exists is true, and false when there is none.
func LocalPath(source, webRoot string, exists func(string) bool) (string, bool) {
	for _, c := range candidates(source, webRoot) {
		if exists(c) {
			return c, true
		}
	}
	return "", false
}

func candidates(source, webRoot string) []string {
	under := func(p string) string {
		return filepath.Join(webRoot, filepath.FromSlash(path.Clean("/"+p)))
	}
	u, err := url.Parse(source)
	if err != nil || u.Scheme == "" {
		p := strings.SplitN(source, "?", 2)[0]
		if filepath.IsAbs(p) {
			return []string{filepath.Clean(p), under(p)}
		}
		return []string{under(p)}
	}
	switch u.Scheme {
	case "file":
		return []string{filepath.FromSlash(u.Path)}
	case "webpack", "webpack-internal", "vite", "rollup":
		// webpack://NAME/./src/a.ts: the host is the project's name.
		p := strings.TrimPrefix(u.Path, "/")
		p = strings.TrimPrefix(p, "./")
		return []string{under(p)}
	case "http", "https":
		if abs, ok := strings.CutPrefix(u.Path, "/@fs/"); ok {
			return []string{filepath.FromSlash("/" + abs), under(u.Path)}
		}
		return []string{under(u.Path)}
	}
	return nil
}
