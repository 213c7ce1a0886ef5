package sourcemap

import (
	"container/list"
	"context"
	"sync"
)

// Cache holds the maps of a page's scripts by script URL, within a byte
// budget: the least recently used go first. A script whose map could not
// be had is remembered as such (with its error) and not tried again,
// until it is evicted. Concurrent lookups of one script load it once.
// Safe for concurrent use.
type Cache struct {
	budget int

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     *list.List // of *entry, the most recently used at the front
	used    int
	loading map[string]*load
	evicted int
}

type entry struct {
	script string
	m      *Map  // nil for a script without a usable map
	err    error // why not
	size   int
}

// load is a lookup under way; the others wait for it.
type load struct {
	done chan struct{}
	m    *Map
	err  error
}

// failureSize is what a remembered failure counts against the budget.
const failureSize = 256

// NewCache returns a cache of maps that keeps at most budget bytes of them.
func NewCache(budget int) *Cache {
	return &Cache{budget: budget, entries: map[string]*list.Element{}, lru: list.New(), loading: map[string]*load{}}
}

// Get returns the map of a script, loading it with loadMap the first time
// (and after it was evicted).
func (c *Cache) Get(ctx context.Context, script string, loadMap func(context.Context) (*Map, error)) (*Map, error) {
	c.mu.Lock()
	if el, ok := c.entries[script]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*entry)
		c.mu.Unlock()
		return e.m, e.err
	}
	if l, ok := c.loading[script]; ok {
		c.mu.Unlock()
		select {
		case <-l.done:
			return l.m, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l := &load{done: make(chan struct{})}
	c.loading[script] = l
	c.mu.Unlock()

	l.m, l.err = loadMap(ctx)
	c.mu.Lock()
	delete(c.loading, script)
	if ctx.Err() == nil || l.err == nil { // a cancelled lookup is not a failure of the map
		c.add(script, l.m, l.err)
	}
	c.mu.Unlock()
	close(l.done)
	return l.m, l.err
}

func (c *Cache) add(script string, m *Map, err error) {
	size := failureSize
	if m != nil {
		size = m.size
	}
	if size > c.budget {
		return // it would evict everything and still not fit
	}
	e := &entry{script: script, m: m, err: err, size: size}
	c.entries[script] = c.lru.PushFront(e)
	c.used += size
	for c.used > c.budget {
		last := c.lru.Back()
		old := last.Value.(*entry)
		c.lru.Remove(last)
		delete(c.entries, old.script)
		c.used -= old.size
		c.evicted++
	}
}

// Stats says what the cache holds: scripts, bytes, and how many it evicted.
func (c *Cache) Stats() (scripts, bytes, evicted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.used, c.evicted
}
