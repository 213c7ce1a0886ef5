package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestFrameOverLimitServe streams 200 MiB without a newline into a "bdg-rpc
// serve" and checks what the line costs it: the backend answers -32600,
// closes the connection, and its peak resident memory stays below the
// frame limit and 48 MiB for the Go runtime and the rest of the process.
func TestFrameOverLimitServe(t *testing.T) {
	const (
		stream = 200 << 20
		budget = rpc.DefaultMaxFrame + 48<<20
	)
	b := newEnv(t).serve()
	b.initialize()
	pid := b.cmd.Process.Pid

	// The peak so far, while the backend runs: VmHWM of /proc/PID/status.
	var hwm atomic.Int64
	stopPolling := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			if kib, ok := vmHWM(pid); ok && kib > hwm.Load() {
				hwm.Store(kib)
			}
			select {
			case <-stopPolling:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	reply := b.expect("null")
	xs := bytes.Repeat([]byte("x"), 1<<20)
	written, werr := io.WriteString(b.stdin, `{"jsonrpc":"2.0","id":1,"method":"session/list","params":{"session":"`)
	for werr == nil && written < stream {
		var n int
		n, werr = b.stdin.Write(xs[:min(len(xs), stream-written)])
		written += n
	}
	t.Logf("wrote %.1f MiB of the line before the backend stopped reading (%v)", mib(written), werr)
	if werr == nil {
		t.Errorf("the backend read all %d MiB of a line longer than its limit", stream>>20)
	}

	var resp struct {
		ID    json.RawMessage `json:"id"`
		Error *wireError      `json:"error"`
	}
	if err := json.Unmarshal(b.wait(reply, "the over-long line"), &resp); err != nil || resp.Error == nil ||
		resp.Error.Code != protocol.CodeInvalidRequest || !strings.Contains(resp.Error.Message, "closing the connection") {
		t.Errorf("reply %+v (%v), want -32600 closing the connection", resp.Error, err)
	}
	select {
	case <-b.exited:
	case <-time.After(waitLimit):
		t.Fatal("the backend did not end after closing its only connection")
	}
	close(stopPolling)
	<-polled

	// VmHWM, polled while the backend ran (its peak comes while it reads
	// the line, long before it exits). Not the child's rusage: Linux
	// carries into it the high-water mark of the test process it was
	// forked from, as it stood at the exec.
	peak := hwm.Load() << 10
	if ru, ok := b.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && peak == 0 {
		peak = ru.Maxrss << 10 // kilobytes on Linux
	}
	t.Logf("peak RSS of the backend: %.1f MiB (limit %d MiB, budget %.0f MiB)", mib(peak), rpc.DefaultMaxFrame>>20, mib(budget))
	if peak == 0 {
		t.Skip("no peak RSS: /proc/PID/status and rusage both unavailable")
	}
	if peak >= budget && !raceEnabled {
		t.Errorf("the backend peaked at %.1f MiB resident, want < %.0f MiB", mib(peak), mib(budget))
	}
}

// vmHWM returns the peak resident set of a process, in KiB.
func vmHWM(pid int) (int64, bool) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib, err == nil
		}
	}
	return 0, false
}

func mib[T int | int64](n T) float64 { return float64(n) / (1 << 20) }
