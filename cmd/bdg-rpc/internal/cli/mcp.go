package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/server/mcp"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// runMCP serves the Model Context Protocol on stdio (server/mcp, docs/MCP.md):
// stdout carries only the protocol; diagnostics go to stderr.
func runMCP(ctx context.Context, env *Env, args []string) error {
	signal.Ignore(syscall.SIGPIPE) // a client that goes mid-write ends the server, not with a signal
	sf := newSessionFlags("mcp", env)
	chrome := sf.fs.String("chrome", "", "Chrome binary of the sessions it starts (default $BDG_CHROME, else chromium or google-chrome on PATH)")
	verbose := sf.fs.Bool("verbose", false, "log the server's activity to stderr")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	home, err := session.Home(env.Getenv)
	if err != nil {
		return protocol.Wrap(protocol.SessionFile, err)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	// stdout carries nothing but the protocol, as serve's.
	return mcp.Run(ctx, mcp.Options{Home: home, Session: d.Name, Version: protocol.Version, Chrome: *chrome, Log: log}, os.Stdin, os.Stdout)
}
