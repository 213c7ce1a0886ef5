// Package cli is the bdg-rpc command line: it parses arguments, runs the
// command and turns its outcome into output and a documented exit code.
package cli

import (
	"context"

	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
)

// Env is what a command may touch of the world outside it.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Build says what the binary was built from.
	Build Build

	jsonOutput bool // --json was given: errors are printed as an envelope too
}

type command struct {
	name    string
	usage   string
	summary string
	hidden  bool
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []*command {
	return []*command{
		{name: "help", usage: "help [COMMAND | exit-codes]", summary: "show help for bdg-rpc or one command", run: runHelp},
		{name: "version", usage: "version [--json]", summary: "print the version", run: runVersion},
		{name: "start", usage: "start URL [--session N] [--headless|--headed] [--attach ENDPOINT | --auto-connect] [--tab SELECTOR | --new-tab | --reload] [--chrome PATH] [--max-body-size MB] [--max-console N] [--max-requests N] [--max-body-bytes-total SIZE] [--all] [--no-redact] [--timeout S] [--json]", summary: "start a session on a page and return once it is ready", run: runStart},
		{name: "tabs", usage: "tabs [ENDPOINT | --auto-connect] [--json]", summary: "list the tabs of a running Chrome, to attach to one", run: runTabs},
		{name: "status", usage: "status [--session N] [--json]", summary: "show a session's state and counts", run: runStatus},
		{name: "stop", usage: "stop [--session N] [--close-tab] [--json]", summary: "end a session, write session.json and print where it is", run: runStop},
		{name: "sessions", usage: "sessions [--json]", summary: "list every session and its state", run: runSessions},
		{name: "peek", usage: "peek [--last N] [--network | --console] [--session N] [--json]", summary: "show the newest requests and console messages", run: runPeek},
		{name: "tail", usage: "tail [--since SEQ] [--web-root DIR] [--no-source-maps] [--session N] [--json]", summary: "print events live, one line each (messages at their original places), until interrupted", run: runTail},
		{name: "network", usage: "network list [--filter EXPR] [--last N] [--offset N] | network get ID [--body] | network har [FILE|-] [--no-redact]", summary: "list requests, show one, or export them as HAR 1.2", run: runNetwork},
		{name: "console", usage: "console [--level L[,L] | --level L+] [--last N] [--web-root DIR] [--no-source-maps] [--session N] [--json]", summary: "list console messages (at their original sources' places where the scripts have source maps)", run: runConsole},
		{name: "source", usage: "source URL:LINE[:COLUMN]... [--web-root DIR] [--session N] [--json]", summary: "print the original source's place of places in the page's scripts (their source maps)", run: runSource},
		{name: "eval", usage: "eval EXPRESSION [--frame ID | --target ID] [--no-await] [--session N] [--json]", summary: "run JavaScript in the page and print its value (exit 1 if it throws)", run: runEval},
		{name: "navigate", usage: "navigate URL [--wait-until load|domcontentloaded|commit|networkidle] [--timeout S] [--session N] [--json]", summary: "go to a URL and wait for it to load", run: runNavigate},
		{name: "reload", usage: "reload [--ignore-cache] [--wait-until W] [--timeout S] [--session N] [--json]", summary: "reload the page and wait for it to load", run: runReload},
		{name: "back", usage: "back [--wait-until W] [--timeout S] [--session N] [--json]", summary: "go back in the page's history and wait", run: runBack},
		{name: "forward", usage: "forward [--wait-until W] [--timeout S] [--session N] [--json]", summary: "go forward in the page's history and wait", run: runForward},
		{name: "dom", usage: "dom query SELECTOR [--all] [--html] [--frame ID] | dom snapshot [--offset N] [--limit N] [--session N] [--json]", summary: "describe the elements a selector matches, or print the accessibility tree with uids", run: runDOM},
		{name: "screenshot", usage: "screenshot [FILE] [--full-page | --selector S] [--format png|jpeg|webp] [--quality Q] [--session N] [--json]", summary: "capture the page into a file and print its path and size", run: runScreenshot},
		{name: "click", usage: "click SELECTOR|--uid N [--button left|middle|right] [--count N] [--frame ID] [--session N] [--json]", summary: "click an element as a person would (it must be visible and not covered)", run: runClick},
		{name: "fill", usage: "fill SELECTOR|--uid N VALUE [--frame ID] [--session N] [--json]", summary: "type a value into an input, textarea, select or contenteditable element", run: runFill},
		{name: "press", usage: "press KEY [--session N] [--json]", summary: "press a key where the focus is: Enter, Tab, Escape, Control+a, Shift+ArrowUp", run: runPress},
		{name: "hover", usage: "hover SELECTOR|--uid N [--frame ID] [--session N] [--json]", summary: "move the mouse over an element", run: runHover},
		{name: "wait", usage: "wait --selector S [--visible] | --text T | --network-idle [--timeout S] [--session N] [--json]", summary: "wait until an element is there, some text shows, or the network is idle", run: runWait},
		{name: "emulate", usage: "emulate [--viewport WxH[@SCALE][,mobile]|none] [--user-agent UA] [--color-scheme light|dark|none] [--network offline|slow-3g|fast-3g|none] [--cpu-throttling F] [--session N] [--json]", summary: "change what the page sees of its screen, network and CPU", run: runEmulate},
		{name: "cdp", usage: "cdp METHOD [JSON] [--session N] [--json]", summary: "send a raw CDP command to the session's page", run: runCDP},
		{name: "call", usage: "call METHOD [JSON] [--session N] [--json]", summary: "call a method of the session's worker (docs/PROTOCOL.md)", run: runCall},
		{name: "logs", usage: "logs [--follow] [--lines N] [--session N]", summary: "print the session worker's log", run: runLogs},
		{name: "doctor", usage: "doctor [--chrome PATH] [--json]", summary: "check what bdg-rpc needs (Chrome, BDG_HOME, sockets, sessions), each with what to do", run: runDoctor},
		{name: "cleanup", usage: "cleanup [--session N] [--json]", summary: "remove what dead workers left behind (never touches a live session)", run: runCleanup},
		{name: "mcp", usage: "mcp [--session N] [--chrome PATH] [--verbose]", summary: "serve the Model Context Protocol on stdio, for AI agents (docs/MCP.md)", run: runMCP},
		{name: "serve", usage: "serve [--listen PATH] [--log-file PATH] [--verbose]", summary: "run the JSON-RPC backend for editors (docs/PROTOCOL.md)", run: runServe},
		{name: "demo", usage: "demo [--seconds N] [--headed] [--session N]", summary: "watch a session on a built-in demo page for a few seconds (make demo)", run: runDemo},
		{name: "worker", usage: "worker", summary: "run a session worker (started by start; not for use by hand)", hidden: true, run: runWorker},
	}
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Main runs the command line of the process and returns its exit code.
func Main(b Build) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Build: b}
	return Run(ctx, env, os.Args[1:])
}

// Run runs the command line args and returns the exit code.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		printUsage(env.Stderr)
		return protocol.ExitInvalidArgs
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help":
		name = "help"
	case "-v", "--version":
		name = "version"
	}
	cmd := lookup(name)
	if cmd == nil {
		return report(env, usageErrorf("unknown command %q", name).WithHint("run 'bdg-rpc help' for the commands"))
	}
	for _, a := range rest {
		if a == "--json" || a == "-json" {
			env.jsonOutput = true
		}
	}
	err := cmd.run(ctx, env, rest)
	if err == nil {
		return protocol.ExitOK
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return protocol.ExitInterrupted
	}
	return report(env, err)
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "bdg-rpc gives editors and scripts live Chrome DevTools telemetry.\n\nUsage: bdg-rpc COMMAND [ARGS]\n\nCommands:\n")
	cmds := commands()
	sort.SliceStable(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		if !c.hidden {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\nRun 'bdg-rpc help COMMAND' for a command's flags, 'bdg-rpc help exit-codes' for exit codes,\n'bdg-rpc help filter' for the filter language. Every command takes --session NAME (default\n$BDG_SESSION or \"default\"); data lives in $BDG_HOME (default ~/.bdg).\n")
}

func runHelp(_ context.Context, env *Env, args []string) error {
	switch {
	case len(args) == 0:
		printUsage(env.Stdout)
		return nil
	case args[0] == "exit-codes":
		printExitCodes(env.Stdout)
		return nil
	case args[0] == "filter":
		fmt.Fprintf(env.Stdout, "The filter language of 'bdg-rpc network list --filter': %s\n\nExamples:\n  bdg-rpc network list --filter 'status-code:>=400'\n  bdg-rpc network list --filter 'method:POST mime:json'\n  bdg-rpc network list --filter 'is:failed -domain:*.cdn.example.com'\n", capture.FilterHelp)
		fmt.Fprintf(env.Stdout, "\nThe filter language of 'bdg-rpc console --filter': %s\n\nExamples:\n  bdg-rpc console --filter 'level:error -target:worker'\n  bdg-rpc console --filter 'timeout url:app.js'\n", capture.ConsoleFilterHelp)
		return nil
	}
	cmd := lookup(args[0])
	if cmd == nil {
		return usageErrorf("no help for %q", args[0]).WithHint("run 'bdg-rpc help' for the commands")
	}
	fmt.Fprintf(env.Stdout, "Usage: bdg-rpc %s\n\n%s%s.\n", cmd.usage, strings.ToUpper(cmd.summary[:1]), cmd.summary[1:])
	return nil
}
