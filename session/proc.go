package session

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcStart returns when process pid started, in clock ticks since boot
// (field 22 of /proc/PID/stat). With the pid it identifies a process for
// good: a reused pid has a different start time. A zombie counts as gone.
func ProcStart(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return 0, fmt.Errorf("process %d has exited", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// procCmdline returns the arguments process pid was started with.
func procCmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// sameProcess reports whether pid is still the process that started at
// start: never act on a pid from a file without this check.
func sameProcess(pid int, start uint64) bool {
	if pid <= 0 || start == 0 {
		return false
	}
	got, err := ProcStart(pid)
	return err == nil && got == start
}

// isOurWorker reports whether the worker described by m is still running
// as the very process that wrote m.
func isOurWorker(m Meta) bool {
	if !sameProcess(m.PID, m.PIDStart) {
		return false
	}
	args := procCmdline(m.PID)
	return len(args) >= 2 && args[1] == "worker"
}

// chromeProcesses lists what is left of the Chrome a worker launched: the
// live processes of its process group (its pid is the group's id) that run
// with its profile. Both must match, so a reused pid is never taken for it.
func chromeProcesses(c MetaChrome) []int {
	if !c.Launched || c.PID <= 0 || c.UserDataDir == "" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, pgid, ok := procStat(pid)
		if !ok || pgid != c.PID || state == "Z" || state == "X" {
			continue
		}
		if runsWithProfile(pid, c.UserDataDir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// runsWithProfile reports whether process pid was started with
// --user-data-dir=dir. Chrome's processes rewrite their command line into
// one string with spaces, so the flag is looked for within the arguments.
func runsWithProfile(pid int, dir string) bool {
	flag := "--user-data-dir=" + dir
	for _, a := range procCmdline(pid) {
		for _, word := range strings.Fields(a) {
			if word == flag {
				return true
			}
		}
	}
	return false
}

// procStat returns the state and process group of pid.
func procStat(pid int) (state string, pgid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 3 {
		return "", 0, false
	}
	pgid, err = strconv.Atoi(fields[2]) // field 5: pgrp
	return fields[0], pgid, err == nil
}
