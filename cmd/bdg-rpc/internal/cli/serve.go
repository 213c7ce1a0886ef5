package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/server"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// runServe runs the JSON-RPC backend on stdio, or on a Unix socket.
func runServe(ctx context.Context, env *Env, args []string) error {
	// A client that vanishes mid-write makes writes fail with EPIPE, which
	// ends its connection; it must not kill the backend with SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	fs := newFlagSet("serve", env)
	listen := fs.String("listen", "", "serve clients on this Unix socket (mode 0600) instead of stdio")
	logFile := fs.String("log-file", "", "write the log here instead of stderr")
	verbose := fs.Bool("verbose", false, "log debug messages too")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	home, err := session.Home(env.Getenv)
	if err != nil {
		return protocol.Wrap(protocol.SessionFile, err)
	}
	var logw io.Writer = env.Stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return protocol.Errorf(protocol.SessionFile, "opening the log file: %v", err).WithCause(err)
		}
		defer f.Close()
		logw = f
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level})).With("pid", os.Getpid())
	srv := server.New(server.Config{Home: home, Log: log})
	if *listen != "" {
		if err := srv.Listen(ctx, *listen); err != nil {
			return err
		}
		return nil
	}
	// stdout carries nothing but the protocol.
	code := srv.ServeConn(ctx, rpc.StdioConn{In: os.Stdin, Out: os.Stdout})
	if code != 0 {
		return &exitStatus{code: code, msg: "exit without shutdown"}
	}
	return nil
}
