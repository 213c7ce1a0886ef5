// Package capture turns a page's CDP events into bdg-rpc's records: network
// requests and console messages in bounded stores, and a journal of events,
// each with a session-wide seq, that subscribers follow and replay from.
//
// Records are immutable: an event that changes a request stores a new copy,
// so a reader (a query, the partial-file writer, a subscriber encoding an
// old event) works on a snapshot taken under the lock in constant time and
// encodes it outside the lock, and the page's event stream never waits for
// a slow reader.
package capture

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Options bound what a Capture keeps.
type Options struct {
	Session      string // the session's name, carried by every event
	MaxRequests  int    // network store size (default 10,000)
	MaxConsole   int    // console store size (default 10,000)
	MaxBodyBytes int    // largest response body kept (default 5 MB)
	BodyBudget   int64  // total bytes of bodies kept (default 256 MB)
	JournalSize  int    // events retained for replay (default 4 x (MaxRequests + MaxConsole))
	IncludeAll   bool   // keep requests to tracking hosts too
	// FetchBody asks the page for a response body. Nil disables bodies.
	FetchBody func(ctx context.Context, requestID string) (body string, base64 bool, err error)
	Logger    *slog.Logger
	Now       func() time.Time
}

// Default store sizes.
const (
	DefaultMaxRequests  = 10_000
	DefaultMaxConsole   = 10_000
	DefaultMaxBodyBytes = 5 << 20
	DefaultBodyBudget   = 256 << 20
)

func (o *Options) setDefaults() {
	if o.MaxRequests <= 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.MaxConsole <= 0 {
		o.MaxConsole = DefaultMaxConsole
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.BodyBudget <= 0 {
		o.BodyBudget = DefaultBodyBudget
	}
	if o.JournalSize <= 0 {
		o.JournalSize = 4 * (o.MaxRequests + o.MaxConsole)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Capture holds what a session has captured.
type Capture struct {
	opts Options

	mu         sync.Mutex
	network    networkStore
	console    ring[*protocol.ConsoleMessage]
	journal    journal
	navigation protocol.Navigation
	navs       []protocol.Navigation
	mainFrame  string
	navPending bool // a navigation started and has not committed yet
	dropped    protocol.Counts
	bodyBytes  int64
	filtered   map[string]struct{} // request ids left out as tracking
	changed    bool                // since the last TakeChanged
	ended      bool

	bodies *bodyFetcher
}

// New returns an empty Capture.
func New(opts Options) *Capture {
	opts.setDefaults()
	c := &Capture{
		opts:     opts,
		network:  newNetworkStore(opts.MaxRequests),
		console:  newRing[*protocol.ConsoleMessage](opts.MaxConsole),
		journal:  newJournal(opts.JournalSize),
		filtered: map[string]struct{}{},
	}
	c.bodies = newBodyFetcher(c)
	return c
}

// Run fetches response bodies until ctx ends. Start it before events flow.
func (c *Capture) Run(ctx context.Context) { c.bodies.run(ctx) }

// SetMainFrame tells the capture which frame is the page's main frame (for a
// page target, its target id), so navigations can be told from subframes.
func (c *Capture) SetMainFrame(id string) {
	c.mu.Lock()
	c.mainFrame = id
	c.mu.Unlock()
}

// Options returns the options in effect, defaults filled in.
func (c *Capture) Options() Options { return c.opts }

// TakeChanged reports whether anything was captured since the last call.
func (c *Capture) TakeChanged() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.changed
	c.changed = false
	return ch
}

// End appends session/ended as the last event; later events are ignored.
func (c *Capture) End(reason, outputPath, errText string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	c.journal.append(protocol.NotifyEnded, &protocol.EndedEvent{
		Session: c.opts.Session, Reason: reason, OutputPath: outputPath, Error: errText,
	})
}

// now returns the current time in ms since the epoch.
func (c *Capture) now() float64 {
	return float64(c.opts.Now().UnixNano()) / 1e6
}

// MarkChanged makes the next TakeChanged report a change, for a writer that
// failed and must try again.
func (c *Capture) MarkChanged() {
	c.mu.Lock()
	c.changed = true
	c.mu.Unlock()
}
