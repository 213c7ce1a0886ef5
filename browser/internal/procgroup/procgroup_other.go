//go:build unix && !linux

package procgroup

import (
	"errors"
	"syscall"
)

// Members returns the processes of the group pgid. Without /proc it cannot
// list them, nor skip zombies: it returns []int{pgid} while any process of
// the group exists, and nil once none does.
func Members(pgid int) ([]int, error) {
	err := syscall.Kill(-pgid, 0)
	switch {
	case err == nil, errors.Is(err, syscall.EPERM):
		return []int{pgid}, nil
	case errors.Is(err, syscall.ESRCH):
		return nil, nil
	default:
		return nil, err
	}
}
