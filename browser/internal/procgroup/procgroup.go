// Package procgroup finds the live processes of a process group, so that the
// browser package and its tests can tell when every process that Chrome
// started has gone.
//
// A zombie (a process that has exited but that no parent has reaped) does not
// count as live: it holds no files, no memory and no locks. This matters
// where PID 1 does not reap orphans, as in some containers and microVMs.
package procgroup

import (
	"context"
	"fmt"
	"time"
)

// pollInterval is how often Wait checks the group again.
const pollInterval = 10 * time.Millisecond

// Wait blocks until the group pgid has no live process or ctx ends. On the
// end of ctx it returns an error that lists the processes that are still
// alive.
func Wait(ctx context.Context, pgid int) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		pids, err := Members(pgid)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("processes %v of group %d still alive: %w", pids, pgid, ctx.Err())
		case <-t.C:
		}
	}
}
