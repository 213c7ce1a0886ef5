package server

import (
	"context"
	"encoding/json"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

func (c *client) methods() *rpc.Mux {
	m := rpc.NewMux()
	m.Handle(protocol.MethodStart, rpc.Typed(c.start))
	m.Handle(protocol.MethodAttach, rpc.Typed(c.attachMethod))
	m.Handle(protocol.MethodStop, rpc.Typed(c.stop))
	m.Handle(protocol.MethodStatus, rpc.Typed(c.status))
	m.Handle(protocol.MethodList, rpc.Typed(c.list))
	for method := range passThroughParams {
		m.Handle(method, c.passThrough)
	}
	return m
}

// dir resolves a session name (default "default") to its directory.
func (c *client) dir(name string) (session.Dir, error) {
	if name == "" {
		name = session.DefaultName
	}
	if err := session.CheckHome(c.srv.cfg.Home); err != nil {
		return session.Dir{}, rpcError(err)
	}
	d, err := session.NewDir(c.srv.cfg.Home, name)
	if err != nil {
		return d, protocol.NewError(protocol.KindInvalidArgs, err.Error(),
			"session names are 1-64 letters, digits, '.', '_' or '-', like default or my-app")
	}
	return d, nil
}

// rpcError turns an error of package session into a JSON-RPC error.
func rpcError(err error) error { return session.RPCError(err) }

func (c *client) start(ctx context.Context, _ *rpc.Call, p protocol.StartParams) (protocol.StartResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.StartResult{}, err
	}
	if p.URL != "" || (p.BrowserURL == "" && p.WSURL == "") {
		if _, err := session.NormalizeURL(p.URL); err != nil {
			return protocol.StartResult{}, protocol.NewError(protocol.KindInvalidURL, err.Error(), "")
		}
	}
	rpc.Async(ctx) // the rest takes a while: let the client's next calls proceed
	opts := session.Options{
		Session: d.Name, Home: d.Home, URL: p.URL, Headless: p.Headless, BrowserURL: p.BrowserURL, WSURL: p.WSURL,
		ChromePath: p.ChromePath, MaxBodyBytes: p.MaxBodyBytes, IncludeAll: p.IncludeAll, TimeoutSeconds: p.TimeoutSeconds,
	}
	token := "start/" + d.Name
	c.notify(protocol.NotifyProgress, protocol.ProgressParams{Token: token, Session: d.Name, Kind: "begin", Title: "Starting session " + d.Name})
	launcher := c.srv.cfg.Launcher
	launcher.Progress = func(step string) {
		c.notify(protocol.NotifyProgress, protocol.ProgressParams{Token: token, Session: d.Name, Kind: "report", Message: step})
	}
	w, err := launcher.Start(ctx, opts)
	if err != nil {
		c.notify(protocol.NotifyProgress, protocol.ProgressParams{Token: token, Session: d.Name, Kind: "end", Message: "failed"})
		return protocol.StartResult{}, rpcError(err)
	}
	c.notify(protocol.NotifyProgress, protocol.ProgressParams{Token: token, Session: d.Name, Kind: "end"})
	since := uint64(0)
	// Events from the first on: none happens before the subscription that
	// the client would miss.
	if _, err := c.attach(context.WithoutCancel(ctx), d, &since); err != nil {
		return protocol.StartResult{}, rpcError(err)
	}
	hs := w.Handshake
	launched := hs.Chrome.PID != 0
	headless := true
	if p.Headless != nil {
		headless = *p.Headless
	}
	return protocol.StartResult{
		Session: d.Name, PID: hs.PID, SocketPath: hs.SocketPath, Target: hs.Target,
		Chrome: protocol.Chrome{PID: hs.Chrome.PID, Version: hs.Chrome.Version, Launched: launched, Headless: headless && launched},
	}, nil
}

func (c *client) attachMethod(ctx context.Context, _ *rpc.Call, p protocol.AttachParams) (protocol.AttachResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.AttachResult{}, err
	}
	res, err := c.attach(ctx, d, p.Since)
	if err != nil {
		return protocol.AttachResult{}, rpcError(err)
	}
	st, err := d.Status(ctx)
	if err != nil {
		return protocol.AttachResult{}, rpcError(err)
	}
	return protocol.AttachResult{Status: st, OldestSeq: res.OldestSeq}, nil
}

func (c *client) stop(ctx context.Context, _ *rpc.Call, p protocol.StopParams) (protocol.StopResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.StopResult{}, err
	}
	if alive, _ := d.WorkerAlive(); !alive {
		return protocol.StopResult{}, rpcError(session.NoSession(d))
	}
	rpc.Async(ctx)
	res, err := d.Stop(ctx)
	return res, rpcError(err)
}

func (c *client) status(ctx context.Context, _ *rpc.Call, p protocol.StatusParams) (protocol.StatusResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.StatusResult{}, err
	}
	st, err := d.Status(ctx)
	return st, rpcError(err)
}

func (c *client) list(ctx context.Context, _ *rpc.Call, _ struct{}) (protocol.ListResult, error) {
	names, err := session.List(c.srv.cfg.Home)
	if err != nil {
		return protocol.ListResult{}, protocol.NewError(protocol.KindSessionFile, err.Error(), "")
	}
	res := protocol.ListResult{Sessions: []protocol.StatusResult{}}
	for _, name := range names {
		d, err := c.dir(name)
		if err != nil {
			continue
		}
		st, err := d.Status(ctx)
		if err != nil {
			if session.KindOf(err) == protocol.KindNoSession {
				continue // a directory without a worker or data: nothing to show
			}
			st = protocol.StatusResult{Session: name, State: protocol.StateStale}
		}
		res.Sessions = append(res.Sessions, st)
	}
	return res, nil
}

// passThroughParams checks the params of each method passed through to
// workers and returns the session they name.
var passThroughParams = map[string]func(json.RawMessage) (string, error){
	protocol.MethodPeek:        sessionParam(func(p *protocol.PeekParams) string { return p.Session }),
	protocol.MethodNetworkList: sessionParam(func(p *protocol.NetworkListParams) string { return p.Session }),
	protocol.MethodNetworkGet:  sessionParam(func(p *protocol.NetworkGetParams) string { return p.Session }),
	protocol.MethodConsoleList: sessionParam(func(p *protocol.ConsoleListParams) string { return p.Session }),
	protocol.MethodCDPSend:     sessionParam(func(p *protocol.CDPSendParams) string { return p.Session }),
}

// sessionParam decodes params of type P strictly and returns their session.
func sessionParam[P any](session func(*P) string) func(json.RawMessage) (string, error) {
	return func(raw json.RawMessage) (string, error) {
		var p P
		if err := rpc.DecodeParams(raw, &p); err != nil {
			return "", err
		}
		return session(&p), nil
	}
}

// passThrough gives a query to the session's worker, or, when it is gone,
// answers it from the session's files (session.Dir.Ask). The params are
// checked here first, so that a bad call gets -32602 whether or not the
// worker runs.
func (c *client) passThrough(ctx context.Context, call *rpc.Call) (any, error) {
	name, err := passThroughParams[call.Method](call.Params)
	if err != nil {
		return nil, err
	}
	d, err := c.dir(name)
	if err != nil {
		return nil, err
	}
	rpc.Async(ctx) // the worker answers; a slow answer (cdp/send) must not hold up the next call
	res, err := d.Ask(ctx, call.Method, call.Params)
	return res, rpcError(err)
}
