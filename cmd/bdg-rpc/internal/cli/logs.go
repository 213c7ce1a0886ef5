package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// followInterval is how often "logs --follow" looks for new lines.
const followInterval = 200 * time.Millisecond

// printLog prints the last n lines of a log (all if n is 0) and, with
// follow, what is appended, across rotations, until ctx ends.
func printLog(ctx context.Context, env *Env, f *os.File, path string, n int, follow bool) error {
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if n > 0 {
		b = lastLines(b, n)
	}
	env.Stdout.Write(b)
	if !follow {
		return nil
	}
	t := time.NewTicker(followInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := io.Copy(env.Stdout, f); err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		// Rotated: worker.log is a new file; follow it from its start.
		cur, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && !os.SameFile(cur, now) {
			nf, err := os.Open(path)
			if err == nil {
				f.Close()
				f = nf
			}
		}
	}
}

func lastLines(b []byte, n int) []byte {
	b = bytes.TrimRight(b, "\n")
	i := len(b)
	for range n {
		j := bytes.LastIndexByte(b[:i], '\n')
		if j < 0 {
			return append(b, '\n')
		}
		i = j
	}
	return append(b[i+1:], '\n')
}
