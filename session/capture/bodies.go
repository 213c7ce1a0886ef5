package capture

import (
	"context"
	"sync"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

const (
	bodyWorkers      = 4
	bodyQueueSize    = 4096
	bodyFetchTimeout = 10 * time.Second
)

// bodyFetcher fetches response bodies off the event path: the CDP reader
// cannot wait for a reply that it would itself have to read.
type bodyFetcher struct {
	c     *Capture
	queue chan bodyRequest
}

// bodyRequest is a body to fetch: a request, and the CDP session to ask.
type bodyRequest struct {
	session, id string
}

func newBodyFetcher(c *Capture) *bodyFetcher {
	return &bodyFetcher{c: c, queue: make(chan bodyRequest, bodyQueueSize)}
}

// enqueue asks for a body; false when the queue is full. The caller holds
// c.mu.
func (f *bodyFetcher) enqueue(session, requestID string) bool {
	select {
	case f.queue <- bodyRequest{session, requestID}:
		return true
	default:
		return false
	}
}

// run fetches until ctx ends, then finishes what is still queued without a
// body, so no request is left waiting for its finished event.
func (f *bodyFetcher) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range bodyWorkers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case r := <-f.queue:
					f.fetch(ctx, r)
				}
			}
		})
	}
	wg.Wait()
	for {
		select {
		case r := <-f.queue:
			f.c.finishBody(r.id, "", false, ctx.Err())
		default:
			return
		}
	}
}

func (f *bodyFetcher) fetch(ctx context.Context, r bodyRequest) {
	ctx, cancel := context.WithTimeout(ctx, bodyFetchTimeout)
	defer cancel()
	body, b64, err := f.c.opts.FetchBody(ctx, r.session, r.id)
	f.c.finishBody(r.id, body, b64, err)
}

// finishBody records a fetched body (or why there is none) and journals the
// request's finished event. The body is kept in the request's slot, and
// counted in the same budget as the post data.
func (c *Capture) finishBody(id, body string, b64 bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.network.byID[id]
	if !ok || s.rec.State != protocol.StateResponded && s.rec.State != protocol.StatePending {
		return // evicted, or finished some other way meanwhile
	}
	r := *s.rec
	r.State = protocol.StateFinished
	switch {
	case err != nil:
		r.BodyOmitted = "unavailable"
		c.opts.Logger.Debug("no response body", "requestId", id, "error", err)
	case len(body) > c.opts.MaxBodyBytes:
		r.BodyOmitted = "too-large"
		r.BodySize = len(body)
	case c.bodyBytes+int64(len(body)) > c.opts.BodyBudget:
		r.BodyOmitted = "over-budget"
		r.BodySize = len(body)
		c.dropped.Bodies++
		c.dropped.Bytes += int64(len(body))
	default:
		r.Base64Encoded, r.BodySize = b64, len(body)
		s.respBody = body
		s.bodyBytes += int64(len(body))
		c.bodyBytes += int64(len(body))
	}
	c.update(s, &r, protocol.NotifyFinished)
}

// releaseBody lets go of the bodies of a request evicted (or replaced by
// one with its id), returning their bytes to the budget.
func (c *Capture) releaseBody(s *slot) {
	c.bodyBytes -= s.bodyBytes
	s.bodyBytes = 0
	s.reqBody, s.respBody = "", ""
	s.frames, s.messages = nil, nil
}
