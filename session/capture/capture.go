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

// Options bound what a Capture keeps. Zero fields take their defaults.
type Options struct {
	Session     string // the session's name, carried by every event
	MaxRequests int    // network store size (default 200,000; without a blob store, MaxNetworkBytes bounds it first)
	// HotRequests is how many settled requests are held in memory when
	// the older are on disk (SetColdNetwork; default 1,000).
	HotRequests int
	MaxConsole  int // console store size (default 1,000,000; without a journal, MaxConsoleBytes bounds it first)
	// HotConsole is how many of the newest console messages are held in
	// memory when the older are in the session's journal (SetCold;
	// default 10,000).
	HotConsole   int
	MaxBodyBytes int   // largest response body kept (default 5 MiB)
	BodyBudget   int64 // total bytes of bodies kept, response and request (default 256 MiB)
	JournalSize  int   // events retained in memory for replay (default 80,000)
	// The byte budgets of the stores and the journal, as bounds.go counts
	// sizes (a record's strings and struct; bodies count in BodyBudget):
	// beyond them the oldest go, counted.
	MaxConsoleBytes int64 // console store (default 64 MiB)
	MaxNetworkBytes int64 // network store (default 64 MiB)
	JournalBytes    int64 // events retained for replay (default 128 MiB)
	// Caps are the largest page strings kept (default DefaultCaps).
	Caps       Caps
	MaxTargets int  // targets of the page followed at once (default DefaultMaxTargets)
	MaxFrames  int  // frames or messages kept per socket (default DefaultMaxFrames)
	IncludeAll bool // keep requests to tracking hosts too
	// FetchBody asks the CDP session that finished a request for its
	// response body. Nil disables bodies.
	FetchBody func(ctx context.Context, session, requestID string) (body string, base64 bool, err error)
	// WorkersAttached says the worker follows the page's workers as
	// targets of their own: the page's log entries that repeat what a
	// worker logged (Log.entryAdded from source "worker") are left out.
	WorkersAttached bool
	Logger          *slog.Logger
	Now             func() time.Time
}

// Default store sizes.
const (
	DefaultMaxRequests  = 200_000
	DefaultHotRequests  = 1_000
	DefaultJournalSize  = 80_000
	DefaultMaxConsole   = 1_000_000
	DefaultHotConsole   = 10_000
	DefaultMaxBodyBytes = 5 << 20
	DefaultBodyBudget   = 256 << 20

	DefaultMaxConsoleBytes = 64 << 20
	DefaultMaxNetworkBytes = 64 << 20
	DefaultJournalBytes    = 128 << 20
)

// SetLimits takes the limits a session was started with; zero ones leave
// the options as they are.
func (o *Options) SetLimits(l protocol.Limits) {
	for _, f := range []struct {
		to   *int
		from int
	}{
		{&o.MaxRequests, l.Requests}, {&o.MaxConsole, l.Console},
		{&o.Caps.URL, l.URL}, {&o.Caps.Text, l.Text}, {&o.Caps.Stack, l.Stack},
		{&o.Caps.StackFrames, l.StackFrames}, {&o.Caps.FrameURL, l.FrameURL},
		{&o.Caps.Header, l.Header}, {&o.Caps.Headers, l.Headers},
		{&o.Caps.HeadersBytes, l.HeadersBytes}, {&o.Caps.PostData, l.PostData},
		{&o.Caps.Redirects, l.Redirects}, {&o.Caps.Field, l.Field},
	} {
		if f.from > 0 {
			*f.to = f.from
		}
	}
	for _, f := range []struct {
		to   *int64
		from int64
	}{
		{&o.MaxNetworkBytes, l.NetworkBytes}, {&o.MaxConsoleBytes, l.ConsoleBytes},
		{&o.JournalBytes, l.JournalBytes}, {&o.BodyBudget, l.BodyBudget},
	} {
		if f.from > 0 {
			*f.to = f.from
		}
	}
}

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
	if o.MaxFrames <= 0 {
		o.MaxFrames = DefaultMaxFrames
	}
	if o.MaxTargets <= 0 {
		o.MaxTargets = DefaultMaxTargets
	}
	if o.BodyBudget <= 0 {
		o.BodyBudget = DefaultBodyBudget
	}
	if o.HotConsole <= 0 {
		o.HotConsole = DefaultHotConsole
	}
	if o.HotRequests <= 0 {
		o.HotRequests = DefaultHotRequests
	}
	if o.JournalSize <= 0 {
		o.JournalSize = DefaultJournalSize
	}
	if o.MaxConsoleBytes <= 0 {
		o.MaxConsoleBytes = DefaultMaxConsoleBytes
	}
	if o.MaxNetworkBytes <= 0 {
		o.MaxNetworkBytes = DefaultMaxNetworkBytes
	}
	if o.JournalBytes <= 0 {
		o.JournalBytes = DefaultJournalBytes
	}
	o.Caps.setDefaults()
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
	console    ring[*protocol.ConsoleMessage] // the hot cache of the console store (index.go)
	cindex     consoleIndex
	ncold      netCold // the network store's cold part (netcold.go)
	journal    journal
	navigation protocol.Navigation
	navs       []protocol.Navigation
	mainFrame  string
	navPending bool                 // a navigation started and has not committed yet
	navLoader  string               // the loader of the navigation pending, when Chrome said
	navSeq     int                  // the last navigation id given, of the page or a popup
	popupNavs  map[string]*popupNav // the popups' current navigations, by target id
	dropped    protocol.Counts
	// The records dropped from the stores, by scope, for the lists.
	droppedConsole, droppedNetwork drops
	nextOrd                        uint64                      // the place of the next request in the order sent
	bodyBytes                      int64                       // bodies held, against BodyBudget
	filtered                       map[string]struct{}         // request ids left out as tracking
	extra                          map[string]*earlyExtra      // ExtraInfo events ahead of their requests (extrainfo.go)
	contexts                       map[contextKey]frameContext // execution contexts' frames (events.go)
	targets                        targetSet
	src                            Source // of the event being applied (events.go)
	changed                        bool   // since the last TakeChanged
	ended                          bool

	// The sizes of the records held, against MaxConsoleBytes and
	// MaxNetworkBytes.
	consoleBytes, networkBytes int64

	bodies *bodyFetcher
}

// New returns an empty Capture.
func New(opts Options) *Capture {
	opts.setDefaults()
	c := &Capture{
		opts:      opts,
		network:   newNetworkStore(opts.MaxRequests),
		console:   newRing[*protocol.ConsoleMessage](opts.MaxConsole + 1),
		cindex:    newConsoleIndex(),
		ncold:     newNetCold(),
		journal:   newJournal(opts.JournalSize, opts.JournalBytes),
		filtered:  map[string]struct{}{},
		extra:     map[string]*earlyExtra{},
		contexts:  map[contextKey]frameContext{},
		targets:   newTargetSet(),
		popupNavs: map[string]*popupNav{},
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
	}, 256)
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
