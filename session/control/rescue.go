package control

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/journal"
)

// A worker that dies leaves two records of its run: session.partial.json,
// written every few seconds with what the worker held in memory (the
// newest 10,000 console messages), and the journal, which has every event
// up to 100 ms before the death. The rescue takes both: the partial file's
// document, with every console message of the journal (and those of the
// partial file the journal lost), the requests the journal saw change
// since the partial file was written, and its navigations.

// journalEvent is what the rescue reads of a journal's line.
type journalEvent struct {
	Method string `json:"method"`
	Params struct {
		Seq        uint64                   `json:"seq"`
		Request    *protocol.NetworkRequest `json:"request"`
		Navigation *protocol.Navigation     `json:"navigation"`
	} `json:"params"`
}

// consoleEvent is a journal's console/message line.
type consoleEvent struct {
	Method string `json:"method"`
	Params struct {
		Message *protocol.ConsoleMessage `json:"message"`
	} `json:"params"`
}

// openRunJournal opens the journal of the session's last run, when that
// run did not end (its last event is not session/ended); nil otherwise.
func openRunJournal(d session.Dir) *journal.Journal {
	dir := d.File(session.JournalDir)
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	j, err := journal.Open(dir, journal.Options{})
	if err != nil {
		return nil
	}
	last := j.Stats().Records
	ended := last == 0
	_ = j.Read(last, 1, func(_ uint64, rec []byte) bool {
		var ev journalEvent
		ended = json.Unmarshal(rec, &ev) == nil && ev.Method == protocol.NotifyEnded
		return false
	})
	if ended {
		j.Close()
		return nil
	}
	return j
}

// fromJournal completes out, the partial file's document (or an empty one
// without it), with what the journal j holds, and returns the console
// messages to write, oldest first, read from j as they are written.
func fromJournal(j *journal.Journal, out *protocol.Output) (func(visit func(*protocol.ConsoleMessage) bool) error, error) {
	partial := out.Data.Console
	reqAt := map[string]int{}
	for i, r := range out.Data.Network {
		reqAt[r.RequestID] = i
	}
	navAt := map[int]bool{}
	for _, n := range out.Navigations {
		navAt[n.ID] = true
	}
	count, k := 0, 0 // k: the partial file's next message
	err := j.Read(1, 0, func(_ uint64, rec []byte) bool {
		var ev journalEvent
		if json.Unmarshal(rec, &ev) != nil {
			return true // not an event: left out
		}
		out.LastSeq = max(out.LastSeq, ev.Params.Seq)
		switch p := &ev.Params; {
		case ev.Method == protocol.NotifyConsole:
			for k < len(partial) && partial[k].Seq < p.Seq {
				k, count = k+1, count+1
			}
			if k < len(partial) && partial[k].Seq == p.Seq {
				k++
			}
			count++
		case p.Request != nil:
			r := *p.Request
			if i, ok := reqAt[r.RequestID]; ok {
				if out.Data.Network[i].Seq > r.Seq {
					break // the partial file's is newer
				}
				old := out.Data.Network[i] // the journal's lines carry no bodies
				r.RequestBody, r.ResponseBody, r.Frames, r.Messages = old.RequestBody, old.ResponseBody, old.Frames, old.Messages
				out.Data.Network[i] = r
			} else {
				reqAt[r.RequestID] = len(out.Data.Network)
				out.Data.Network = append(out.Data.Network, r)
			}
		case p.Navigation != nil && !navAt[p.Navigation.ID]:
			navAt[p.Navigation.ID] = true
			out.Navigations = append(out.Navigations, *p.Navigation)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("reading the session's journal: %w", err)
	}
	out.Counts.Console = count + len(partial) - k
	out.Counts.Network = len(out.Data.Network)
	out.Data.Console = nil
	each := func(visit func(*protocol.ConsoleMessage) bool) error {
		k, stop := 0, false
		err := j.Read(1, 0, func(_ uint64, rec []byte) bool {
			var ev consoleEvent
			if json.Unmarshal(rec, &ev) != nil || ev.Method != protocol.NotifyConsole || ev.Params.Message == nil {
				return true // not a console message
			}
			m := ev.Params.Message
			for k < len(partial) && partial[k].Seq < m.Seq {
				if !visit(&partial[k]) {
					stop = true
					return false
				}
				k++
			}
			if k < len(partial) && partial[k].Seq == m.Seq {
				k++
			}
			stop = !visit(m)
			return !stop
		})
		for ; err == nil && !stop && k < len(partial); k++ {
			stop = !visit(&partial[k])
		}
		if err != nil {
			return fmt.Errorf("reading the session's journal: %w", err)
		}
		return nil
	}
	return each, nil
}
