//go:build unix

package procgroup

import (
	"context"
	"syscall"
	"testing"
)

func TestWaitContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The group of the test binary is alive for as long as the test runs.
	if err := Wait(ctx, syscall.Getpgrp()); err == nil {
		t.Fatal("Wait returned nil for a live group and a cancelled context")
	}
}
