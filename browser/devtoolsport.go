package browser

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// activePortFile is the file in the profile where Chrome writes the port of
// its DevTools server and the path of the browser endpoint:
//
//	38241
//	/devtools/browser/9700fd99-ace2-4c5f-9be9-767dd84e90a7
const activePortFile = "DevToolsActivePort"

const browserPathPrefix = "/devtools/browser/"

// readActivePort reads the DevToolsActivePort file in dir. It reports false
// while the file is missing or not complete.
func readActivePort(dir string) (port int, path string, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, activePortFile))
	if err != nil {
		return 0, "", false
	}
	return parseActivePort(string(b))
}

func parseActivePort(s string) (port int, path string, ok bool) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) < 2 {
		return 0, "", false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || port <= 0 || port > 65535 {
		return 0, "", false
	}
	path = strings.TrimSpace(lines[1])
	if !strings.HasPrefix(path, browserPathPrefix) || len(path) == len(browserPathPrefix) {
		return 0, "", false
	}
	return port, path, true
}

// debuggingHost returns the host to connect to for the address that Chrome
// listens on, the value of --remote-debugging-address.
func debuggingHost(addr string) string {
	ip := net.ParseIP(addr)
	if addr == "" || ip == nil || ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return addr
}
