package browser

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// LaunchOption configures Launch, in the style of chromedp's allocator
// options. Options apply in order, after DefaultOptions, so a later option
// overrides an earlier one.
type LaunchOption func(*launchConfig)

type launchConfig struct {
	execPath string
	flags    map[string]any // name without "--" -> string, bool or int
	output   io.Writer
	pipe     bool // CDP over --remote-debugging-pipe, no port
}

// DefaultOptions returns the options that Launch applies before the caller's:
// headless, DevTools on a free port of 127.0.0.1, and the flags that keep
// Chrome from talking to the network on its own (background networking,
// component updates, sync, crash uploads, ...), from first-run UI and from
// throttling background pages. It returns a new slice each time, for a
// caller to print or extend; Flag(name, false) removes one of its flags.
func DefaultOptions() []LaunchOption {
	return []LaunchOption{
		Headless(true),

		// DevTools on a free port of the loopback interface only; Chrome
		// writes the port to DevToolsActivePort in the profile.
		Flag("remote-debugging-address", "127.0.0.1"),
		Flag("remote-debugging-port", 0),

		// No traffic that nobody asked for: on a closed network Chrome would
		// flood it with lookups.
		Flag("disable-background-networking", true),
		Flag("disable-component-update", true),
		Flag("disable-sync", true),
		Flag("disable-domain-reliability", true),
		Flag("disable-client-side-phishing-detection", true),
		Flag("safebrowsing-disable-auto-update", true),
		Flag("metrics-recording-only", true),
		Flag("no-pings", true),
		Flag("no-service-autorun", true),
		// Chrome's own sign-in polls accounts.google.com/ListAccounts, with
		// retries, from a fresh profile. Pointing it at a closed local port
		// stops the lookups; pages can still load accounts.google.com.
		Flag("gaia-url", "http://127.0.0.1:9"),

		// No first-run UI, prompts or extensions.
		Flag("no-first-run", true),
		Flag("no-default-browser-check", true),
		Flag("disable-default-apps", true),
		Flag("disable-extensions", true),
		Flag("disable-search-engine-choice-screen", true),
		Flag("disable-popup-blocking", true),
		Flag("disable-prompt-on-repost", true),
		Flag("disable-hang-monitor", true),
		Flag("password-store", "basic"),
		Flag("use-mock-keychain", true),

		// No crash uploads. (Chrome still starts its crashpad handler, in a
		// session of its own; it exits when the browser goes. The switch
		// --disable-crashpad-for-testing would stop it, but makes the
		// network service of Chrome 156 crash with "FD ownership
		// violation".)
		Flag("disable-breakpad", true),

		// Pages in the background run as in the foreground: telemetry should
		// see what the page does.
		Flag("disable-background-timer-throttling", true),
		Flag("disable-backgrounding-occluded-windows", true),
		Flag("disable-renderer-backgrounding", true),
		Flag("disable-ipc-flooding-protection", true),

		// NetworkTimeServiceQuerying asks clients2.google.com for the time.
		Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"+
			"CalculateNativeWinOcclusion,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,"+
			"AutofillServerCommunication,PrivacySandboxSettings4,AcceptCHFrame,NetworkTimeServiceQuerying"),
		Flag("disable-dev-shm-usage", true),
		Flag("force-color-profile", "srgb"),
		Flag("mute-audio", true),
	}
}

// ExecPath sets the Chrome binary. Without it, Launch uses FindChrome("").
func ExecPath(path string) LaunchOption {
	return func(c *launchConfig) { c.execPath = path }
}

// Headless runs Chrome without a window (on) or with one (off). Headless
// also disables the GPU and hides scroll bars.
func Headless(on bool) LaunchOption {
	return func(c *launchConfig) {
		for _, name := range []string{"headless", "disable-gpu", "hide-scrollbars"} {
			if on {
				c.flags[name] = true
			} else {
				delete(c.flags, name)
			}
		}
	}
}

// UserDataDir makes Chrome use the profile in dir, which Close leaves in
// place. Without it, Launch creates a temporary profile, which Close deletes.
func UserDataDir(dir string) LaunchOption {
	return Flag("user-data-dir", dir)
}

// Flag sets the command-line flag --name. A value true passes --name, false
// removes the flag, and a string or an int passes --name=value.
func Flag(name string, value any) LaunchOption {
	return func(c *launchConfig) {
		if v, ok := value.(bool); ok && !v {
			delete(c.flags, name)
			return
		}
		c.flags[name] = value
	}
}

// Pipe makes Chrome speak CDP over a pipe instead of a DevTools port: Launch
// passes --remote-debugging-pipe, and drops --remote-debugging-port and
// --remote-debugging-address whatever other options set them to, so Chrome
// listens on no port at all. Chrome reads commands from its file descriptor 3
// and writes replies and events to its file descriptor 4, pipes that only
// this process holds the other ends of: no other process, of this user or
// another, can reach the browser. Chrome.Dial returns the one connection over
// the pipe; WebSocketURL and HTTPURL are empty. Chrome exits when the pipe
// closes, as it does when this process dies.
func Pipe() LaunchOption {
	return func(c *launchConfig) { c.pipe = true }
}

// Output sends what Chrome writes to stdout and stderr to w, such as the log
// file of a worker. Without it, the output is dropped (Launch still keeps its
// last lines for its error messages). Writes to w come from a goroutine that
// Chrome owns, until Close returns.
func Output(w io.Writer) LaunchOption {
	return func(c *launchConfig) { c.output = w }
}

// pipeFlags makes the flags those of a Chrome on a pipe: JSON messages on
// fds 3 and 4, and no DevTools port.
func (c *launchConfig) pipeFlags() {
	delete(c.flags, "remote-debugging-port")
	delete(c.flags, "remote-debugging-address")
	c.flags["remote-debugging-pipe"] = true // not "cbor"
}

// args returns the flags in a stable order.
func (c *launchConfig) args() ([]string, error) {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(c.flags)) {
		switch v := c.flags[name].(type) {
		case bool:
			args = append(args, "--"+name)
		case string:
			args = append(args, "--"+name+"="+v)
		case int:
			args = append(args, fmt.Sprintf("--%s=%d", name, v))
		default:
			return nil, fmt.Errorf("flag %q: value %v has type %T; want bool, string or int", name, v, v)
		}
	}
	return args, nil
}
