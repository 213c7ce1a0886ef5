package cli

import (
	"context"
	"strconv"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// A list can be larger than one reply may be (the frame limit, 64 MiB: ten
// thousand console messages of 64 KiB, or a few large response bodies). The
// command line fetches lists in pages, newest first, with last and offset,
// and halves a page that is still too large (too_large), so that every
// list the session holds can be printed or exported whatever its size.

// pager fetches one list of a session in pages.
type pager[P, R, T any] struct {
	method rpc.Spec[P, R]
	params func(last, offset int) P // the params of a page
	items  func(R) ([]T, int)       // a page's items (oldest first) and the total
	key    func(T) string           // identifies an item across pages
	size   int                      // items per page to begin with
}

// fetch returns the newest want items after skipping offset (want 0: all),
// oldest first, and how many matched in all. Items that arrive between two
// pages shift the later pages toward older ones: an item seen twice is kept
// once. A stale answer is announced once.
func (pg pager[P, R, T]) fetch(ctx context.Context, env *Env, d session.Dir, want, offset int) ([]T, int, error) {
	var pages [][]T
	seen := map[string]bool{}
	got, total, size, asked := 0, 0, pg.size, false
	for {
		n := size
		if want > 0 {
			n = min(size, want-got)
		}
		res, err := askQuiet(ctx, env, d, pg.method, pg.params(n, offset), &asked)
		if protocol.KindOf(err) == protocol.TooLarge && size > 1 {
			size = max(1, size/2)
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		items, t := pg.items(res)
		total = t
		var fresh []T
		for _, it := range items {
			if k := pg.key(it); !seen[k] {
				seen[k] = true
				fresh = append(fresh, it)
			}
		}
		pages = append(pages, fresh)
		got += len(fresh)
		offset += len(items)
		if len(items) < n || offset >= total || (want > 0 && got >= want) {
			break
		}
	}
	out := make([]T, 0, got)
	for i := len(pages) - 1; i >= 0; i-- { // the oldest page first
		out = append(out, pages[i]...)
	}
	return out, total, nil
}

// askQuiet is ask that announces a stale answer for the first page only.
func askQuiet[P, R any](ctx context.Context, env *Env, d session.Dir, m rpc.Spec[P, R], params P, asked *bool) (R, error) {
	quiet := *env
	if *asked {
		quiet.Stderr = discard{}
	}
	*asked = true
	return ask(ctx, &quiet, d, m, params)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// requestPager pages network/list: 200 requests a page, 20 with their
// bodies.
func requestPager(filter string, bodies bool) pager[protocol.NetworkListParams, protocol.NetworkListResult, protocol.NetworkRequest] {
	size := 200
	if bodies {
		size = 20
	}
	return pager[protocol.NetworkListParams, protocol.NetworkListResult, protocol.NetworkRequest]{
		method: protocol.NetworkList, size: size,
		params: func(last, offset int) protocol.NetworkListParams {
			return protocol.NetworkListParams{LastParams: protocol.LastParams{Last: last, Offset: offset}, Filter: filter, Bodies: bodies}
		},
		items: func(r protocol.NetworkListResult) ([]protocol.NetworkRequest, int) { return r.Requests, r.Total },
		key:   func(r protocol.NetworkRequest) string { return r.RequestID },
	}
}

// consolePager pages console/list: 1,000 messages a page.
func consolePager(levels []string) pager[protocol.ConsoleListParams, protocol.ConsoleListResult, protocol.ConsoleMessage] {
	return pager[protocol.ConsoleListParams, protocol.ConsoleListResult, protocol.ConsoleMessage]{
		method: protocol.ConsoleList, size: 1000,
		params: func(last, offset int) protocol.ConsoleListParams {
			return protocol.ConsoleListParams{LastParams: protocol.LastParams{Last: last, Offset: offset}, Levels: levels}
		},
		items: func(r protocol.ConsoleListResult) ([]protocol.ConsoleMessage, int) { return r.Messages, r.Total },
		key:   func(m protocol.ConsoleMessage) string { return strconv.FormatUint(m.Seq, 10) },
	}
}
