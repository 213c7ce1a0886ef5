package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// SummaryItems is how many of the newest requests and console messages a
// summary keeps: enough for a default peek.
const SummaryItems = protocol.DefaultPeekLast

// Summary is what session.summary.json (beside session.json) and
// session.partial.summary.json (beside session.partial.json) hold: the
// document without its records but the newest SummaryItems of each kind,
// and the size of the document it summarizes. A reader whose worker is gone
// answers status, the session list and a short peek from it in
// milliseconds, whatever the size of the document.
type Summary struct {
	protocol.Output
	// DataSize is the size of the document when the summary was written: a
	// summary of another size is not the document's (the worker died
	// between the two writes) and is not used.
	DataSize int64 `json:"dataSize"`
}

// SummaryOf returns the path of the summary of a session document.
func SummaryOf(path string) string {
	return strings.TrimSuffix(path, ".json") + ".summary.json"
}

// writeSummary writes the summary of the document at path, which has just
// been written from out and its records.
func writeSummary(path string, out protocol.Output, network []*protocol.NetworkRequest, console []*protocol.ConsoleMessage) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("summarizing %s: %w", path, err)
	}
	s := Summary{Output: out, DataSize: fi.Size()}
	s.Data = protocol.OutputData{Network: newest(network), Console: newest(console)}
	return WriteFileAtomic(SummaryOf(path), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(s)
	})
}

// newest copies the newest SummaryItems records.
func newest[T any](recs []*T) []T {
	recs = recs[max(0, len(recs)-SummaryItems):]
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = *r
	}
	return out
}

// ReadSummary reads what ReadOutput reads, from the summary of the document
// when it has a current one: the document's header and its newest
// SummaryItems records of each kind (full says whether those are all its
// records). Without a current summary it reads the document itself.
func (d Dir) ReadSummary() (out protocol.Output, path string, age time.Duration, full bool, err error) {
	path, mod, err := d.newestOutput()
	if err != nil {
		return out, path, 0, false, err
	}
	if s, ok := d.summary(path); ok {
		full = s.Counts.Network <= len(s.Data.Network) && s.Counts.Console <= len(s.Data.Console)
		return s.Output, path, max(0, time.Since(mod)), full, nil
	}
	out, path, age, err = d.ReadOutput()
	return out, path, age, true, err
}

// summary returns the summary of the document at path if it is current.
func (d Dir) summary(path string) (Summary, bool) {
	var s Summary
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return s, false
	}
	b, err := ReadFile(SummaryOf(path))
	if err != nil || json.Unmarshal(b, &s) != nil || s.DataSize != fi.Size() {
		return s, false
	}
	return s, true
}

// newestOutput returns the newer of session.json and session.partial.json,
// and when it was written.
func (d Dir) newestOutput() (string, time.Time, error) {
	path, mod := "", time.Time{}
	for _, name := range []string{OutputFile, PartialFile} {
		fi, err := os.Lstat(d.File(name))
		if err == nil && (path == "" || fi.ModTime().After(mod)) {
			path, mod = d.File(name), fi.ModTime()
		}
	}
	if path == "" {
		return "", mod, fmt.Errorf("%w for session %q in %s", ErrNoOutput, d.Name, d.Path)
	}
	return path, mod, nil
}

// RemoveOutput removes a session document, its summary and its index.
func RemoveOutput(path string) error {
	return errors.Join(os.Remove(path), ignoreMissing(os.Remove(SummaryOf(path))), ignoreMissing(os.Remove(IndexOf(path))))
}

func ignoreMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
