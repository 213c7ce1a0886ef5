// Package mcp is bdg-rpc's Model Context Protocol server (bdg-rpc mcp):
// tools for AI agents, over newline-delimited JSON-RPC on stdio, built on
// the official Go SDK. Each tool is a thin layer over a method of the one
// method table (rpc/protocol), asked of a session's worker through
// session/control as the command line asks it: an agent sees the sessions
// the editor and the command line see, served by the same workers, with the
// same seq numbers.
//
// Every result is compact text an LLM reads well, with the structured JSON
// beside it; every list says how many records matched, how many it
// returns, how many the session dropped, and how to get the rest. A tool
// that fails answers isError with the error and its hint, never a crash.
package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// Options configure the server.
type Options struct {
	// Home is BDG_HOME, where the sessions are.
	Home string
	// Session is the session a tool acts on when it names none.
	Session string
	// Version is bdg-rpc's, told to clients.
	Version string
	// Chrome is the browser new sessions launch ("": found as the command
	// line finds it).
	Chrome string
	// Log receives the server's own diagnostics (never stdout).
	Log *slog.Logger
}

// instructions are told to clients at initialize.
const instructions = `bdg-rpc captures a Chrome page's console and network activity in sessions that keep every record (or count what their bounds drop). ` +
	`Start one with start_session (a URL, or attach to a running Chrome), then list_console_messages and list_network_requests (filter language: "bdg-rpc help filter"), ` +
	`get_network_request for headers and bodies, evaluate, screenshot, navigate and reload to drive the page. Sessions are shared: the one a person watches in their editor (usually "default") is the one you see.`

// New returns the server with bdg-rpc's tools.
func New(o Options) *sdk.Server {
	if o.Session == "" {
		o.Session = "default"
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "bdg-rpc", Title: "bdg-rpc: Chrome DevTools telemetry", Version: o.Version},
		&sdk.ServerOptions{Instructions: instructions, Logger: o.Log})
	t := &tools{o: o}
	t.add(s)
	t.addDrive(s)
	return s
}

// Run serves one client over r and w until it goes or ctx ends.
func Run(ctx context.Context, o Options, r io.ReadCloser, w io.WriteCloser) error {
	err := New(o).Run(ctx, &sdk.IOTransport{Reader: r, Writer: w})
	if err != nil && (errors.Is(err, io.EOF) || ctx.Err() != nil) {
		return nil // the client went: the normal end
	}
	return err
}

// tools holds what the tools share.
type tools struct {
	o       Options
	current chosen // the session attach_session or start_session chose
}

// dir is the directory of the session named name, or of the default one.
func (t *tools) dir(name string) (session.Dir, error) {
	if name == "" {
		name = t.o.Session
	}
	return session.NewDir(t.o.Home, name)
}

// call asks a method of a session's worker (or of its files, for the
// queries that can be answered offline).
func call[P, R any](ctx context.Context, d session.Dir, m rpc.Spec[P, R], params P) (R, error) {
	var result R
	raw, err := json.Marshal(params)
	if err != nil {
		return result, fmt.Errorf("encoding the params of %s: %w", m.MethodName(), err)
	}
	res, err := control.Ask(ctx, d, m.MethodName(), raw)
	if err != nil {
		return result, err
	}
	// jsonv2: a list of 10,000 records is 3.5 MB, which encoding/json
	// decodes in 59 ms and jsonv2 in a fraction of it.
	if err := jsonv2.Unmarshal(res, &result, jsonv2.AllowInvalidUTF8(true)); err != nil {
		return result, fmt.Errorf("decoding the answer to %s: %w", m.MethodName(), err)
	}
	return result, nil
}

// failure is a tool's error result: the error, its kind and its hint, for
// the model to read and act on.
func failure(err error) *sdk.CallToolResult {
	text := "Error: " + err.Error()
	var pe *protocol.Error
	if errors.As(err, &pe) {
		kind := pe.Kind
		if kind == "" && pe.Code == protocol.CodeInvalidParams {
			kind = protocol.InvalidArgs // the worker's check of the params
		}
		text = "Error: " + pe.Message
		if kind != "" {
			text = fmt.Sprintf("Error (%s): %s", kind, pe.Message)
		}
		if pe.Hint != "" {
			text += "\nHint: " + pe.Hint
		}
	}
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: text}}}
}

// result is a tool's answer: text for the model, and the structured value.
func result(text string, structured any) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}, StructuredContent: structured}
}
