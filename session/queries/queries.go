// Package queries answers the query methods of the protocol (session/peek,
// network/list, network/get, console/list) from a capture: a worker from its
// live capture, and a reader whose worker is gone from one restored from
// the session's file (design review issue #5), by the same code.
package queries

import (
	"context"
	"slices"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/lines"
)

// Register registers the query methods on mux, answered from c. Every
// answer carries stale: the zero value for a live capture, the file and its
// age for a restored one. network/get with bodyFile writes the body into
// the directory bodies (the session's BodiesDir).
func Register(mux *rpc.Mux, c *capture.Capture, stale protocol.Stale, bodies string) {
	rpc.Handle(mux, protocol.Peek, func(_ context.Context, p protocol.PeekParams) (protocol.PeekResult, error) {
		res, err := peek(c, p)
		res.Stale = stale
		return res, err
	})
	rpc.Handle(mux, protocol.NetworkList, func(_ context.Context, p protocol.NetworkListParams) (protocol.NetworkListResult, error) {
		keep, err := capture.ParseFilter(p.Filter)
		if err != nil {
			return protocol.NetworkListResult{}, filterError(err, capture.FilterHelp)
		}
		res, err := c.NetworkList(scope(p.ListParams, nil), keep, p.Filter, capture.PageOf(p.ListParams), p.Bodies && !p.Brief)
		if err != nil {
			return res, journalError(err)
		}
		switch {
		case p.Format == protocol.FormatLines:
			var b []byte
			for i := range res.Items {
				b = lines.Request(b, &res.Items[i])
			}
			res.Items, res.Lines = []protocol.NetworkRequest{}, string(b)
		case p.Brief:
			for i := range res.Items {
				res.Items[i] = res.Items[i].Brief()
			}
		}
		res.Stale = stale
		return res, nil
	})
	rpc.Handle(mux, protocol.NetworkGet, func(_ context.Context, p protocol.NetworkGetParams) (protocol.NetworkGetResult, error) {
		r, ok, err := c.Request(p.RequestID, p.Body || p.BodyFile)
		if err != nil {
			return protocol.NetworkGetResult{}, journalError(err)
		}
		if !ok {
			return protocol.NetworkGetResult{}, protocol.Errorf(protocol.NotFound, "no request %q in session %q", p.RequestID, c.Options().Session).
				WithHint("list the requests with their ids: bdg-rpc network list")
		}
		res := protocol.NetworkGetResult{Request: r, Stale: stale}
		if p.BodyFile && r.ResponseBody != "" {
			path, err := writeBodyFile(bodies, &r)
			if err != nil {
				return protocol.NetworkGetResult{}, err
			}
			res.BodyFile = path
			if !p.Body {
				res.Request.ResponseBody, res.Request.Base64Encoded = "", false
			}
		}
		return res, nil
	})
	// Its own encoder: 10,000 messages are megabytes, which encoding/json
	// takes several times longer to write.
	rpc.HandleEncoded(mux, protocol.ConsoleList, func(_ context.Context, p protocol.ConsoleListParams) (protocol.ConsoleListResult, error) {
		keep, err := capture.ParseConsoleFilter(p.Filter)
		if err != nil {
			return protocol.ConsoleListResult{}, filterError(err, capture.ConsoleFilterHelp)
		}
		if p.Format == protocol.FormatLines {
			msgs, page, err := c.ConsolePage(scope(p.ListParams, p.Levels), keep, p.Filter, capture.PageOf(p.ListParams))
			if err != nil {
				return protocol.ConsoleListResult{}, journalError(err)
			}
			need := 0
			for _, m := range msgs {
				need += 32 + min(len(m.Text), lines.TextCut+24)
			}
			b := make([]byte, 0, need+need/4) // places, when they change
			var cl lines.Console
			for _, m := range msgs {
				b = cl.Append(b, m)
			}
			return protocol.ConsoleListResult{Items: []protocol.ConsoleMessage{}, Lines: string(b), ListPage: page, Stale: stale}, nil
		}
		res, err := c.ConsoleList(scope(p.ListParams, p.Levels), keep, p.Filter, capture.PageOf(p.ListParams))
		if err != nil {
			return res, journalError(err)
		}
		if p.Brief {
			for i := range res.Items {
				res.Items[i] = res.Items[i].Brief()
			}
		}
		res.Stale = stale
		return res, nil
	}, wire.ConsoleList)
}

// scope takes a list's params, its target selector read.
func scope(p protocol.ListParams, levels []string) capture.Scope {
	sc := capture.ScopeOf(p, levels)
	sc.Target = capture.ParseTarget(sc.Target)
	return sc
}

// filterError is the error of a filter that does not parse, with the
// language as its hint.
func filterError(err error, help string) error {
	return rpc.NewError(protocol.CodeInvalidParams, "Invalid params: "+err.Error(), "the filter language: "+help)
}

// peek answers session/peek: the newest items of each kind asked for.
func peek(c *capture.Capture, p protocol.PeekParams) (protocol.PeekResult, error) {
	last := p.Last
	if last == 0 {
		last = protocol.DefaultPeekLast
	}
	st := c.State()
	res := protocol.PeekResult{Network: []protocol.NetworkRequest{}, Console: []protocol.ConsoleMessage{},
		Counts: st.Counts, Dropped: st.Dropped, LastSeq: st.LastSeq}
	if len(p.Kinds) == 0 || slices.Contains(p.Kinds, protocol.PeekNetwork) {
		reqs, _, err := c.Requests(last, 0, nil, false)
		if err != nil {
			return res, journalError(err)
		}
		res.Network = reqs
	}
	if len(p.Kinds) == 0 || slices.Contains(p.Kinds, protocol.PeekConsole) {
		msgs, _, err := c.Console(last, 0, nil)
		if err != nil {
			return res, journalError(err)
		}
		res.Console = msgs
	}
	return res, nil
}

// journalError is the error of a list that could not read the session's
// journal.
func journalError(err error) error {
	return protocol.Wrap(protocol.SessionFile, err).WithHint("the session's journal is in its directory (bdg-rpc status shows it); check the disk, and the worker's log: bdg-rpc logs")
}
