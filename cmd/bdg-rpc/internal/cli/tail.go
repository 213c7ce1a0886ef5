package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// runTail prints a session's events as they happen, one line each, until
// interrupted or the session ends.
func runTail(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("tail", env)
	since := sf.fs.Int64("since", -1, "replay the events after this seq first (0: all retained); default: only new events")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	f := newFormatter(env)
	lines := make(chan []byte, 4096)
	c, err := control.Connect(ctx, d, nil, nil, rpc.InterceptNotifications(func(_ string, frame []byte, _ bool) bool {
		select {
		case lines <- append([]byte(nil), frame...):
		case <-ctx.Done():
		}
		return true
	}))
	if err != nil {
		return err
	}
	defer c.Close()
	p := protocol.SubscribeParams{}
	if *since >= 0 {
		s := uint64(*since)
		p.Since = &s
	}
	if _, err := rpc.Call(ctx, c.Conn, protocol.Subscribe, p); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil // interrupted: the normal way to end a tail
		case <-c.Conn.DisconnectNotify():
			// Drain what arrived before the worker went away.
			for {
				select {
				case line := <-lines:
					if printEvent(env, f, sf.json, line) {
						return nil
					}
				default:
					return protocol.Errorf(protocol.NoSession, "the worker of session %q went away", d.Name).
						WithHint("bdg-rpc status shows what it left; bdg-rpc logs shows why")
				}
			}
		case line := <-lines:
			if printEvent(env, f, sf.json, line) {
				return nil
			}
		}
	}
}

// printEvent prints one notification line; it reports whether it was the
// session's last.
func printEvent(env *Env, f *formatter, asJSON bool, line []byte) bool {
	var n struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(line, &n) != nil {
		return false
	}
	if asJSON {
		fmt.Fprintf(env.Stdout, "{\"method\":%q,\"params\":%s}\n", n.Method, n.Params)
	} else {
		fmt.Fprintln(env.Stdout, f.event(n.Method, n.Params))
	}
	return n.Method == protocol.NotifyEnded
}
