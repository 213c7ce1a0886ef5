package capture

// ring is a bounded FIFO: pushing onto a full ring evicts the oldest item.
// Its storage grows as it fills, so a small session stays small.
type ring[T any] struct {
	buf   []T
	start int // index of the oldest item once the ring is full
	max   int
}

func newRing[T any](max int) ring[T] { return ring[T]{max: max} }

// push appends v, returning the item it evicted, if any.
func (r *ring[T]) push(v T) (evicted T, ok bool) {
	if len(r.buf) < r.max {
		r.buf = append(r.buf, v)
		return evicted, false
	}
	evicted = r.buf[r.start]
	r.buf[r.start] = v
	r.start = (r.start + 1) % r.max
	return evicted, true
}

func (r *ring[T]) len() int { return len(r.buf) }

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
