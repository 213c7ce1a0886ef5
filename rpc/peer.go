package rpc

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// CheckPeer refuses a Unix-socket connection from another user. The
// socket's mode (0600) already keeps others out; the kernel's word on the
// peer (SO_PEERCRED) makes sure. Other kinds of connection pass.
func CheckPeer(c net.Conn) error {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return fmt.Errorf("checking the peer: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return fmt.Errorf("checking the peer: %w", err)
	}
	if credErr != nil {
		return fmt.Errorf("checking the peer: %w", credErr)
	}
	if int(cred.Uid) != os.Geteuid() {
		return fmt.Errorf("peer uid %d is not ours (%d)", cred.Uid, os.Geteuid())
	}
	return nil
}
