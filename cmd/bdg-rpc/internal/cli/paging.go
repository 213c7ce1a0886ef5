package cli

import (
	"context"
	"slices"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// A list can be larger than one reply may be (the frame limit, 64 MiB: ten
// thousand console messages of 64 KiB, or a few large response bodies). The
// command line walks a list newest first with cursors, in pages, and
// halves a page that is still too large (too_large), so that every list
// the session holds can be printed or exported whatever its size. A
// cursor walk neither skips nor repeats a record while the page goes on
// logging.

// pager fetches one list of a session in pages.
type pager[P, R, T any] struct {
	method rpc.Spec[P, R]
	params func(limit int, cursor string) P // the params of a page, newest first
	page   func(R) ([]T, protocol.ListPage) // a page's items and counts
	size   int                              // items per page to begin with
}

// fetch returns the newest want items after skipping offset of the newest
// (want 0: all), oldest first, and the counts of the first page's answer.
// A stale answer is announced once.
func (pg pager[P, R, T]) fetch(ctx context.Context, env *Env, d session.Dir, want, offset int) ([]T, protocol.ListPage, error) {
	var items []T // newest first
	var counts protocol.ListPage
	need, first := 0, true
	if want > 0 {
		need = want + offset
	}
	limit := func(size int) int {
		if need > 0 {
			return min(size, need-len(items))
		}
		return size
	}
	err := pg.walk(ctx, env, d, pg.params, limit, func(got []T, lp protocol.ListPage) bool {
		if first {
			counts, first = lp, false
		}
		items = append(items, got...)
		return need == 0 || len(items) < need
	})
	if err != nil {
		return nil, counts, err
	}
	if offset >= len(items) {
		return []T{}, counts, nil
	}
	items = items[offset:]
	if want > 0 && len(items) > want {
		items = items[:want]
	}
	slices.Reverse(items)
	return items, counts, nil
}

// walk asks the list a page at a time from its start, params making a
// page's params and limit its size from the pager's, and calls visit with
// each page until visit returns false or no page follows. A page too large
// for a message is asked again at half the size. A stale answer is
// announced once.
func (pg pager[P, R, T]) walk(ctx context.Context, env *Env, d session.Dir, params func(limit int, cursor string) P,
	limit func(size int) int, visit func([]T, protocol.ListPage) bool) error {
	cursor, size, asked := "", pg.size, false
	for {
		res, err := askQuiet(ctx, env, d, pg.method, params(limit(size), cursor), &asked)
		if protocol.KindOf(err) == protocol.TooLarge && size > 1 {
			size = max(1, size/2)
			continue
		}
		if err != nil {
			return err
		}
		got, lp := pg.page(res)
		if !visit(got, lp) || lp.NextCursor == "" {
			return nil
		}
		cursor = lp.NextCursor
	}
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

// newestFirst is the list params of a page of a walk, newest first.
func newestFirst(base protocol.ListParams, limit int, cursor string) protocol.ListParams {
	base.Limit, base.Cursor, base.Order = &limit, cursor, protocol.OrderDesc
	return base
}

// requestPager pages network/list: 200 requests a page, 20 with their
// bodies.
func requestPager(base protocol.ListParams, bodies bool) pager[protocol.NetworkListParams, protocol.NetworkListResult, protocol.NetworkRequest] {
	size := 200
	if bodies {
		size = 20
	}
	return pager[protocol.NetworkListParams, protocol.NetworkListResult, protocol.NetworkRequest]{
		method: protocol.NetworkList, size: size,
		params: func(limit int, cursor string) protocol.NetworkListParams {
			return protocol.NetworkListParams{ListParams: newestFirst(base, limit, cursor), Bodies: bodies}
		},
		page: func(r protocol.NetworkListResult) ([]protocol.NetworkRequest, protocol.ListPage) {
			return r.Items, r.ListPage
		},
	}
}

// consolePager pages console/list: 1,000 messages a page.
func consolePager(base protocol.ListParams, levels []string) pager[protocol.ConsoleListParams, protocol.ConsoleListResult, protocol.ConsoleMessage] {
	return pager[protocol.ConsoleListParams, protocol.ConsoleListResult, protocol.ConsoleMessage]{
		method: protocol.ConsoleList, size: 1000,
		params: func(limit int, cursor string) protocol.ConsoleListParams {
			return protocol.ConsoleListParams{ListParams: newestFirst(base, limit, cursor), Levels: levels}
		},
		page: func(r protocol.ConsoleListResult) ([]protocol.ConsoleMessage, protocol.ListPage) {
			return r.Items, r.ListPage
		},
	}
}
