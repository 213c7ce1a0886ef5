//go:build !unix

package browser

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// errNoProcessGroups is the error of Launch where Chrome cannot run in a
// process group of its own.
var errNoProcessGroups = fmt.Errorf("launching Chrome needs Unix process groups, which %s lacks: %w", runtime.GOOS, errors.ErrUnsupported)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pgid int) error { return errNoProcessGroups }

func checkPlatform() error { return errNoProcessGroups }
