package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// client is one connection to the backend, with its lifecycle and the
// sessions whose events it receives.
type client struct {
	srv     *Server
	log     *slog.Logger
	stream  *rpc.Stream
	conn    *jsonrpc2.Conn // set by serve, then connSet is closed
	connSet chan struct{}
	mux     *rpc.Mux
	h       *rpc.Handler

	mu          sync.Mutex
	initialized bool
	shutdown    bool
	exitCode    int
	exited      bool
	links       map[string]*link
	calls       sync.WaitGroup // calls in progress, that shutdown waits for
}

func newClient(s *Server, rwc io.ReadWriteCloser) *client {
	c := &client{srv: s, log: s.log, links: map[string]*link{}, connSet: make(chan struct{})}
	c.h = rpc.NewHandler(c.dispatch, c.log)
	c.stream = rpc.NewStream(rwc, rpc.WithLogger(s.log), rpc.BeforeEOF(c.h.Wait))
	c.mux = c.methods()
	return c
}

// serve runs the connection until the client goes away or exits.
func (c *client) serve(ctx context.Context) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The connection reads, and calls may run, before NewConn returns:
	// what they need of c.conn waits for connSet.
	c.conn = rpc.NewConn(ctx, c.stream, c.h, c.log)
	close(c.connSet)
	select {
	case <-c.conn.DisconnectNotify():
	case <-ctx.Done():
		c.conn.Close()
	}
	cancel()
	c.h.Wait()
	c.closeLinks()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exitCode
}

// dispatch enforces the lifecycle, then routes the call.
func (c *client) dispatch(ctx context.Context, call *rpc.Request) (any, error) {
	switch call.Method {
	case protocol.Initialize.Name:
		return c.initialize(call)
	case protocol.NotifyInitialized:
		return nil, nil
	case protocol.NotifyExit:
		c.mu.Lock()
		c.exited = true
		if !c.shutdown {
			c.exitCode = 1
		}
		c.mu.Unlock()
		call.Conn.Close() // handlers run off the read loop, so this is safe here
		return nil, nil
	}
	c.mu.Lock()
	initialized, shutdown := c.initialized, c.shutdown
	counted := initialized && !shutdown && !call.Notif && call.Method != protocol.Shutdown.Name
	if counted {
		c.calls.Add(1)
	}
	c.mu.Unlock()
	if counted && !rpc.AfterReply(ctx, c.calls.Done) { // done once its reply is written
		defer c.calls.Done()
	}
	if call.Notif {
		return nil, nil // unknown or premature notifications are ignored
	}
	if !initialized {
		return nil, rpc.NewError(protocol.CodeServerNotInitialized, "Server not initialized: call \"initialize\" first",
			"send initialize, then initialized, as in the Language Server Protocol")
	}
	if shutdown {
		return nil, rpc.NewError(protocol.CodeInvalidRequest, "Invalid Request: the server is shutting down; only \"exit\" is accepted",
			"send the exit notification, then start a new backend")
	}
	if call.Method == protocol.Shutdown.Name {
		c.mu.Lock()
		c.shutdown = true
		c.mu.Unlock()
		// Calls about sessions run concurrently (rpc.Async): shutdown
		// answers once those received before it have been answered, so
		// that an exit right after it loses none of their replies.
		c.calls.Wait()
		return nil, nil
	}
	return c.mux.Dispatch(ctx, call)
}

func (c *client) initialize(call *rpc.Request) (any, error) {
	var p protocol.InitializeParams
	if len(call.Params) > 0 {
		// Lenient: an LSP client sends much more than bdg-rpc reads.
		if err := json.Unmarshal(call.Params, &p); err != nil {
			return nil, rpc.InvalidParams(err.Error())
		}
	}
	if p.ProtocolVersion != "" && protocol.ProtocolMajor(p.ProtocolVersion) != protocol.ProtocolMajor(protocol.ProtocolVersion) {
		c.log.Warn("client refused: another protocol", "client", p.ClientInfo.Name, "protocol", p.ProtocolVersion)
		return nil, protocol.Errorf(protocol.InvalidArgs, "the client speaks protocol %s; this bdg-rpc %s speaks protocol %s",
			p.ProtocolVersion, protocol.Version, protocol.ProtocolVersion).
			WithHint("use a client and a bdg-rpc of the same release: update the one that is older (bdg-rpc version prints the binary's; the VS Code extension for your platform carries its own)")
	}
	c.mu.Lock()
	c.initialized = true
	c.mu.Unlock()
	c.log.Info("client initialized", "client", p.ClientInfo.Name, "version", p.ClientInfo.Version)
	return protocol.InitializeResult{
		ServerInfo:      protocol.ServerInfo{Name: "bdg-rpc", Version: protocol.Version},
		ProtocolVersion: protocol.ProtocolVersion,
		Capabilities:    protocol.BackendCapabilities(),
	}, nil
}

// notify sends a notification of the server's own.
func (c *client) notify(method string, params any) {
	<-c.connSet
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.log.Debug("could not notify the client", "method", method, "error", err)
	}
}

func (c *client) closeLinks() {
	c.mu.Lock()
	links := c.links
	c.links = map[string]*link{}
	c.mu.Unlock()
	for _, l := range links {
		l.close()
	}
}
