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
	mf := addMapFlags(sf.fs)
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	f := newFormatter(env)
	maps := mf.resolver(env, d)
	if sf.json {
		maps.off = true // the events as they are
	}
	show := func(line []byte) bool { return printEvent(ctx, env, f, maps, sf.json, line) }
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
					if show(line) {
						return nil
					}
				default:
					return protocol.Errorf(protocol.NoSession, "the worker of session %q went away", d.Name).
						WithHint("bdg-rpc status shows what it left; bdg-rpc logs shows why")
				}
			}
		case line := <-lines:
			if show(line) {
				return nil
			}
		}
	}
}

// printEvent prints one notification line, a console message at its
// original place where its script has a source map (each place asked of
// the worker once); it reports whether it was the session's last.
func printEvent(ctx context.Context, env *Env, f *formatter, maps *sourceResolver, asJSON bool, line []byte) bool {
	var n struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(line, &n) != nil {
		return false
	}
	switch {
	case asJSON:
		fmt.Fprintf(env.Stdout, "{\"method\":%q,\"params\":%s}\n", n.Method, n.Params)
	case n.Method == protocol.NotifyConsole && !maps.off:
		var ev protocol.ConsoleEvent
		_ = json.Unmarshal(n.Params, &ev)
		ref := messageRef(&ev.Message)
		maps.resolve(ctx, []protocol.SourceRef{ref})
		fmt.Fprintln(env.Stdout, f.console(ev.Message, targetTag, maps.placeOf(maps.original(ref))))
	default:
		fmt.Fprintln(env.Stdout, f.event(n.Method, n.Params))
	}
	return n.Method == protocol.NotifyEnded
}
