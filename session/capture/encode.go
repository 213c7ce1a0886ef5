package capture

import (
	"strconv"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/go-json-experiment/json/jsontext"
)

// appendConsoleEvent appends a console/message notification line, with the
// members encoding/json writes for protocol.ConsoleEvent, in the same order
// (TestConsoleEventEncoding holds the two to each other). It reports false
// when a string cannot be quoted (invalid UTF-8: encoding/json then takes
// over and replaces it).
func appendConsoleEvent(b []byte, session string, seq uint64, m *protocol.ConsoleMessage) ([]byte, bool) {
	var ok bool
	str := func(s string) {
		if !ok {
			return
		}
		var err error
		if b, err = jsontext.AppendQuote(b, s); err != nil {
			ok = false
		}
	}
	ok = true
	b = append(b, `{"jsonrpc":"2.0","method":"console/message","params":{"session":`...)
	str(session)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"message":{"seq":`...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, `,"level":`...)
	str(m.Level)
	b = append(b, `,"source":`...)
	str(m.Source)
	b = append(b, `,"type":`...)
	str(m.Type)
	b = append(b, `,"text":`...)
	str(m.Text)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendFloat(b, m.Timestamp, 'f', -1, 64)
	if m.URL != "" {
		b = append(b, `,"url":`...)
		str(m.URL)
	}
	if m.Line != 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(m.Line), 10)
	}
	if m.Column != 0 {
		b = append(b, `,"column":`...)
		b = strconv.AppendInt(b, int64(m.Column), 10)
	}
	if m.Stack != "" {
		b = append(b, `,"stack":`...)
		str(m.Stack)
	}
	b = append(b, `,"navigationId":`...)
	b = strconv.AppendInt(b, int64(m.NavigationID), 10)
	b = append(b, "}}}"...)
	return b, ok
}
