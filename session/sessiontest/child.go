// Package sessiontest is what the tests and benchmarks of several packages
// share about sessions: a test binary that also plays bdg-rpc's child
// processes (a session worker, a backend), the profiling of those children
// during benchmarks, and the statistics and /proc readings the benchmarks
// print. Like net/http/httptest, it is imported only by tests.
package sessiontest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"syscall"

	"github.com/bdg-rpc/bdg-rpc/session/worker"
)

// Child runs the test binary as the child process it was started as, and
// exits, or returns when it was started to run tests. The launcher starts a
// worker as "<executable> worker", so a test that launches sessions with
// the test binary as the executable gets its own code as the worker; roles
// names other children ("serve", a misbehaving worker), and may replace
// "worker".
//
// Call it first in TestMain.
func Child(roles map[string]func() int) {
	if len(os.Args) < 2 {
		return
	}
	role := os.Args[1]
	run, ok := roles[role]
	if !ok && role == "worker" {
		run, ok = worker.Main, true
	}
	if !ok {
		return
	}
	profile(role)
	os.Exit(run())
}

// Environment variables that make a child profile itself for a benchmark.
const (
	// ProfileEnv names a directory where a child writes a CPU profile from
	// its start until SIGUSR2 and, on each SIGUSR1, a heap profile with
	// its runtime.MemStats (heap-PID-N.pprof, .memstats, then .done).
	ProfileEnv = "BDG_BENCH_PROFILE"
	// SpanProfileEnv names a directory where a child writes a CPU profile
	// of a span: SIGUSR1 starts it, SIGUSR2 ends it (cpu-ROLE-PID-N.pprof,
	// then .done).
	SpanProfileEnv = "BDG_BENCH_SERVE_PROFILE"
	// SpanTraceEnv, set as well, adds an execution trace of the span.
	SpanTraceEnv = "BDG_BENCH_SERVE_TRACE"
)

// profile starts what the environment asks of a child; its goroutine lives
// as long as the process.
func profile(role string) {
	switch {
	case os.Getenv(ProfileEnv) != "":
		wholeProfile(os.Getenv(ProfileEnv))
	case os.Getenv(SpanProfileEnv) != "":
		spanProfile(os.Getenv(SpanProfileEnv), role, os.Getenv(SpanTraceEnv) != "")
	}
}

func wholeProfile(dir string) {
	pid := os.Getpid()
	cpu, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", pid)))
	if err == nil && pprof.StartCPUProfile(cpu) != nil {
		cpu.Close()
		cpu = nil
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		for n := 1; ; n++ {
			switch <-sigs {
			case syscall.SIGUSR1:
				writeHeapProfile(filepath.Join(dir, fmt.Sprintf("heap-%d-%d", pid, n)))
			case syscall.SIGUSR2:
				if cpu != nil {
					pprof.StopCPUProfile()
					cpu.Close()
					cpu = nil
				}
			}
		}
	}()
}

// writeHeapProfile writes base.pprof and base.memstats, then base.done.
func writeHeapProfile(base string) {
	if f, err := os.Create(base + ".pprof"); err == nil {
		_ = pprof.WriteHeapProfile(f)
		f.Close()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, _ := json.Marshal(map[string]uint64{
		"HeapAlloc": ms.HeapAlloc, "HeapInuse": ms.HeapInuse, "HeapIdle": ms.HeapIdle,
		"HeapReleased": ms.HeapReleased, "HeapSys": ms.HeapSys, "StackSys": ms.StackSys,
		"Sys": ms.Sys, "NumGC": uint64(ms.NumGC),
	})
	_ = os.WriteFile(base+".memstats", b, 0o600)
	_ = os.WriteFile(base+".done", nil, 0o600)
}

func spanProfile(dir, role string, withTrace bool) {
	pid := os.Getpid()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var cpu, tr *os.File
		base := ""
		for n := 1; ; n++ {
			switch <-sigs {
			case syscall.SIGUSR1:
				if cpu != nil {
					continue
				}
				base = filepath.Join(dir, fmt.Sprintf("cpu-%s-%d-%d", role, pid, n))
				var err error
				if cpu, err = os.Create(base + ".pprof"); err == nil && pprof.StartCPUProfile(cpu) != nil {
					cpu.Close()
					cpu = nil
				}
				if withTrace {
					if tr, err = os.Create(base + ".trace"); err == nil && trace.Start(tr) != nil {
						tr.Close()
						tr = nil
					}
				}
			case syscall.SIGUSR2:
				if tr != nil {
					trace.Stop()
					tr.Close()
					tr = nil
				}
				if cpu != nil {
					pprof.StopCPUProfile()
					cpu.Close()
					cpu = nil
					_ = os.WriteFile(base+".done", nil, 0o600)
				}
			}
		}
	}()
}
