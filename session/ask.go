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
	protocol.MethodPeek: func(c *capture.Capture, st protocol.Stale, raw json.RawMessage) (any, error) {
		var p protocol.PeekParams
		if err := rpc.DecodeParams(raw, &p); err != nil {
			return nil, err
		}
		res := c.Peek(p)
		res.Stale = st
		return res, nil
	},
	protocol.MethodNetworkList: func(c *capture.Capture, st protocol.Stale, raw json.RawMessage) (any, error) {
		var p protocol.NetworkListParams
		if err := rpc.DecodeParams(raw, &p); err != nil {
			return nil, err
		}
		res, err := c.NetworkList(p)
		res.Stale = st
		return res, err
	},
	protocol.MethodNetworkGet: func(c *capture.Capture, st protocol.Stale, raw json.RawMessage) (any, error) {
		var p protocol.NetworkGetParams
		if err := rpc.DecodeParams(raw, &p); err != nil {
			return nil, err
		}
		res, err := c.NetworkGet(p)
		res.Stale = st
		return res, err
	},
	protocol.MethodConsoleList: func(c *capture.Capture, st protocol.Stale, raw json.RawMessage) (any, error) {
		var p protocol.ConsoleListParams
		if err := rpc.DecodeParams(raw, &p); err != nil {
			return nil, err
		}
		res := c.ConsoleList(p)
		res.Stale = st
		return res, nil
	},
}
