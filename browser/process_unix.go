//go:build unix

package browser

import (
	"errors"
	"fmt"
	"syscall"
)

// killGroup sends SIGKILL to every process of the group pgid. A group that is
// gone already is not an error.
func killGroup(pgid int) error {
	err := syscall.Kill(-pgid, syscall.SIGKILL)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing process group %d: %w", pgid, err)
	}
	return nil
}

// checkPlatform reports whether Launch can work here.
func checkPlatform() error { return nil }
