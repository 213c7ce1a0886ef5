// Package browser is the Chrome side of bdg-rpc: it finds, launches or
// attaches to Chrome, and speaks the Chrome DevTools Protocol (CDP) to it over
// a websocket or, for a Chrome that it launches with Pipe, over a pipe,
// implementing the typed cdp.Session of cdproto.
//
// # Finding and launching Chrome
//
// FindChrome returns the binary to run: an explicit path (from --chrome or
// the environment variable BDG_CHROME, see ChromeEnv), or the first of
// chromium, chromium-browser, google-chrome, google-chrome-stable and chrome
// on PATH, or a well-known path. It prefers the real binary to a shell-script
// wrapper, such as /usr/lib/chromium/chromium to /usr/bin/chromium. Its error
// matches ErrChromeNotFound and says how to install Chromium.
//
// Launch starts Chrome with functional options in the style of chromedp:
// DefaultOptions (headless, DevTools on a free loopback port, and the flags
// that keep Chrome off the network and away from first-run UI), then the
// caller's options, such as ExecPath, Headless, UserDataDir, Flag,
// DisableFeatures, NoSandbox, WindowSize, Output and Env. Chrome gets a fresh temporary profile unless
// UserDataDir names one, runs in a process group of its own, gets
// --no-sandbox when running as root, and writes its output to the Output
// writer. Launch polls DevToolsActivePort in the profile every 20 ms, and
// fails at once, with the exit status and the last lines of output, if
// Chrome exits first; its errors match ErrLaunchFailed. The *Chrome tells the
// websocket URL of the browser endpoint, the PID and the time the launch took.
// Close sends Browser.close, waits briefly, kills the whole process group,
// reaps the main process, and deletes the temporary profile. Done and ExitErr
// tell when and how the main process exited.
//
// # The DevTools pipe
//
// Chrome's DevTools server has no authentication: whoever can connect to its
// port drives the browser, its pages, their cookies and the file system that
// they can reach. On 127.0.0.1 that is every local process, of every user of
// the machine. With the option Pipe, Launch runs Chrome with
// --remote-debugging-pipe instead of a port: Chrome opens no port and writes
// no DevToolsActivePort, and reads CDP commands from its file descriptor 3
// and writes replies and events to its file descriptor 4, each message a JSON
// text followed by a NUL byte. The other ends of the two pipes are held by
// this process only (close-on-exec, so no other child inherits them), so no
// other process can reach the browser. Launch is done when Chrome has
// answered Browser.getVersion on the pipe; WebSocketURL and HTTPURL are
// empty. Chrome.Dial returns the one connection over the pipe, with the same
// semantics as a websocket one, and fails the second time. Chrome exits on
// its own when the pipe closes: when that connection closes, or when this
// process dies. Close uses that connection for Browser.close, or the pipe
// itself if nobody took it. Attaching to a running Chrome (Dial,
// ResolveBrowserURL) still goes over its websocket.
//
// # Attaching to a running Chrome
//
// ResolveBrowserURL turns the address of a DevTools HTTP server, such as
// http://127.0.0.1:9222, into the websocket URL of the browser endpoint, from
// /json/version. ListPages lists the page targets of /json/list, without the
// browser_ui and other targets.
//
// # Connections
//
// Dial connects to a websocket endpoint, of the browser or of one page, and
// returns a *Conn; Chrome.Dial connects to a launched Chrome over its pipe or
// its websocket. A Conn has one goroutine that reads, one that writes, and
// with OnEvent one that runs the event callback; Close stops them all and
// waits. Request ids increase; a call whose context ends returns an error
// that wraps ctx.Err(), and its late reply is dropped. When the connection
// breaks, every pending and later call fails with an error that wraps
// ErrConnectionLost ("connection to Chrome lost"), and Done closes.
//
// Every command goes out as one websocket frame, as Chrome requires: the write
// buffer is MaxCommandSize (DefaultMaxCommandSize, 16 MiB) and a larger
// command fails with ErrCommandTooLarge without being sent. On a pipe, the
// same limit holds, and each command goes out with one write. Messages from
// Chrome can be up to DefaultReadLimit (256 MiB), for response
// bodies, on either transport; a larger one ends the connection.
//
// Chrome writes JavaScript strings as they are, so a page can make it send a
// lone UTF-16 surrogate, such as console.log('\ud800'), which strict JSON
// rejects. The connection replaces such strings' bad parts with U+FFFD in
// every message, so that every Event.Params, subscription value and result
// is valid JSON for any decoder, and decodes results with
// jsonv2.AllowInvalidUTF8 as well.
//
// # Sessions and events
//
// Conn.Session returns a *Session, which implements cdp.Session, so the typed
// API of cdproto v0.159 works on it:
//
//	res, err := cdp.Call(ctx, sess, page.Navigate, page.NavigateParams{URL: u})
//	for ev, err := range cdp.Events(ctx, sess, runtime.ConsoleAPICalled) { ... }
//
// Session("") is the browser session, or the page itself on a connection to a
// page endpoint. AttachPage finds the first target of type "page" (never
// browser_ui), or creates one, attaches to it with flatten: true and returns
// its session. Conn.CallRaw passes raw JSON commands through, for commands of
// users. Error replies from Chrome are *CDPError, with the code and message.
// Version returns the product string of Chrome.
//
// Events reach the caller in two ways. The OnEvent option of Dial calls a
// function for every event of every session, in exactly the order in which
// Chrome sent them across all methods, which capture code needs
// (Network.requestWillBeSent before Network.responseReceived). The callback
// runs on a goroutine of its own with an unbounded queue in front of it, so
// it may call Call and wait for the reply; it must not call Conn.Close.
// Session.Subscribe, which cdp.Events uses, gives a channel per method, with
// an unbounded buffer, which closes when the connection ends.
//
// The package browsertest launches Chrome for tests.
//
// The package supports Unix systems; it reads /proc on Linux to make sure no
// process of Chrome's group is left.
package browser
