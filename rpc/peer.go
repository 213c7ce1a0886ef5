package rpc

import (
	"fmt"
	"net"
	"os"
)

// CheckPeer refuses a Unix-socket connection from another user. The
// socket's mode (0600) already keeps others out; the kernel's word on the
// peer's uid makes sure (SO_PEERCRED on Linux, LOCAL_PEERCRED, which
// getpeereid(3) reads, on macOS and FreeBSD). Other kinds of connection
// pass.
func CheckPeer(c net.Conn) error {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return fmt.Errorf("checking the peer: %w", err)
	}
	var uid int
	var credErr error
	if err := raw.Control(func(fd uintptr) { uid, credErr = peerUID(int(fd)) }); err != nil {
		return fmt.Errorf("checking the peer: %w", err)
	}
	if credErr != nil {
		return fmt.Errorf("checking the peer: %w", credErr)
	}
	if uid != os.Geteuid() {
		return fmt.Errorf("peer uid %d is not ours (%d)", uid, os.Geteuid())
	}
	return nil
}
