package worker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/proc"
)

// TestRejectsOtherUsers: even with the directory and socket opened up, a
// connection from another user is refused (SO_PEERCRED), and the worker
// goes on serving its own.
func TestRejectsOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to connect as another user") // CI runs as root
	}
	h := newHarness(t)
	w := h.start(h.options("peer", h.fx.URL("everything.html")))
	// Open the way, so that only the peer check stands.
	for dir := filepath.Dir(w.Handshake.SocketPath); dir != "/" && dir != os.TempDir(); dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(w.Handshake.SocketPath, 0o777); err != nil {
		t.Fatal(err)
	}
	// The other user needs a copy of this test binary it can run.
	exe, _ := os.Executable()
	dir, err := os.MkdirTemp("", "bdg-peer-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	peer := filepath.Join(dir, "peer.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(peer, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(peer, "-test.run=^TestPeerHelper$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BDG_PEER_SOCKET="+w.Handshake.SocketPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if !strings.Contains(string(out), "PEER: refused") {
		t.Logf("running the peer as uid 65534: %v", err)
		t.Errorf("another user's connection was not refused:\n%s", out)
	}
	c := h.client(w.Dir)
	call(h, c, protocol.Status, protocol.StatusParams{})
	log, _ := os.ReadFile(w.Dir.File(session.LogFile))
	if !strings.Contains(string(log), "rejected a connection") || !strings.Contains(string(log), "not ours") {
		t.Errorf("the log does not say a connection was rejected")
	}
}

// TestPeerHelper runs as another user for TestRejectsOtherUsers: it
// connects, asks for the status, and says whether it got an answer.
func TestPeerHelper(t *testing.T) {
	path := os.Getenv("BDG_PEER_SOCKET")
	if path == "" {
		t.Skip("a helper of TestRejectsOtherUsers")
	}
	conn, err := netDial(path)
	if err != nil {
		fmt.Println("PEER: refused at connect:", err)
		return
	}
	defer conn.Close()
	fmt.Fprintln(conn, `{"jsonrpc":"2.0","id":1,"method":"session/status"}`)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, `"result"`) {
		fmt.Println("PEER: refused:", err)
		return
	}
	fmt.Println("PEER: ANSWERED", line)
}

// TestNoDevToolsPort: the Chrome a worker launches talks to it over a pipe
// and opens no DevTools port, which any local process could use to drive
// the page; neither it nor the worker listens on TCP.
func TestNoDevToolsPort(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("loopback", h.fx.URL("everything.html")))
	m, err := w.Dir.ReadMeta()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(m.Chrome.UserDataDir, "DevToolsActivePort")); !os.IsNotExist(err) {
		t.Errorf("Chrome wrote DevToolsActivePort: it opened a port (%v)", err)
	}
	pids := []int{w.Handshake.PID}
	for _, pid := range proc.Pids() {
		if _, pgid, ok := proc.Group(pid); ok && pgid == m.Chrome.PID {
			pids = append(pids, pid)
		}
	}
	if len(pids) < 2 {
		t.Fatalf("no process of Chrome's group %d", m.Chrome.PID)
	}
	for _, pid := range pids {
		for _, inode := range socketInodes(t, pid) {
			if p, listening := listeningInode(t, inode); listening {
				t.Errorf("process %d of the session listens on TCP port %d", pid, p)
			}
		}
	}
}

// TestNoSecretsInLogs: cookies and authorization headers the page sends
// are captured, but never written to the worker's log.
func TestNoSecretsInLogs(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("secrets", h.fx.URL("everything.html")))
	c := h.client(w.Dir)
	const secret = "s3cr3t-t0ken-value"
	expr := fmt.Sprintf(`document.cookie = "session=%s"; fetch("/data.json", {headers: {"Authorization": "Bearer %s"}}).then(() => console.log("sent"))`, secret, secret)
	params, _ := json.Marshal(map[string]any{"expression": expr})
	call(h, c, protocol.CDPSend, protocol.CDPSendParams{Method: "Runtime.evaluate", Params: params})
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("sent", consoleText("sent"))
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{})
	captured := false
	for _, r := range list.Items {
		captured = captured || strings.Contains(string(r.RequestHeaders), secret)
	}
	if !captured {
		t.Errorf("the Authorization header was not captured")
	}
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{session.LogFile, session.LogFile + ".1"} {
		if b, err := os.ReadFile(w.Dir.File(name)); err == nil && strings.Contains(string(b), secret) {
			t.Errorf("%s contains the secret", name)
		}
	}
}

// TestLongHomeUsesShortSocket: a BDG_HOME so deep that worker.sock would
// pass the socket address limit still works, through the short fallback
// path recorded in the metadata.
func TestLongHomeUsesShortSocket(t *testing.T) {
	h := newHarness(t)
	h.home = filepath.Join(h.home, strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(h.home, 0o700); err != nil {
		t.Fatal(err)
	}
	w := h.start(h.options("long", h.fx.URL("everything.html")))
	if len(w.Dir.File(session.SocketFile)) <= 107 {
		t.Fatal("the test's home is not long enough")
	}
	if sp := w.Handshake.SocketPath; len(sp) > 107 || strings.HasPrefix(sp, h.home) {
		t.Errorf("socket path %s (%d bytes)", sp, len(sp))
	}
	m, _ := w.Dir.ReadMeta()
	if m.SocketPath != w.Handshake.SocketPath {
		t.Errorf("meta records %q, the worker listens on %q", m.SocketPath, w.Handshake.SocketPath)
	}
	fi, err := os.Stat(filepath.Dir(w.Handshake.SocketPath))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the fallback directory: %v, mode %v", err, fi.Mode().Perm())
	}
	c := h.client(w.Dir)
	call(h, c, protocol.Status, protocol.StatusParams{})
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	if _, err := os.Stat(w.Handshake.SocketPath); err == nil {
		t.Error("the fallback socket was left behind")
	}
}

// TestUnusableHome: a BDG_HOME that is a file fails with session_file and a
// clear message.
func TestUnusableHome(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(h.home, "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := h.options("x", h.fx.URL("everything.html"))
	opts.Home = file
	_, err := h.launcher.Start(context.Background(), opts)
	if protocol.KindOf(err) != protocol.SessionFile || !strings.Contains(err.Error(), "not-a-dir") {
		t.Errorf("start with BDG_HOME a file: %v (kind %q)", err, protocol.KindOf(err))
	}
}

// socketInodes lists the inodes of the sockets process pid holds.
func socketInodes(t *testing.T, pid int) []string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var inodes []string
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes = append(inodes, strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]"))
		}
	}
	return inodes
}

// listeningInode reports whether a socket inode is a listening TCP socket.
func listeningInode(t *testing.T, inode string) (int, bool) {
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, _ := os.ReadFile(file)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) >= 10 && f[9] == inode && f[3] == "0A" {
				_, portHex, _ := strings.Cut(f[1], ":")
				port, _ := strconv.ParseInt(portHex, 16, 32)
				return int(port), true
			}
		}
	}
	return 0, false
}

func netDial(path string) (net.Conn, error) { return net.Dial("unix", path) }
