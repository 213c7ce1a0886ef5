package server_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/server/mcp"
)

// mcpMain is this test binary as "bdg-rpc mcp".
func mcpMain() int {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := mcp.Run(ctx, mcp.Options{Home: os.Getenv("BDG_HOME"), Version: protocol.Version, Chrome: os.Getenv("BDG_CHROME")}, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
