// Command bdg-rpc gives editors and scripts live Chrome DevTools telemetry.
// Run "bdg-rpc help" for its commands.
package main

import (
	"os"

	"github.com/bdg-rpc/bdg-rpc/cmd/bdg-rpc/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
