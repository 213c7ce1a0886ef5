package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// maxHTTPBody bounds what the DevTools HTTP helpers read.
const maxHTTPBody = 4 << 20

// ResolveBrowserURL asks the DevTools HTTP server at httpURL, such as
// "http://127.0.0.1:9222" or "127.0.0.1:9222", for the websocket URL of the
// browser endpoint (GET /json/version, field webSocketDebuggerUrl). This is
// how to attach to a Chrome that runs with --remote-debugging-port. A ws://
// or wss:// URL comes back as it is.
func ResolveBrowserURL(ctx context.Context, httpURL string) (string, error) {
	base, err := devtoolsBase(httpURL)
	if err != nil {
		return "", err
	}
	if base.Scheme == "ws" || base.Scheme == "wss" {
		return base.String(), nil
	}
	var v struct {
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	if err := getJSON(ctx, base, "/json/version", &v); err != nil {
		return "", err
	}
	if v.WebSocketDebuggerURL == "" {
		return "", fmt.Errorf("%s/json/version has no webSocketDebuggerUrl; is this a Chrome DevTools endpoint?", base)
	}
	return v.WebSocketDebuggerURL, nil
}

// PageTarget is a page that the DevTools HTTP server lists.
type PageTarget struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	Title                string `json:"title"`
	URL                  string `json:"url"`
	WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
}

// ListPages returns the page targets that the DevTools HTTP server at httpURL
// lists (GET /json/list). It leaves out every target that is not a page, such
// as the "browser_ui" targets of Chrome's own UI.
func ListPages(ctx context.Context, httpURL string) ([]PageTarget, error) {
	base, err := devtoolsBase(httpURL)
	if err != nil {
		return nil, err
	}
	var all []PageTarget
	if err := getJSON(ctx, base, "/json/list", &all); err != nil {
		return nil, err
	}
	var pages []PageTarget
	for _, t := range all {
		if t.Type == "page" {
			pages = append(pages, t)
		}
	}
	return pages, nil
}

// devtoolsBase parses the address of a DevTools server; a bare host:port means
// http.
func devtoolsBase(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad DevTools address %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return nil, fmt.Errorf("bad DevTools address %q: scheme %q; want http://HOST:PORT", raw, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("bad DevTools address %q: no host; want http://HOST:PORT", raw)
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		u.Path, u.RawQuery, u.Fragment = "", "", ""
	}
	return u, nil
}

// getJSON fetches base+path and decodes the JSON body into v.
func getJSON(ctx context.Context, base *url.URL, path string, v any) error {
	target := base.String() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	// Never through a proxy: the DevTools server is local, or tunnelled.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("no DevTools server at %s (connection refused); is Chrome running with --remote-debugging-port? %w", base, err)
		}
		return fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	if err != nil {
		return fmt.Errorf("GET %s: reading body: %w", target, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP status %s; is this a Chrome DevTools endpoint? body: %s", target, resp.Status, snippet(body))
	}
	if err := jsonv2.Unmarshal(body, v, lenient); err != nil {
		return fmt.Errorf("GET %s: the response is not the JSON of a Chrome DevTools endpoint (%v); body: %s", target, err, snippet(body))
	}
	return nil
}

// snippet returns the start of a body for an error message.
func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	if s == "" {
		return "(empty)"
	}
	return fmt.Sprintf("%q", s)
}
