package session

import (
	"errors"
	"testing"
)

func TestNormalizeURL(t *testing.T) {
	ok := map[string]string{
		"http://127.0.0.1:8080/x?a=1": "http://127.0.0.1:8080/x?a=1",
		"localhost:3000":              "http://localhost:3000/",
		"127.0.0.1:8080/app":          "http://127.0.0.1:8080/app",
		"example.com":                 "http://example.com/",
		"https://example.com/#frag":   "https://example.com/#frag",
		"about:blank":                 "about:blank",
		"data:text/html,<p>hi</p>":    "data:text/html,<p>hi</p>",
		"  http://localhost/  ":       "http://localhost/",
	}
	for in, want := range ok {
		got, err := NormalizeURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "   ", "foo", "ftp://example.com/", "javascript:alert(1)", "http://", "not a url", "http:///path"} {
		if got, err := NormalizeURL(in); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("NormalizeURL(%q) = %q, %v; want ErrInvalidURL", in, got, err)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, good := range []string{"default", "a", "my-app.dev", "_x", "A1_b-2.c"} {
		if err := ValidateName(good); err != nil {
			t.Errorf("ValidateName(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", "/abs", ".hidden", "-flag", "a b", "x\x00", string(make([]byte, 65))} {
		if err := ValidateName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
}
