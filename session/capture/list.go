package capture

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// The lists (console/list, network/list) walk a store from a cursor: a
// binary search finds where the walk starts, the walk takes the records
// that match up to the limit, and only the pointers to those (the records
// are immutable) are taken under the lock; they are copied and encoded
// after it. Counting the matches does walk the whole store, without
// copying it.

// Scope is what a list keeps, beside its filter: the dimensions that the
// records the session dropped are counted by, so that a list can say how
// many of them it might have answered.
type Scope struct {
	Levels     []string // console levels; nil: all
	Types      []string // console types or resource types, case-insensitive; nil: all
	Navigation int      // 0: all
	Target     string   // a target id or type; "": all
	Since      float64  // ms since the Unix epoch; 0: from the start
	Until      float64  // 0: to the end
}

// ScopeOf takes a list's params.
func ScopeOf(p protocol.ListParams, levels []string) Scope {
	return Scope{Levels: levels, Types: p.Types, Navigation: p.Navigation, Target: p.Target, Since: p.Since, Until: p.Until}
}

// ParseTarget checks a target selector of a list: a target type (or its
// alias: sw, shared) returns the type; anything else is taken as an id.
func ParseTarget(v string) string {
	if t, ok := targetType(v); ok {
		return t
	}
	return v
}

// matches reports whether a record of these dimensions is in the scope.
func (s *Scope) matches(level, typ string, nav int, t *protocol.TargetRef, ts float64) bool {
	return s.keeps(level, typ, nav, t) && s.overlaps(ts, ts)
}

// keeps reports whether the scope keeps records of these dimensions, time
// aside.
func (s *Scope) keeps(level, typ string, nav int, t *protocol.TargetRef) bool {
	if len(s.Levels) > 0 && !slices.Contains(s.Levels, level) {
		return false
	}
	if len(s.Types) > 0 && !slices.ContainsFunc(s.Types, func(w string) bool { return strings.EqualFold(w, typ) }) {
		return false
	}
	if s.Navigation != 0 && nav != s.Navigation {
		return false
	}
	return s.Target == "" || targetIs(t, s.Target)
}

// overlaps reports whether the time span from first to final meets the
// scope's.
func (s *Scope) overlaps(first, final float64) bool {
	return (s.Since == 0 || final >= s.Since) && (s.Until == 0 || first < s.Until)
}

// targetIs reports whether t (nil: the page) is the target id or of the
// target type sel.
func targetIs(t *protocol.TargetRef, sel string) bool {
	if t == nil {
		return sel == protocol.TargetPage
	}
	return t.ID == sel || t.Type == sel
}

// targetType reads a target type or its alias.
func targetType(v string) (string, bool) {
	want := strings.ReplaceAll(strings.ToLower(v), "-", "_")
	switch want {
	case "sw", "serviceworker":
		want = protocol.TargetServiceWorker
	case "shared", "sharedworker":
		want = protocol.TargetSharedWorker
	}
	return want, slices.Contains(protocol.TargetTypes, want)
}

// Page is a list's walk: from After (a cursor's key; 0: the start) in
// its order, up to Limit records (0: all). Last and Offset are the older
// form (ListParams.Last).
type Page struct {
	After        uint64
	Desc         bool
	Limit        int
	Last, Offset int
}

// PageOf takes a list's params; the cursor is checked by Validate.
func PageOf(p protocol.ListParams) Page {
	after, _ := protocol.ParseCursor(p.Cursor)
	return Page{After: after, Desc: p.Order == protocol.OrderDesc, Limit: p.PageLimit(), Last: p.Last, Offset: p.Offset}
}

// older reports whether the page is of the older form.
func (p Page) older() bool { return p.Last > 0 || p.Offset > 0 }

// nextCursor is the cursor after the last of the items, when more follow.
func nextCursor(more bool, last uint64) string {
	if !more {
		return ""
	}
	return protocol.FormatCursor(last)
}

// ConsoleFilter selects console messages; nil selects all.
type ConsoleFilter func(*protocol.ConsoleMessage) bool

// ConsoleList answers console/list: the messages of the scope that keep
// selects, as the page walks them. key names the filter keep was made of,
// for counting the matches of a walk's pages once.
func (c *Capture) ConsoleList(sc Scope, keep ConsoleFilter, key string, p Page) (protocol.ConsoleListResult, error) {
	msgs, page, err := c.ConsolePage(sc, keep, key, p)
	if err != nil {
		return protocol.ConsoleListResult{}, err
	}
	res := protocol.ConsoleListResult{Items: make([]protocol.ConsoleMessage, len(msgs)), ListPage: page}
	for i, m := range msgs {
		res.Items[i] = *m
	}
	return res, nil
}

// ConsolePage is ConsoleList's page without copying its messages: the
// records themselves, which the caller reads and does not change (a list
// made into lines needs no copy of 10,000 records).
func (c *Capture) ConsolePage(sc Scope, keep ConsoleFilter, key string, p Page) ([]*protocol.ConsoleMessage, protocol.ListPage, error) {
	msgs, _, more, err := takePage(p, func(after uint64, desc bool, want int, visit func(uint64, *protocol.ConsoleMessage) bool) error {
		return c.consoleScan(&sc, keep, after, desc, want, func(m *protocol.ConsoleMessage) bool { return visit(m.Seq, m) })
	})
	if err != nil {
		return nil, protocol.ListPage{}, err
	}
	matched, err := c.consoleMatched(&sc, keep, key)
	if err != nil {
		return nil, protocol.ListPage{}, err
	}
	c.mu.Lock()
	page := protocol.ListPage{Total: c.consoleCount(), Matched: matched, Returned: len(msgs), Dropped: c.droppedConsole.count(&sc)}
	c.mu.Unlock()
	if len(msgs) > 0 {
		page.NextCursor = nextCursor(more, msgs[len(msgs)-1].Seq)
	}
	return msgs, page, nil
}

// takePage takes a list's page from scan, which walks the records from after
// (desc: newest first; 0: from the end) calling visit with each and its
// key (seq, ord) until visit returns false: the page's records, the key
// of the last, and whether more follow. The older form (Last, Offset) is
// the newest Last after Offset, oldest first.
func takePage[T any](p Page, scan func(after uint64, desc bool, want int, visit func(uint64, T) bool) error) (items []T, last uint64, more bool, err error) {
	if p.older() {
		limit := p.Last + p.Offset
		err = scan(0, true, want(p.Last, limit), func(_ uint64, v T) bool {
			items = append(items, v)
			return p.Last == 0 || len(items) < limit
		})
		items = items[min(p.Offset, len(items)):]
		slices.Reverse(items)
		return items, 0, false, err
	}
	err = scan(p.After, p.Desc, want(p.Limit, p.Limit+1), func(key uint64, v T) bool {
		if p.Limit > 0 && len(items) == p.Limit {
			more = true
			return false
		}
		items = append(items, v)
		last = key
		return true
	})
	return items, last, more, err
}

// want is how many messages a scan is likely to take: n, unless limit is
// 0 (all).
func want(limit, n int) int {
	if limit == 0 {
		return 0
	}
	return n
}

// consoleMatched counts the messages the scope and keep select: from the
// index alone without keep; with it, by testing the messages, counting
// only those since the last count of the same list while the index has
// lost none of its oldest.
func (c *Capture) consoleMatched(sc *Scope, keep ConsoleFilter, key string) (int, error) {
	c.mu.Lock()
	x := &c.cindex
	if keep == nil {
		n := c.consoleCount()
		if !sc.empty() {
			n = x.refs.count(func(r *consoleRef) bool { return x.keeps(sc, r) })
		}
		c.mu.Unlock()
		return n, nil
	}
	key = fmt.Sprintf("%s\x00%+v", key, *sc)
	var first uint64
	if x.refs.len() > 0 {
		first = x.seqOf(x.refs.at(0))
	}
	mc := x.matches
	if mc.key != key || mc.first != first {
		mc = matchCache{key: key, first: first}
	}
	c.mu.Unlock()
	err := c.consoleScan(sc, keep, mc.upTo, false, 0, func(m *protocol.ConsoleMessage) bool {
		mc.n++
		mc.upTo = m.Seq
		return true
	})
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if x.refs.len() > 0 && x.seqOf(x.refs.at(0)) == first {
		x.matches = mc
	}
	c.mu.Unlock()
	return mc.n, nil
}

// NetworkList answers network/list: the requests of the scope that keep
// selects, as the page walks them, with their response bodies if asked.
// key names the filter keep was made of, for the count of the cold ones.
func (c *Capture) NetworkList(sc Scope, keep NetworkFilter, key string, p Page, bodies bool) (protocol.NetworkListResult, error) {
	var res protocol.NetworkListResult
	items, lastOrd, more, err := takePage(p, func(after uint64, desc bool, want int, visit func(uint64, protocol.NetworkRequest) bool) error {
		return c.netScan(&sc, keep, after, desc, want, visit)
	})
	if err != nil {
		return res, err
	}
	if !bodies {
		for i := range items {
			items[i].ResponseBody, items[i].Base64Encoded, items[i].Frames, items[i].Messages = "", false, nil, nil
		}
	}
	matched, err := c.networkMatched(&sc, keep, key)
	if err != nil {
		return res, err
	}
	c.mu.Lock()
	res.ListPage = protocol.ListPage{Total: c.networkCount(), Matched: matched, Returned: len(items), Dropped: c.droppedNetwork.count(&sc)}
	c.mu.Unlock()
	res.Items = items
	if res.Items == nil {
		res.Items = []protocol.NetworkRequest{}
	}
	res.NextCursor = nextCursor(more, lastOrd)
	return res, nil
}

// networkMatched counts the requests the scope and keep select: the cold
// ones from their entries alone without keep; with it, by reading them,
// counting only those since the last count of the same list while the
// cold part has lost none of its oldest (cold requests never change); the
// hot ones each time.
func (c *Capture) networkMatched(sc *Scope, keep NetworkFilter, key string) (int, error) {
	c.mu.Lock()
	x := &c.ncold
	hot := 0
	for i := range c.network.order.len() {
		r := c.network.order.at(i).rec
		if (sc.empty() || sc.matches("", r.ResourceType, r.NavigationID, r.Target, r.Timestamp)) && (keep == nil || keep(r)) {
			hot++
		}
	}
	if keep == nil {
		n := x.refs.len()
		if !sc.empty() {
			n = x.refs.count(func(r *netRef) bool { return x.keeps(sc, r) })
		}
		c.mu.Unlock()
		return n + hot, nil
	}
	if key != "" {
		key = fmt.Sprintf("%s\x00%+v", key, *sc)
	}
	var first uint64
	if x.refs.len() > 0 {
		first = x.refs.at(0).ord
	}
	mc := x.matches
	if mc.key != key || mc.first != first || key == "" {
		mc = matchCache{key: key, first: first}
	}
	var refs []netRef
	for i := x.refs.len() - 1; i >= 0 && x.refs.at(i).ord > mc.upTo; i-- {
		if r := x.refs.at(i); x.keeps(sc, r) {
			refs = append(refs, *r)
		}
	}
	store := x.store
	c.mu.Unlock()
	for k := len(refs) - 1; k >= 0; k-- {
		r, err := x.read(store, &refs[k])
		if err != nil {
			return 0, err
		}
		if keep(&r) {
			mc.n++
		}
		mc.upTo = refs[k].ord
	}
	c.mu.Lock()
	if x.refs.len() > 0 && x.refs.at(0).ord == first && key != "" {
		x.matches = mc
	}
	c.mu.Unlock()
	return mc.n + hot, nil
}

// empty reports whether the scope keeps everything.
func (s *Scope) empty() bool {
	return len(s.Levels) == 0 && len(s.Types) == 0 && s.Navigation == 0 && s.Target == "" && s.Since == 0 && s.Until == 0
}

// dropKey is what a dropped record is counted by.
type dropKey struct {
	level, typ string
	nav        int
	target     protocol.TargetRef // id and type only
}

// dropTally counts the dropped records of one key, and when they were
// made.
type dropTally struct {
	n            int
	first, final float64 // the oldest and newest timestamps
}

func (t *dropTally) add(ts float64) {
	if t.n == 0 || ts < t.first {
		t.first = ts
	}
	t.final = max(t.final, ts)
	t.n++
}

// maxDropKeys bounds the keys counted apart: a day of hot reloads makes
// thousands of navigations. The drops of keys past it are counted in
// every scope (an upper bound).
const maxDropKeys = 4096

// drops counts a store's dropped records by their scope dimensions.
type drops struct {
	byKey map[dropKey]*dropTally
	other int // past maxDropKeys, or restored from a file without keys
}

func (d *drops) add(level, typ string, nav int, t *protocol.TargetRef, ts float64) {
	k := dropKey{level: level, typ: typ, nav: nav, target: protocol.TargetRef{Type: protocol.TargetPage}}
	if t != nil {
		k.target = protocol.TargetRef{ID: t.ID, Type: t.Type}
	}
	tl := d.byKey[k]
	if tl == nil {
		if len(d.byKey) >= maxDropKeys {
			d.other++
			return
		}
		if d.byKey == nil {
			d.byKey = map[dropKey]*dropTally{}
		}
		tl = &dropTally{}
		d.byKey[k] = tl
	}
	tl.add(ts)
}

// count returns how many dropped records the scope holds: those of the
// keys it keeps whose time span meets its own (an upper bound when a span
// only partly does).
func (d *drops) count(sc *Scope) int {
	n := d.other
	for k, t := range d.byKey {
		target := &k.target
		if k.target.ID == "" {
			target = nil
		}
		if sc.keeps(k.level, k.typ, k.nav, target) && sc.overlaps(t.first, t.final) {
			n += t.n
		}
	}
	return n
}

// ParseConsoleFilter compiles a console filter expression (ConsoleFilterHelp).
// The empty expression matches every message.
func ParseConsoleFilter(expr string) (ConsoleFilter, error) {
	var terms []ConsoleFilter
	for _, word := range strings.Fields(expr) {
		negate := false
		if strings.HasPrefix(word, "-") && len(word) > 1 {
			negate, word = true, word[1:]
		}
		f, err := parseConsoleTerm(word)
		if err != nil {
			return nil, fmt.Errorf("filter term %q: %w", word, err)
		}
		if negate {
			inner := f
			f = func(m *protocol.ConsoleMessage) bool { return !inner(m) }
		}
		terms = append(terms, f)
	}
	if len(terms) == 0 {
		return nil, nil
	}
	return func(m *protocol.ConsoleMessage) bool {
		for _, t := range terms {
			if !t(m) {
				return false
			}
		}
		return true
	}, nil
}

// ConsoleFilterHelp describes the filter language of console/list and
// "bdg-rpc console --filter"; docs/PROTOCOL.md repeats it.
const ConsoleFilterHelp = `terms separated by spaces, all of which must match; "-" before a term negates it:
  level:error            type:exception (log, error, warning, exception, violation...)
  source:console (console, exception or browser)
  target:worker (page, iframe, worker, shared_worker, service_worker or sw, popup)
  url:app.js             the message's source URL contains it
  text:word  or a bare word: the text contains it (case-insensitive)`

func parseConsoleTerm(word string) (ConsoleFilter, error) {
	key, value, ok := strings.Cut(word, ":")
	if !ok {
		return textContains(word), nil
	}
	if value == "" {
		return nil, fmt.Errorf("no value after %q", key+":")
	}
	switch strings.ToLower(key) {
	case "level":
		v := strings.ToLower(value)
		if v == "warn" {
			v = protocol.LevelWarning
		}
		if !slices.Contains(protocol.Levels, v) {
			return nil, fmt.Errorf("unknown level:%s (want debug, log, info, warning or error)", value)
		}
		return func(m *protocol.ConsoleMessage) bool { return m.Level == v }, nil
	case "type":
		return func(m *protocol.ConsoleMessage) bool { return strings.EqualFold(m.Type, value) }, nil
	case "source":
		return func(m *protocol.ConsoleMessage) bool { return strings.EqualFold(m.Source, value) }, nil
	case "target":
		t, ok := targetType(value)
		if !ok {
			return nil, fmt.Errorf("unknown target:%s (want %s)", value, strings.Join(protocol.TargetTypes, ", "))
		}
		return func(m *protocol.ConsoleMessage) bool { return targetIs(m.Target, t) }, nil
	case "url":
		return func(m *protocol.ConsoleMessage) bool { return strings.Contains(m.URL, value) }, nil
	case "text":
		return textContains(value), nil
	}
	return textContains(word), nil // "http://…" or "a:b" in the text
}

func textContains(s string) ConsoleFilter {
	lower := strings.ToLower(s)
	return func(m *protocol.ConsoleMessage) bool {
		return strings.Contains(m.Text, s) || strings.Contains(strings.ToLower(m.Text), lower)
	}
}
