package session

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
)

// Ask calls a method of the session's worker and returns its result. When
// no worker answers, the query methods (session/peek, network/list,
// network/get, console/list) are answered from the session's files by the
// same code the worker runs, marked stale with the file and its age
// (design review issue #5); other methods fail with no_session. Ask never
// starts anything.
func (d Dir) Ask(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	if alive, _ := d.WorkerAlive(); alive {
		c, err := d.Connect(ctx, nil, nil)
		if err == nil {
			defer c.Close()
			var res json.RawMessage
			err = c.Call(ctx, method, params, &res)
			if err == nil || KindOf(err) != protocol.KindNoSession {
				return res, err
			}
		}
	}
	answer, ok := offlineAnswers[method]
	if !ok {
		return nil, &Error{Kind: protocol.KindNoSession, Msg: fmt.Sprintf("no session %q is running", d.Name),
			Hint: "start one: bdg-rpc start URL"}
	}
	cp, stale, err := d.Offline()
	if err != nil {
		return nil, err
	}
	res, err := answer(cp, stale, params)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encoding the answer from %s: %w", stale.Source, err)
	}
	return b, nil
}

// offlineAnswers answer the query methods from a restored capture.
var offlineAnswers = map[string]func(*capture.Capture, protocol.Stale, json.RawMessage) (any, error){
	protocol.MethodPeek: offline(func(c *capture.Capture, p protocol.PeekParams) (protocol.PeekResult, error) {
		return c.Peek(p), nil
	}),
	protocol.MethodNetworkList: offline((*capture.Capture).NetworkList),
	protocol.MethodNetworkGet:  offline((*capture.Capture).NetworkGet),
	protocol.MethodConsoleList: offline(func(c *capture.Capture, p protocol.ConsoleListParams) (protocol.ConsoleListResult, error) {
		return c.ConsoleList(p), nil
	}),
}

// offline adapts a query of the capture to raw params and a stale answer.
func offline[P, R any, PR interface {
	*R
	SetStale(protocol.Stale)
}](answer func(*capture.Capture, P) (R, error)) func(*capture.Capture, protocol.Stale, json.RawMessage) (any, error) {
	return func(c *capture.Capture, st protocol.Stale, raw json.RawMessage) (any, error) {
		var p P
		if err := rpc.DecodeParams(raw, &p); err != nil {
			return nil, err
		}
		res, err := answer(c, p)
		PR(&res).SetStale(st)
		return res, err
	}
}
