package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/har"
	"github.com/bdg-rpc/bdg-rpc/session/redact"
)

// HAROptions say how WriteHAR exports.
type HAROptions struct {
	// KeepCredentials keeps Authorization, Cookie and token parameters,
	// which are redacted otherwise.
	KeepCredentials bool
	// Stale, if set, is told once that the answers come from the
	// session's files (its worker is not running).
	Stale func(protocol.Stale)
}

// harPage is how many requests, with their bodies, an export asks at a
// time: a page too large for a message is asked again at half the size.
const harPage = 20

// WriteHAR writes every request of the session, oldest first with the
// bodies captured, as a HAR 1.2 archive to w, and returns how many entries
// it wrote. The requests come a page at a time, each page's entries
// written before the next is asked: an archive of a day-long session is
// never held in memory. The command line and the MCP server export with it.
func WriteHAR(ctx context.Context, d session.Dir, w io.Writer, o HAROptions) (int, error) {
	st, _ := Status(ctx, d) // for the page's title; the export does without
	var navs []protocol.Navigation
	if out, _, _, _, err := d.ReadSummary(); err == nil {
		navs = out.Navigations
	}
	each := func(visit func(*protocol.NetworkRequest) bool) error {
		cursor, size, told := "", harPage, false
		for {
			params, err := json.Marshal(protocol.NetworkListParams{ListParams: protocol.ListParams{Limit: &size, Cursor: cursor, Order: protocol.OrderAsc}, Bodies: true})
			if err != nil {
				return err
			}
			raw, err := Ask(ctx, d, protocol.NetworkList.Name, params)
			if protocol.KindOf(err) == protocol.TooLarge && size > 1 {
				size = max(1, size/2)
				continue
			}
			if err != nil {
				return err
			}
			var res protocol.NetworkListResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return fmt.Errorf("decoding the answer to %s: %w", protocol.NetworkList.Name, err)
			}
			if !told && res.Stale.Stale && o.Stale != nil {
				o.Stale(res.Stale)
			}
			told = true
			for i := range res.Items {
				r := res.Items[i]
				if !o.KeepCredentials {
					r = redact.Request(r)
				}
				if !visit(&r) {
					return nil
				}
			}
			if res.NextCursor == "" {
				return nil
			}
			cursor = res.NextCursor
		}
	}
	return har.Write(w, each, navs, st.Target.Title)
}
