package rpc

import "sync"

// A result that HandleEncoded's encoder wrote is megabytes (10,000 console
// messages): a new buffer for each is as many megabytes the runtime must
// clear and the collector take back, which was half of console/list's
// time. The Mux keeps the buffers in a pool, and the reply gives each
// back once it is written.

// maxPooledBuffer is the largest buffer the pool keeps.
const maxPooledBuffer = 16 << 20

// bufPool is a Mux's pool of encoding buffers.
type bufPool struct{ p sync.Pool }

func (p *bufPool) get() []byte {
	if b, ok := p.p.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

func (p *bufPool) put(b []byte) {
	if cap(b) > 0 && cap(b) <= maxPooledBuffer {
		b = b[:0]
		p.p.Put(&b)
	}
}

// encoded is a result encoded into a buffer of pool, which the reply gives
// back once it has written it. Anything else that takes it (Dispatch's
// callers) encodes it as the JSON it holds, and the buffer is not reused.
type encoded struct {
	b    []byte
	pool *bufPool
}

// MarshalJSON implements json.Marshaler.
func (e *encoded) MarshalJSON() ([]byte, error) { return RawResult(e.b).MarshalJSON() }
