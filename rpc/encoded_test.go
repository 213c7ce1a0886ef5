package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// encSpec is a method for the tests: its result is params.n repeated.
type encSpec struct{}

type encParams struct {
	N int `json:"n"`
}

func (encSpec) MethodName() string         { return "test/echo" }
func (encSpec) Types(encParams, encParams) {}

// TestEncodedBuffersReused: the replies of HandleEncoded, whose buffers are
// reused once written, each carry their own result, whatever the others in
// flight at once.
func TestEncodedBuffersReused(t *testing.T) {
	mux := NewMux()
	HandleEncoded(mux, encSpec{}, func(_ context.Context, p encParams) (encParams, error) { return p, nil },
		func(b []byte, r *encParams) ([]byte, error) {
			b = append(b, `{"n":"`...)
			b = append(b, strings.Repeat(fmt.Sprint(r.N%10), 64<<10+r.N)...)
			return append(b, `"}`...), nil
		})
	s := newSocketServer(t, mux)
	const calls = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range calls {
			fmt.Fprintf(s.client, `{"jsonrpc":"2.0","id":%d,"method":"test/echo","params":{"n":%d}}`+"\n", i, i)
		}
	})
	r := bufio.NewReaderSize(s.client, 1<<20)
	for range calls {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var reply struct {
			ID     int `json:"id"`
			Result struct {
				N string `json:"n"`
			} `json:"result"`
		}
		if err := json.Unmarshal(line, &reply); err != nil {
			t.Fatalf("%v: %.200s", err, line)
		}
		if want := strings.Repeat(fmt.Sprint(reply.ID%10), 64<<10+reply.ID); reply.Result.N != want {
			t.Fatalf("reply %d carries %d bytes of %.1q, want %d of %q", reply.ID, len(reply.Result.N), reply.Result.N, len(want), want[:1])
		}
	}
	wg.Wait()
}
