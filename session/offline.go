package session

import (
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
)

// Offline returns the session's capture as its files hold it, for a reader
// whose worker is gone (design review issue #5): the same queries answer
// from it, marked stale with the file and its age.
func (d Dir) Offline() (*capture.Capture, protocol.Stale, error) {
	out, path, age, err := d.ReadOutput()
	if err != nil {
		return nil, protocol.Stale{}, &Error{Kind: protocol.KindNoSession, Err: err,
			Msg:  err.Error(),
			Hint: "start a session: bdg-rpc start URL"}
	}
	if out.Session == "" {
		out.Session = d.Name
	}
	return capture.Restore(out), protocol.Stale{Stale: true, DataAgeMs: age.Milliseconds(), Source: path}, nil
}
