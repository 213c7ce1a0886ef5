// Package server is the JSON-RPC backend that editors spawn: "bdg-rpc
// serve". It speaks the protocol of docs/PROTOCOL.md to its clients (one on
// stdio, or several on a Unix socket), launches and joins session workers
// through package session, forwards each session's events to the clients
// that asked for them, and answers queries from the workers, or from their
// files when they are gone.
package server

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// Config configures a Server.
type Config struct {
	// Home is the bdg home ($BDG_HOME).
	Home string
	// Launcher starts workers.
	Launcher control.Launcher
	// Log receives the server's log; it never goes to a protocol stream.
	Log *slog.Logger
}

// Server serves clients. Each client has its own lifecycle and its own
// subscriptions; the sessions are shared.
type Server struct {
	cfg Config
	log *slog.Logger
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: cfg.Log}
}

// ServeConn serves one client on rwc until it sends "exit", disconnects, or
// ctx ends. It returns the exit status the client asked for: 0 after
// "shutdown" then "exit", 1 for "exit" without "shutdown", and 0 when the
// client just went away. Sessions the client started keep running.
func (s *Server) ServeConn(ctx context.Context, rwc io.ReadWriteCloser) int {
	c := newClient(s, rwc)
	return c.serve(ctx)
}

// Listen serves clients on a Unix socket at path (mode 0600, other users
// refused) until ctx ends, then removes the socket.
func (s *Server) Listen(ctx context.Context, path string) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return fmt.Errorf("another server already listens on %s", path)
		}
		_ = os.Remove(path) // a stale socket
	}
	old := unix.Umask(0o177)
	ln, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o600)
	s.log.Info("listening", "socket", path)

	ctx, cancel := context.WithCancel(ctx)
	a := &rpc.Acceptor{Log: s.log, Serve: func(nc net.Conn) {
		code := s.ServeConn(ctx, nc)
		s.log.Info("client gone", "exit", code)
	}}
	defer func() {
		cancel()
		ln.Close()
		a.Wait()
	}()
	go func() { // closes the listener when ctx ends; owned by Listen
		<-ctx.Done()
		ln.Close()
	}()
	return a.Accept(ctx, ln)
}
