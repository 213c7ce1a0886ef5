package browser

import "syscall"

// sysProcAttr puts Chrome in a process group of its own, so that Close can
// kill it with all its children, and kills it if this process dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
