package procgroup

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Members returns the IDs of the live processes whose process group is pgid.
// It reads /proc, and it skips zombies.
func Members(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // the process exited while we looked
		}
		state, group, ok := parseStat(stat)
		if !ok || group != pgid || state == 'Z' || state == 'X' || state == 'x' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// parseStat reads the state and the process group from the contents of
// /proc/PID/stat: "pid (comm) state ppid pgrp ...". The command name can hold
// spaces and parentheses, so the fields start after the last ')'.
func parseStat(stat []byte) (state byte, pgid int, ok bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 3 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	pgid, err := strconv.Atoi(string(fields[2]))
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], pgid, true
}
