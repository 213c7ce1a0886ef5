package capture

import (
	"context"
	"time"
)

// JournalWriter is the session's journal on disk, as Persist writes it
// (journal.Journal).
type JournalWriter interface {
	ColdReader
	AppendAt(n uint64, rec []byte) error
	Flush() error
}

// persistBatch is how many events Persist takes at once.
const persistBatch = 4096

// persistFlushEvery is how long a record waits in Persist's buffer at most.
const persistFlushEvery = 100 * time.Millisecond

// Persist writes every event of the capture to j, each under its seq, as
// the line a subscriber receives, from the first until session/ended or
// ctx ends; and makes j the capture's cold store, so that the console
// store keeps in memory only its newest messages. It runs on a
// subscription of its own, so the event path never waits for the disk.
// What j writes, Persisted says; what it loses (a full disk, a writer
// that fell behind the events retained), Lost says; each error goes to
// onError.
func (c *Capture) Persist(ctx context.Context, j JournalWriter, onError func(error)) {
	c.SetCold(j)
	since := uint64(0)
	sub, _ := c.Subscribe(&since)
	sub.Own()
	defer sub.Close()
	var pending [2]uint64 // seqs appended since the last flush that worked
	lose := func(err error) {
		onError(err)
		if pending[0] != 0 {
			c.Lost(pending[0], pending[1])
			pending = [2]uint64{}
		}
	}
	for {
		// Wait for events, but flush what was appended at least every
		// 100 ms, so that a burst is on disk soon after it ends.
		nctx, cancel := context.WithTimeout(ctx, persistFlushEvery)
		b, err := sub.Next(nctx, persistBatch)
		cancel()
		if err != nil && ctx.Err() != nil {
			return
		}
		if b.Skipped[0] != 0 {
			c.Lost(b.Skipped[0], b.Skipped[1])
		}
		for i, line := range b.Lines {
			seq := b.Seqs[i]
			if seq == 0 {
				continue // events/dropped: the writer fell behind; Lost says it
			}
			if pending[0] == 0 {
				pending[0] = seq
			}
			pending[1] = seq
			if err := j.AppendAt(seq, line); err != nil {
				lose(err)
			}
		}
		if len(b.Lines) > 0 || err != nil {
			if err := j.Flush(); err != nil {
				lose(err)
			} else if pending[1] != 0 {
				c.Persisted(pending[1])
				pending = [2]uint64{}
			}
		}
		if b.Ended {
			return
		}
	}
}
