package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// TestPager: a list fetched in pages comes whole, oldest first, each item
// once, with the want and offset of one call; a stale answer is announced
// once.
func TestPager(t *testing.T) {
	d, err := session.NewDir(t.TempDir(), "paged")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	var con []*protocol.ConsoleMessage
	for i := range 95 {
		con = append(con, &protocol.ConsoleMessage{Seq: uint64(i + 1), Level: protocol.LevelLog, Text: fmt.Sprint("m", i+1)})
	}
	out := protocol.Output{Session: "paged", LastSeq: 95, Counts: protocol.Counts{Console: 95}}
	if err := session.WriteOutputAtomic(d.File(session.OutputFile), out, nil, con); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	env := &Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}
	pg := consolePager(protocol.ListParams{}, nil)
	pg.size = 7
	for _, c := range []struct{ want, offset, first, last int }{
		{0, 0, 1, 95}, {10, 0, 86, 95}, {10, 5, 81, 90}, {20, 90, 1, 5},
	} {
		stderr.Reset()
		msgs, lp, err := pg.fetch(context.Background(), env, d, c.want, c.offset)
		if err != nil {
			t.Fatal(err)
		}
		if total := lp.Matched; total != 95 || len(msgs) != c.last-c.first+1 {
			t.Fatalf("want %d offset %d: %d messages of %d", c.want, c.offset, len(msgs), lp.Matched)
		}
		for i, m := range msgs {
			if int(m.Seq) != c.first+i {
				t.Fatalf("want %d offset %d: message %d has seq %d, want %d", c.want, c.offset, i, m.Seq, c.first+i)
			}
		}
		if n := strings.Count(stderr.String(), "warning"); n != 1 {
			t.Errorf("the stale answer was announced %d times", n)
		}
	}
}
