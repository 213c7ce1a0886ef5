package server

import (
	"context"
	"os"
	"reflect"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// methods registers the backend's methods: its own, and every method the
// table marks Routed, passed through to the session's worker.
func (c *client) methods() *rpc.Mux {
	m := rpc.NewMux()
	rpc.Handle(m, protocol.Start, c.start)
	rpc.Handle(m, protocol.Attach, c.attachMethod)
	rpc.Handle(m, protocol.Stop, c.stop)
	rpc.Handle(m, protocol.Status, c.status)
	rpc.Handle(m, protocol.List, c.list)
	rpc.Handle(m, protocol.Tabs, c.tabs)
	for _, method := range protocol.Methods {
		if method.Routed && method.On&protocol.Backend != 0 {
			m.Handle(method.Name, c.passThrough(method))
		}
	}
	return m
}

// dir resolves a session name (default "default") to its directory.
func (c *client) dir(name string) (session.Dir, error) {
	if name == "" {
		name = session.DefaultName
	}
	if err := session.CheckHome(c.srv.cfg.Home); err != nil {
		return session.Dir{}, err
	}
	return session.NewDir(c.srv.cfg.Home, name)
}

func (c *client) start(ctx context.Context, p protocol.StartParams) (protocol.StartResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.StartResult{}, err
	}
	if p.URL != "" || !p.Attaching(p.BrowserURL, p.WSURL) {
		if _, err := session.NormalizeURL(p.URL); err != nil {
			return protocol.StartResult{}, err
		}
	}
	rpc.Async(ctx) // the rest takes a while: let the client's next calls proceed
	opts := session.Options{
		Session: d.Name, Home: d.Home, URL: p.URL, Headless: p.Headless, BrowserURL: p.BrowserURL, WSURL: p.WSURL, AttachOptions: p.AttachOptions,
		ChromePath: p.ChromePath, MaxBodyBytes: p.MaxBodyBytes, Limits: p.Limits, IncludeAll: p.IncludeAll, NoRedact: p.NoRedact, TimeoutSeconds: p.TimeoutSeconds,
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
		return protocol.StartResult{}, err
	}
	c.notify(protocol.NotifyProgress, protocol.ProgressParams{Token: token, Session: d.Name, Kind: "end"})
	since := uint64(0)
	// Events from the first on: none happens before the subscription that
	// the client would miss.
	sub, err := c.attach(context.WithoutCancel(ctx), d, &since, "")
	if err != nil {
		return protocol.StartResult{}, err
	}
	hs := w.Handshake
	return protocol.StartResult{Session: d.Name, PID: hs.PID, SocketPath: hs.SocketPath, Target: hs.Target, Chrome: hs.Chrome,
		Epoch: sub.Epoch, Attach: hs.Attach}, nil
}

func (c *client) attachMethod(ctx context.Context, p protocol.AttachParams) (protocol.AttachResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.AttachResult{}, err
	}
	rpc.Async(ctx) // a slow worker must not hold up calls about other sessions
	res, err := c.attach(ctx, d, p.Since, p.Epoch)
	if err != nil {
		return protocol.AttachResult{}, err
	}
	st, err := control.Status(ctx, d)
	if err != nil {
		return protocol.AttachResult{}, err
	}
	return protocol.AttachResult{Status: st, OldestSeq: res.OldestSeq, Epoch: res.Epoch, Reset: res.Reset}, nil
}

func (c *client) stop(ctx context.Context, p protocol.StopParams) (protocol.StopResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.StopResult{}, err
	}
	if alive, _ := d.WorkerAlive(); !alive {
		return protocol.StopResult{}, control.NoSession(d)
	}
	rpc.Async(ctx)
	return control.StopWith(ctx, d, p)
}

func (c *client) status(ctx context.Context, p protocol.StatusParams) (protocol.StatusResult, error) {
	d, err := c.dir(p.Session)
	if err != nil {
		return protocol.StatusResult{}, err
	}
	rpc.Async(ctx) // a slow worker must not hold up calls about other sessions
	return control.Status(ctx, d)
}

func (c *client) tabs(ctx context.Context, p protocol.TabsParams) (protocol.TabsResult, error) {
	rpc.Async(ctx) // it dials a browser
	return control.Tabs(ctx, c.srv.cfg.Home, p, os.Getenv)
}

func (c *client) list(ctx context.Context, _ protocol.None) (protocol.ListResult, error) {
	rpc.Async(ctx)
	sessions, err := control.List(ctx, c.srv.cfg.Home)
	return protocol.ListResult{Sessions: sessions}, err
}

// passThrough gives a call of a routed method to the worker of the session
// its params name, or, when it is gone, answers it from the session's
// files (control.Ask). The params are checked here first, so that a bad
// call gets -32602 whether or not the worker runs.
func (c *client) passThrough(m protocol.MethodInfo) rpc.HandlerFunc {
	return func(ctx context.Context, r *rpc.Request) (any, error) {
		p := reflect.New(m.Params)
		if err := rpc.DecodeParams(r.Params, p.Interface()); err != nil {
			return nil, err
		}
		d, err := c.dir(p.Elem().Interface().(protocol.SessionNamer).SessionName())
		if err != nil {
			return nil, err
		}
		rpc.Async(ctx) // the worker answers; a slow answer (cdp/send) must not hold up the next call
		// The worker's reply goes on as the bytes it wrote, as they arrive
		// (issue 14): decoding and encoding it again was most of serve's
		// time on a large list.
		return control.AskForward(ctx, d, r.Method, r.Params)
	}
}
