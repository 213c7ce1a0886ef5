package rpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
)

var ratios = flag.Bool("ratios", false, "run the codec benchmarks side by side and print their ratios (make bench)")

// benchMix is a realistic mix of notifications shaped like the CDP events
// bdg-rpc forwards: many small console messages, some responses with
// headers, and the occasional large body.
type benchMix struct {
	name  string
	msgs  []Message
	lines [][]byte // each message encoded, without newline
	size  int      // total bytes of lines
}

func newMix(name string, counts map[int]int) *benchMix {
	m := &benchMix{name: name}
	for _, size := range []int{200, 2 << 10, 64 << 10} {
		for i := 0; i < counts[size]; i++ {
			msg := cdpShaped(size, i)
			line, err := json.Marshal(&msg)
			if err != nil {
				panic(err)
			}
			m.msgs = append(m.msgs, msg)
			m.lines = append(m.lines, line)
			m.size += len(line)
		}
	}
	return m
}

// cdpShaped builds a notification of about size bytes.
func cdpShaped(size, seq int) Message {
	var params any
	switch {
	case size <= 256:
		params = map[string]any{
			"session": "default", "seq": seq, "level": "log", "source": "console",
			"timestamp": 1764100000123.456, "url": "http://127.0.0.1:4000/app.js", "line": 12,
			"text": strings.Repeat("x", max(0, size-185)),
		}
		return Message{JSONRPC: "2.0", Method: "console/message", Params: mustJSON(params)}
	case size <= 4096:
		headers := map[string]string{}
		for i := 0; len(mustJSON(headers)) < size-330; i++ {
			headers[fmt.Sprintf("x-header-%02d", i)] = "value-" + strings.Repeat("v", 40)
		}
		params = map[string]any{
			"session": "default", "seq": seq, "requestId": "1234.56", "url": "http://127.0.0.1:4000/api/items?page=2",
			"status": 200, "statusText": "OK", "mimeType": "application/json", "headers": headers,
			"timing": map[string]float64{"requestTime": 12345.678, "receiveHeadersEnd": 23.4},
		}
		return Message{JSONRPC: "2.0", Method: "network/response", Params: mustJSON(params)}
	default:
		var body strings.Builder
		for body.Len() < size-200 {
			fmt.Fprintf(&body, `{"id":%d,"name":"item \"%d\"","tags":["a","b"]},`, body.Len(), body.Len())
		}
		params = map[string]any{
			"session": "default", "seq": seq, "requestId": "1234.57", "encodedDataLength": body.Len(),
			"body": body.String(),
		}
		return Message{JSONRPC: "2.0", Method: "network/finished", Params: mustJSON(params)}
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (m *benchMix) ndjson() []byte {
	var b bytes.Buffer
	for _, l := range m.lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func (m *benchMix) vscode() []byte {
	var b bytes.Buffer
	for _, l := range m.lines {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(l))
		b.Write(l)
	}
	return b.Bytes()
}

var mixes = []*benchMix{
	newMix("mix", map[int]int{200: 16, 2 << 10: 4, 64 << 10: 1}),
	newMix("200B", map[int]int{200: 64}),
	newMix("2KB", map[int]int{2 << 10: 16}),
	newMix("64KB", map[int]int{64 << 10: 1}),
}

// rwc adapts a reader (and a discarding writer) to io.ReadWriteCloser.
type rwc struct {
	io.Reader
	io.Writer
}

func (rwc) Close() error { return nil }

// repeater reads data over and over, in reads of at most 32 KiB as a pipe
// or socket would deliver them.
type repeater struct {
	data []byte
	off  int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := copy(p[:min(len(p), 32<<10)], r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

// Each benchmark op decodes (or encodes) every message of the mix once.
var decoders = []struct {
	name string
	fn   func(b *testing.B, m *benchMix)
}{
	{"ndjson", func(b *testing.B, m *benchMix) {
		s := NewStream(rwc{&repeater{data: m.ndjson()}, io.Discard})
		var msg Message
		for b.Loop() {
			for range m.lines {
				if err := s.ReadObject(&msg); err != nil {
					b.Fatal(err)
				}
			}
		}
	}},
	{"vscode", func(b *testing.B, m *benchMix) {
		br := bufio.NewReader(&repeater{data: m.vscode()})
		var msg Message
		for b.Loop() {
			for range m.lines {
				msg = Message{}
				if err := (jsonrpc2.VSCodeObjectCodec{}).ReadObject(br, &msg); err != nil {
					b.Fatal(err)
				}
			}
		}
	}},
	{"unmarshal", func(b *testing.B, m *benchMix) {
		var msg Message
		for b.Loop() {
			for _, l := range m.lines {
				msg = Message{}
				if err := json.Unmarshal(l, &msg); err != nil {
					b.Fatal(err)
				}
			}
		}
	}},
}

var encoders = []struct {
	name string
	fn   func(b *testing.B, m *benchMix)
}{
	{"ndjson", func(b *testing.B, m *benchMix) {
		s := NewStream(rwc{nil, io.Discard})
		for b.Loop() {
			for i := range m.msgs {
				if err := s.WriteObject(&m.msgs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	}},
	{"vscode", func(b *testing.B, m *benchMix) {
		w := bufio.NewWriter(io.Discard)
		for b.Loop() {
			for i := range m.msgs {
				if err := (jsonrpc2.VSCodeObjectCodec{}).WriteObject(w, &m.msgs[i]); err != nil {
					b.Fatal(err)
				}
				w.Flush()
			}
		}
	}},
	{"marshal", func(b *testing.B, m *benchMix) {
		for b.Loop() {
			for i := range m.msgs {
				if _, err := json.Marshal(&m.msgs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	}},
}

func BenchmarkDecode(b *testing.B) {
	for _, m := range mixes {
		for _, d := range decoders {
			b.Run(m.name+"/"+d.name, func(b *testing.B) {
				b.SetBytes(int64(m.size))
				b.ReportAllocs()
				d.fn(b, m)
			})
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, m := range mixes {
		for _, e := range encoders {
			b.Run(m.name+"/"+e.name, func(b *testing.B) {
				b.SetBytes(int64(m.size))
				b.ReportAllocs()
				e.fn(b, m)
			})
		}
	}
}

// TestCodecRatios runs the decode and encode benchmarks of the mix side by
// side, interleaved over several rounds so that the machine's noise falls on
// all of them alike, and prints the ratios that docs/BENCHMARKS.md records.
// It only runs with -ratios (make bench) and asserts nothing about speed.
func TestCodecRatios(t *testing.T) {
	if !*ratios {
		t.Skip("run with -ratios (make bench)")
	}
	const rounds = 7
	mix := mixes[0]
	report := func(kind string, variants []struct {
		name string
		fn   func(b *testing.B, m *benchMix)
	}, floor string) {
		nsPerMsg := map[string][]float64{}
		allocs := map[string]float64{}
		for range rounds {
			for _, v := range variants {
				r := testing.Benchmark(func(b *testing.B) { b.ReportAllocs(); v.fn(b, mix) })
				nsPerMsg[v.name] = append(nsPerMsg[v.name], float64(r.NsPerOp())/float64(len(mix.lines)))
				allocs[v.name] = float64(r.AllocsPerOp()) / float64(len(mix.lines))
			}
		}
		median := func(xs []float64) float64 { s := slices.Clone(xs); slices.Sort(s); return s[len(s)/2] }
		fmt.Printf("\n%s of the mix (%d messages, %d bytes: 16 x 200 B, 4 x 2 KB, 1 x 64 KB), median of %d rounds\n", kind, len(mix.lines), mix.size, rounds)
		fmt.Printf("| codec | ns/message | MB/s | allocs/message | time vs %s | throughput vs vscode |\n|---|---|---|---|---|---|\n", floor)
		for _, v := range variants {
			ns := median(nsPerMsg[v.name])
			mbps := float64(mix.size) / float64(len(mix.lines)) / ns * 1e3
			fmt.Printf("| %s | %.0f | %.0f | %.1f | %.2fx | %.2fx |\n", v.name, ns, mbps, allocs[v.name],
				ns/median(nsPerMsg[floor]), median(nsPerMsg["vscode"])/ns)
		}
		fmt.Printf("ndjson allocations beyond %s: %.1f per message\n", floor, allocs["ndjson"]-allocs[floor])
	}
	report("Decode", decoders, "unmarshal")
	report("Encode", encoders, "marshal")
}
