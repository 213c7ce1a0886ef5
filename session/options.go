package session

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Options configure a session's worker. The launcher passes them to the
// worker as JSON on its standard input.
type Options struct {
	Session string `json:"session"`
	Home    string `json:"home"`
	URL     string `json:"url"`

	// Headless: nil chooses headless when there is no display.
	Headless   *bool  `json:"headless,omitempty"`
	BrowserURL string `json:"browserURL,omitempty"` // attach (an alias): http://127.0.0.1:9222
	WSURL      string `json:"wsURL,omitempty"`      // attach (an alias): ws://127.0.0.1:9222/devtools/browser/...
	// AttachOptions: the running Chrome to attach to, and its tab.
	protocol.AttachOptions
	ChromePath  string `json:"chromePath,omitempty"`
	UserDataDir string `json:"userDataDir,omitempty"`

	// MaxBodyBytes is the largest response body kept; 0 takes the default
	// (5 MiB), -1 keeps none (--max-body-size 0).
	MaxBodyBytes int `json:"maxBodyBytes,omitempty"`
	// Limits override the bounds on what the session keeps of the page.
	Limits     *protocol.Limits `json:"limits,omitempty"`
	IncludeAll bool             `json:"includeAll,omitempty"`
	// NoRedact keeps credentials (Authorization and Cookie headers, token
	// query parameters) in session.json; they are redacted by default.
	NoRedact bool `json:"noRedact,omitempty"`

	// TimeoutSeconds ends the session after that long (0: never).
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// PartialIntervalMs is how often session.partial.json is rewritten when
	// something changed (default 5000).
	PartialIntervalMs int `json:"partialIntervalMs,omitempty"`
	// LogMaxBytes caps worker.log before it rotates (default 5 MiB).
	LogMaxBytes int64 `json:"logMaxBytes,omitempty"`
}

// Defaults.
const (
	DefaultPartialInterval = 5 * time.Second
	DefaultLogMaxBytes     = 5 << 20
)

// PartialInterval returns how often the partial file is written.
func (o Options) PartialInterval() time.Duration {
	if o.PartialIntervalMs > 0 {
		return time.Duration(o.PartialIntervalMs) * time.Millisecond
	}
	return DefaultPartialInterval
}

// Attaching reports whether the session attaches to a running Chrome.
func (o Options) Attaching() bool { return o.AttachOptions.Attaching(o.BrowserURL, o.WSURL) }

// Endpoint returns the running Chrome's endpoint: Attach, or one of its
// aliases ("" with AutoConnect).
func (o Options) Endpoint() string { return o.AttachOptions.Endpoint(o.BrowserURL, o.WSURL) }

// Validate checks the options before anything is started.
func (o Options) Validate() error {
	if err := o.Check(o.URL, o.BrowserURL, o.WSURL); err != nil {
		return protocol.Wrap(protocol.InvalidArgs, err).WithHint("bdg-rpc start --attach ENDPOINT [--tab SELECTOR | --new-tab [URL] | --reload]; see docs/PROTOCOL.md")
	}
	if o.MaxBodyBytes < -1 || o.TimeoutSeconds < 0 {
		return protocol.Errorf(protocol.InvalidArgs, "sizes and timeouts must not be negative (maxBodyBytes -1 keeps no bodies)")
	}
	if o.Limits != nil {
		if err := o.Limits.Validate(); err != nil {
			return protocol.Wrap(protocol.InvalidArgs, err).WithHint("see \"Bounds and drops\" in docs/PROTOCOL.md")
		}
	}
	return nil
}

// ErrInvalidURL is wrapped by NormalizeURL's errors.
var ErrInvalidURL = errors.New("invalid URL")

// NormalizeURL turns what a person types into a URL Chrome can open:
// "localhost:3000" and "example.com/x" get "http://"; http, https, file,
// about, data and chrome URLs pass as they are. Anything else is an
// invalid_url error that wraps ErrInvalidURL.
func NormalizeURL(raw string) (string, error) {
	u, err := normalizeURL(raw)
	if err != nil {
		return "", protocol.Wrap(protocol.InvalidURL, err)
	}
	return u, nil
}

func normalizeURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidURL)
	}
	lower := strings.ToLower(s)
	for _, p := range []string{"about:", "data:", "file:", "chrome:", "blob:"} {
		if strings.HasPrefix(lower, p) {
			return s, nil
		}
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Opaque == "" {
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			if u.Host == "" {
				return "", fmt.Errorf("%w %q: no host", ErrInvalidURL, raw)
			}
			return u.String(), nil
		default:
			return "", fmt.Errorf("%w %q: unsupported scheme %q (use http or https)", ErrInvalidURL, raw, u.Scheme)
		}
	}
	u, err := url.Parse("http://" + s)
	if err != nil || u.Host == "" || strings.ContainsAny(u.Host, " \t") {
		return "", fmt.Errorf("%w %q", ErrInvalidURL, raw)
	}
	if host := u.Hostname(); host != "localhost" && net.ParseIP(host) == nil && !strings.Contains(host, ".") {
		return "", fmt.Errorf("%w %q: %q is not a host name (use localhost, an IP or a dotted name)", ErrInvalidURL, raw, host)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}
