package capture

// ring is a bounded FIFO: pushing onto a full ring evicts the oldest item,
// and pop takes the oldest out (for the stores' byte budgets). Its storage
// grows as it fills, so a small session stays small.
type ring[T any] struct {
	buf   []T
	start int // index of the oldest item
	n     int // items held
	max   int
}

func newRing[T any](max int) ring[T] { return ring[T]{max: max} }

// push appends v, returning the item it evicted, if any.
func (r *ring[T]) push(v T) (evicted T, ok bool) {
	if r.n == r.max {
		evicted = r.buf[r.start]
		r.buf[r.start] = v
		r.start = (r.start + 1) % len(r.buf)
		return evicted, true
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.start+r.n)%len(r.buf)] = v
	r.n++
	return evicted, false
}

// grow makes room for more items, up to max, the oldest first.
func (r *ring[T]) grow() {
	size := min(max(2*len(r.buf), 16), r.max)
	buf := make([]T, size)
	for i := range r.n {
		buf[i] = r.at(i)
	}
	r.buf, r.start = buf, 0
}

// pop removes and returns the oldest item; the ring must not be empty.
func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.start]
	r.buf[r.start] = zero
	r.start = (r.start + 1) % len(r.buf)
	r.n--
	return v
}

func (r *ring[T]) len() int { return r.n }

// at returns the i-th item, oldest first.
func (r *ring[T]) at(i int) T { return r.buf[(r.start+i)%len(r.buf)] }

// last returns up to n of the newest items after skipping offset of the
// newest, oldest first, keeping only those keep accepts (nil: all). It also
// returns how many items keep accepted in all.
func (r *ring[T]) last(n, offset int, keep func(T) bool) ([]T, int) {
	var matched []T
	for i := r.len() - 1; i >= 0; i-- {
		v := r.at(i)
		if keep == nil || keep(v) {
			matched = append(matched, v)
		}
	}
	total := len(matched)
	if offset >= len(matched) {
		return []T{}, total
	}
	matched = matched[offset:]
	if n > 0 && n < len(matched) {
		matched = matched[:n]
	}
	// newest first -> oldest first
	for i, j := 0, len(matched)-1; i < j; i, j = i+1, j-1 {
		matched[i], matched[j] = matched[j], matched[i]
	}
	return matched, total
}
