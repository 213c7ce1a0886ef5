package procgroup

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		in    string
		state byte
		pgid  int
		ok    bool
	}{
		{"123 (chromium) S 1 120 120 0", 'S', 120, true},
		{"123 (a b) (c)) Z 1 77 77 0", 'Z', 77, true},
		{"123 (x", 0, 0, false},
		{"123 (x) S 1", 0, 0, false},
	} {
		state, pgid, ok := parseStat([]byte(tc.in))
		if state != tc.state || pgid != tc.pgid || ok != tc.ok {
			t.Errorf("parseStat(%q) = %q, %d, %v; want %q, %d, %v", tc.in, state, pgid, ok, tc.state, tc.pgid, tc.ok)
		}
	}
}

func TestMembersAndWait(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	pids, err := Members(pgid)
	if err != nil || len(pids) != 1 || pids[0] != pgid {
		t.Fatalf("Members(%d) = %v, %v; want [%d]", pgid, pids, err, pgid)
	}
	if pids, _ := Members(1 << 30); len(pids) != 0 {
		t.Errorf("Members of a group that cannot exist = %v", pids)
	}
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Do not reap the child yet: Wait must treat the zombie as gone.
	if err := Wait(context.Background(), pgid); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}
