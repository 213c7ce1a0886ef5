// Command bdg-rpc gives editors and scripts live Chrome DevTools telemetry.
// Run "bdg-rpc help" for its commands.
package main

import (
	"os"

	"github.com/bdg-rpc/bdg-rpc/cmd/bdg-rpc/internal/cli"
)

// commit is the commit the binary was built from, stamped by make build and
// make release (-ldflags "-X main.commit=..."): go's own VCS stamp is off
// where GOFLAGS has -buildvcs=false, and absent from go install.
var commit string

func main() {
	os.Exit(cli.Main(cli.Build{Commit: commit}))
}
