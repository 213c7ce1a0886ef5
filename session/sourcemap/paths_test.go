package sourcemap

import "testing"

func TestLocalPath(t *testing.T) {
	files := map[string]bool{
		"/ws/src/app.ts":          true,
		"/ws/maps/src/deep.ts":    true,
		"/elsewhere/lib/util.ts":  true,
		"/ws/src/dir with sp.ts":  true,
		"/ws/node_modules/x/a.js": true,
	}
	exists := func(p string) bool { return files[p] }
	for _, tc := range []struct{ source, want string }{
		{"webpack:///src/app.ts", "/ws/src/app.ts"},
		{"webpack://my-app/./src/app.ts", "/ws/src/app.ts"},
		{"webpack-internal:///./src/app.ts", "/ws/src/app.ts"},
		{"http://localhost:5173/src/app.ts?t=1733", "/ws/src/app.ts"},
		{"http://127.0.0.1:8080/maps/src/deep.ts", "/ws/maps/src/deep.ts"},
		{"http://localhost:5173/@fs/elsewhere/lib/util.ts", "/elsewhere/lib/util.ts"},
		{"file:///elsewhere/lib/util.ts", "/elsewhere/lib/util.ts"},
		{"src/app.ts", "/ws/src/app.ts"},
		{"../src/app.ts", "/ws/src/app.ts"}, // never above the root
		{"http://localhost:5173/src/dir%20with%20sp.ts", "/ws/src/dir with sp.ts"},
		{"/elsewhere/lib/util.ts", "/elsewhere/lib/util.ts"},
		{"webpack:///webpack/bootstrap", ""},
		{"http://cdn.example.com/other.ts", ""},
		{"chrome-extension://abc/x.js", ""},
	} {
		got, ok := LocalPath(tc.source, "/ws", exists)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("LocalPath(%q) = %q, %v; want %q", tc.source, got, ok, tc.want)
		}
	}
}
