package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func record(n uint64) []byte {
	return fmt.Appendf(nil, `{"seq":%d,"text":"message %d of the page"}`, n, n)
}

// readAll reads every record from from on, failing the test on a record
// that is not the one appended with its number.
func readAll(t *testing.T, j *Journal, from uint64, max int) []uint64 {
	t.Helper()
	var got []uint64
	err := j.Read(from, max, func(n uint64, rec []byte) bool {
		if string(rec) != string(record(n)) {
			t.Fatalf("record %d reads %q", n, rec)
		}
		got = append(got, n)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantRun(t *testing.T, got []uint64, from, to uint64) {
	t.Helper()
	if uint64(len(got)) != to-from+1 || (len(got) > 0 && (got[0] != from || got[len(got)-1] != to)) {
		t.Fatalf("read %d records %v...; want %d to %d", len(got), got[:min(len(got), 5)], from, to)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("record %d follows %d", got[i], got[i-1])
		}
	}
}

// TestAppendRead: records go over many segments, and come back from any
// number on, in order, before and after the journal is opened again.
func TestAppendRead(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 4 << 10, IndexEvery: 16, BufferBytes: 1 << 10}
	j, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	const total = 5000
	for i := uint64(1); i <= total; i++ {
		n, err := j.Append(record(i))
		if err != nil || n != i {
			t.Fatalf("Append: %d, %v", n, err)
		}
	}
	wantRun(t, readAll(t, j, 1, 0), 1, total)
	wantRun(t, readAll(t, j, 2500, 100), 2500, 2599)
	wantRun(t, readAll(t, j, 4999, 0), 4999, total)
	if got := readAll(t, j, total+1, 0); len(got) != 0 {
		t.Errorf("read past the end: %v", got)
	}
	st := j.Stats()
	if st.Records != total || st.Segments < 50 || st.Lost != 0 || st.Corrupt != 0 {
		t.Errorf("stats %+v", st)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	wantRun(t, readAll(t, j, 1234, 0), 1234, total)
	if n, _ := j.Append(record(total + 1)); n != total+1 {
		t.Errorf("after reopening, the next record is %d", n)
	}
	wantRun(t, readAll(t, j, total-1, 0), total-1, total+1)
}

// TestTornTail: the last segment cut at every offset, as a kill -9 in the
// middle of a write leaves it, opens with every whole record before the
// cut and nothing after; the journal goes on from there.
func TestTornTail(t *testing.T) {
	src := t.TempDir()
	j, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const total = 40
	for i := uint64(1); i <= total; i++ {
		j.Append(record(i))
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	name := segmentName(1)
	full, err := os.ReadFile(filepath.Join(src, name))
	if err != nil {
		t.Fatal(err)
	}
	// The offsets at which each line ends.
	var ends []int
	for i, b := range full {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	for cut := 0; cut <= len(full); cut++ {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		whole := uint64(0)
		for _, e := range ends {
			if e <= cut {
				whole++
			}
		}
		got := readAll(t, j, 1, 0)
		if whole > 0 {
			wantRun(t, got, 1, whole)
		} else if len(got) != 0 {
			t.Fatalf("cut at %d: read %v", cut, got)
		}
		st := j.Stats()
		wantCut := int64(cut)
		if whole > 0 {
			wantCut = int64(cut - ends[whole-1])
		}
		if st.Cut != wantCut || st.Records != whole {
			t.Fatalf("cut at %d: stats %+v; want %d bytes cut, %d records", cut, st, wantCut, whole)
		}
		if n, err := j.Append(record(whole + 1)); err != nil || n != whole+1 {
			t.Fatalf("cut at %d: Append gave %d, %v", cut, n, err)
		}
		wantRun(t, readAll(t, j, 1, 0), 1, whole+1)
		j.Close()
	}
}

// TestCorruptLine: a line that does not check in an earlier segment is
// skipped and counted; the records around it are there.
func TestCorruptLine(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 1 << 10}
	j, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 100; i++ {
		j.Append(record(i))
	}
	j.Close()
	path := filepath.Join(dir, segmentName(1))
	b, _ := os.ReadFile(path)
	b[20] ^= 0x01 // inside the first record
	os.WriteFile(path, b, 0o600)
	j, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got := readAll(t, j, 1, 0)
	if j.Stats().Corrupt != 1 || len(got) != 99 || got[0] != 2 {
		t.Errorf("corrupt %d; read %d records from %d", j.Stats().Corrupt, len(got), got[0])
	}
}

// TestReadWhileAppending: a reader that walks the journal by cursor while
// records are appended sees every record once, in order.
func TestReadWhileAppending(t *testing.T) {
	j, err := Open(t.TempDir(), Options{SegmentBytes: 8 << 10, IndexEvery: 8, BufferBytes: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const total = 20000
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := uint64(1); i <= total; i++ {
			if _, err := j.Append(record(i)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var seen []uint64
	next := uint64(1)
	deadline := time.Now().Add(time.Minute)
	for next <= total && time.Now().Before(deadline) {
		err := j.Read(next, 100, func(n uint64, rec []byte) bool {
			seen = append(seen, n)
			next = n + 1
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	wantRun(t, seen, 1, total)
}

// failingFile fails every write once the disk is "full".
type failingFile struct {
	appendFile
	full *bool
}

func (f failingFile) Write(b []byte) (int, error) {
	if *f.full {
		n, _ := f.appendFile.Write(b[:len(b)/2]) // a write cut short
		return n, syscall.ENOSPC
	}
	return f.appendFile.Write(b)
}

// TestFullDisk: when writes fail, what was written before stays whole;
// what is appended meanwhile is counted as lost; once the disk has room
// again the journal writes on.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	full := false
	now := time.Unix(1000, 0)
	opts := Options{BufferBytes: 1 << 10, RetryEvery: 5 * time.Second, Now: func() time.Time { return now }}
	opts.open = func(path string, create bool) (appendFile, error) {
		f, err := openAppend(path, create)
		if err != nil {
			return nil, err
		}
		return failingFile{f, &full}, nil
	}
	j, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 100; i++ {
		j.Append(record(i))
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	full = true
	var first error
	for i := uint64(101); i <= 200; i++ {
		if _, err := j.Append(record(i)); err != nil && first == nil {
			first = err
		}
	}
	if err := j.Flush(); !errors.Is(err, syscall.ENOSPC) || !errors.Is(first, syscall.ENOSPC) {
		t.Fatalf("the errors of a full disk: %v, %v", first, err)
	}
	st := j.Stats()
	if st.Lost != 100 || !errors.Is(st.Err, syscall.ENOSPC) {
		t.Errorf("stats while full: %+v", st)
	}
	wantRun(t, readAll(t, j, 1, 0), 1, 100)

	full = false
	now = now.Add(6 * time.Second) // time to try the disk again
	for i := uint64(201); i <= 210; i++ {
		j.Append(record(i))
	}
	if err := j.Flush(); err != nil {
		t.Fatalf("after the disk has room: %v", err)
	}
	got := readAll(t, j, 1, 0)
	if len(got) != 110 || got[99] != 100 || got[100] != 201 {
		t.Errorf("read %d records, ... %v", len(got), got[98:min(len(got), 102)])
	}
	j.Close()
	// Nothing torn is left on disk.
	j, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if st := j.Stats(); st.Cut != 0 || st.Corrupt != 0 || st.Records != 210 {
		t.Errorf("reopened: %+v", st)
	}
}

// TestMaxBytes: past MaxBytes the oldest segments go, counted; the newest
// records stay readable.
func TestMaxBytes(t *testing.T) {
	j, err := Open(t.TempDir(), Options{SegmentBytes: 4 << 10, MaxBytes: 16 << 10, BufferBytes: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const total = 2000
	for i := uint64(1); i <= total; i++ {
		j.Append(record(i))
	}
	j.Flush()
	st := j.Stats()
	got := readAll(t, j, 1, 0)
	if st.Bytes > 16<<10+4<<10 || st.Dropped == 0 || uint64(len(got)) != total-st.Dropped || got[len(got)-1] != total {
		t.Errorf("stats %+v; read %d records, the last %d", st, len(got), got[len(got)-1])
	}
	wantRun(t, got, st.Dropped+1, total)
}

// TestAppendAt: records numbered by their owner, with gaps, over many
// segments: a read from any number, in a gap or on a record, starts at
// the first record at or past it, before and after the journal is opened
// again; a number not past the last is refused.
func TestAppendAt(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 4 << 10, IndexEvery: 16, BufferBytes: 1 << 10}
	j, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var nums []uint64
	for n := uint64(3); n < 20_000; n += 1 + n%7 { // gaps of 0 to 6
		if err := j.AppendAt(n, record(n)); err != nil {
			t.Fatal(err)
		}
		nums = append(nums, n)
	}
	if err := j.AppendAt(nums[len(nums)-1], record(1)); err == nil {
		t.Error("a number not past the last was taken")
	}
	check := func(j *Journal) {
		t.Helper()
		for _, from := range []uint64{1, 3, 4, 5, 1000, 1001, 1002, 19_990, nums[len(nums)-1]} {
			got := readAll(t, j, from, 40)
			want := []uint64{}
			for _, n := range nums {
				if n >= from && len(want) < 40 {
					want = append(want, n)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("from %d: read %v, want %v", from, got, want)
			}
		}
	}
	check(j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if j, err = Open(dir, opts); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	check(j)
	if st := j.Stats(); st.Records != nums[len(nums)-1] || st.Segments < 10 {
		t.Errorf("stats %+v", st)
	}
}

// TestBlobs: what Append wrote is read back by its offset, after others.
func TestBlobs(t *testing.T) {
	b, err := OpenBlobs(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var offs []int64
	for i := range 100 {
		off, err := b.Append([]byte(strings.Repeat(fmt.Sprint(i%10), i+1)))
		if err != nil {
			t.Fatal(err)
		}
		offs = append(offs, off)
	}
	for i, off := range offs {
		p := make([]byte, i+1)
		if _, err := b.ReadAt(p, off); err != nil || string(p) != strings.Repeat(fmt.Sprint(i%10), i+1) {
			t.Fatalf("blob %d at %d: %q, %v", i, off, p, err)
		}
	}
}
