// Package proc identifies processes for good: by their pid and the time
// they started, read from /proc, so that a pid taken from a file is never
// acted on once the process is gone and the pid reused. Where there is no
// /proc (macOS), nothing can be identified and every check says "not the
// same process": bdg-rpc then never signals a process from a file.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Start returns when process pid started, in clock ticks since boot
// (field 22 of /proc/PID/stat). With the pid it identifies a process for
// good: a reused pid has a different start time. A zombie counts as gone.
func Start(pid int) (uint64, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return 0, fmt.Errorf("process %d has exited", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// Same reports whether pid is still the process that started at start:
// never act on a pid from a file without this check.
func Same(pid int, start uint64) bool {
	if pid <= 0 || start == 0 {
		return false
	}
	got, err := Start(pid)
	return err == nil && got == start
}

// Cmdline returns the arguments process pid was started with.
func Cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// Group returns the state and the process group of pid.
func Group(pid int) (state string, pgid int, ok bool) {
	fields, err := statFields(pid)
	if err != nil || len(fields) < 3 {
		return "", 0, false
	}
	pgid, err = strconv.Atoi(fields[2]) // field 5: pgrp
	return fields[0], pgid, err == nil
}

// Pids lists the processes of the system.
func Pids() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// statFields returns the fields of /proc/PID/stat from the third (the
// state) on.
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	return strings.Fields(string(b[i+1:])), nil
}
