package control_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// BenchmarkEndedSessionPage: a page of 100 console messages from the
// middle of an ended session's session.json, asked as the CLI asks a
// session without a worker: through the document's index, and read whole
// (the index removed), side by side.
func BenchmarkEndedSessionPage(b *testing.B) {
	for _, c := range []struct {
		n     int
		whole bool
	}{{100_000, false}, {100_000, true}, {1_000_000, false}} {
		mode := "index"
		if c.whole {
			mode = "whole"
		}
		b.Run(fmt.Sprintf("%s/%d", mode, c.n), func(b *testing.B) {
			d, err := session.NewDir(b.TempDir(), "big")
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Ensure(); err != nil {
				b.Fatal(err)
			}
			out := protocol.Output{Version: protocol.Version, Success: true, Session: "big", LastSeq: uint64(c.n),
				Counts: protocol.Counts{Console: c.n}, WrittenAt: "2026-12-06T00:00:00Z"}
			con := make([]*protocol.ConsoleMessage, c.n)
			text := strings.Repeat("x", 200)
			for i := range con {
				con[i] = &protocol.ConsoleMessage{Seq: uint64(i + 1), Level: protocol.LevelLog, Type: "log", Source: "console-api",
					Text: fmt.Sprintf("message %d %s", i, text), Timestamp: 1.7e12 + float64(i), NavigationID: 1}
			}
			path := d.File(session.OutputFile)
			if err := session.WriteOutputAtomic(path, out, nil, con); err != nil {
				b.Fatal(err)
			}
			con = nil
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			if c.whole {
				os.Remove(session.IndexOf(path))
			}
			params := json.RawMessage(fmt.Sprintf(`{"limit":100,"cursor":"%s"}`, protocol.FormatCursor(uint64(c.n/2))))
			b.ResetTimer()
			for range b.N {
				raw, err := control.Ask(context.Background(), d, protocol.ConsoleList.Name, params)
				if err != nil || !strings.Contains(string(raw), `"returned":100`) {
					b.Fatalf("%.200s %v", raw, err)
				}
			}
			b.ReportMetric(float64(fi.Size())/(1<<20), "doc-MB") // after ResetTimer, which deletes it
		})
	}
}
