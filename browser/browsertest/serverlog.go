package browsertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Served is one request the fixture server answered.
type Served struct {
	Method string
	// URL is the full URL the request was for: scheme, the host as the
	// client named it (127.0.0.1:PORT or localhost:PORT), path and query.
	URL string
}

// Said is one console line a page reported through the side channel.
type Said struct {
	// Ctx names the context that logged it: "page", "iframe", "worker"...,
	// as the page says.
	Ctx   string `json:"ctx"`
	Level string `json:"level"` // the console method: log, info, warn, error, debug
	Text  string `json:"text"`
}

// serverLog records what the fixture server served and what pages said.
type serverLog struct {
	mu    sync.Mutex
	reqs  []Served
	lines []Said
}

// maxSaid bounds one report on the side channel.
const maxSaid = 64 << 10

func (l *serverLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/_said":
			var s Said
			if err := json.NewDecoder(io.LimitReader(r.Body, maxSaid)).Decode(&s); err != nil {
				http.Error(w, "bad report: "+err.Error(), http.StatusBadRequest)
				return
			}
			l.mu.Lock()
			l.lines = append(l.lines, s)
			l.mu.Unlock()
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.WriteHeader(http.StatusNoContent)
			return
		case "/favicon.ico":
		default:
			l.mu.Lock()
			l.reqs = append(l.reqs, Served{Method: r.Method, URL: "http://" + r.Host + r.URL.RequestURI()})
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (l *serverLog) served() []Served {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Served(nil), l.reqs...)
}

func (l *serverLog) said() []Said {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Said(nil), l.lines...)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveEcho is a WebSocket that sends "welcome", then echoes every message
// with its own type until the client closes.
func serveEcho(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the client already
	}
	defer c.Close()
	if c.WriteMessage(websocket.TextMessage, []byte("welcome")) != nil {
		return
	}
	for {
		t, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if c.WriteMessage(t, msg) != nil {
			return
		}
	}
}

// serveEvents sends n EventSource messages ("tick 1".."tick n"), and keeps
// the stream open until the client goes, so that it does not reconnect.
func serveEvents(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n <= 0 || n > 1000 {
		n = 3
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fl, _ := w.(http.Flusher)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "id: %d\ndata: tick %d\n\n", i, i)
		if fl != nil {
			fl.Flush()
		}
	}
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}
