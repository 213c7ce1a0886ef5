package cli

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

//go:embed demo/index.html
var demoFiles embed.FS

// runDemo serves the embedded demo page on 127.0.0.1, starts a session on
// it, prints its events live for a few seconds, stops it, and says where
// session.json is.
func runDemo(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("demo", env)
	sf.name = "demo"
	sf.fs.Lookup("session").DefValue = "demo"
	seconds := sf.fs.Int("seconds", 6, "how long to watch")
	headed := sf.fs.Bool("headed", false, "show Chrome's window")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("serving the demo page: %w", err)
	}
	srv := &http.Server{Handler: demoHandler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) // stopped by Shutdown below
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/"

	fmt.Fprintf(env.Stdout, "Serving the demo page at %s\n", url)
	headless := !*headed
	opts := session.Options{Session: d.Name, Home: d.Home, URL: url, Headless: &headless}
	w, err := control.Launcher{Progress: func(step string) { fmt.Fprintf(env.Stdout, "  … %s\n", step) }}.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Session %q started: worker pid %d, %s (pid %d)\n\n", d.Name, w.Handshake.PID, w.Handshake.Chrome.Version, w.Handshake.Chrome.PID)

	events := make(chan []byte, 1024)
	c, err := control.Connect(ctx, d, nil, nil, rpc.InterceptNotifications(func(_ string, frame []byte, _ bool) bool {
		select {
		case events <- append([]byte(nil), frame...):
		default: // the demo prints what it can keep up with
		}
		return true
	}))
	if err != nil {
		return err
	}
	defer c.Close()
	since := uint64(0)
	if _, err := rpc.Call(ctx, c.Conn, protocol.Subscribe, protocol.SubscribeParams{Since: &since}); err != nil {
		return err
	}
	deadline := time.After(time.Duration(*seconds) * time.Second)
	f := newFormatter(env)
watch:
	for {
		select {
		case frame := <-events:
			var n struct {
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
			}
			if json.Unmarshal(frame, &n) == nil {
				fmt.Fprintln(env.Stdout, f.event(n.Method, n.Params))
			}
		case <-deadline:
			break watch
		case <-ctx.Done():
			break watch
		}
	}
	res, err := control.Stop(context.WithoutCancel(ctx), d)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\nStopped: %d requests and %d console messages captured.\nsession.json: %s\n", res.Counts.Network, res.Counts.Console, res.OutputPath)
	return ctx.Err()
}

func demoHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		b, _ := demoFiles.ReadFile("demo/index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"page":%q,"items":["apple","pear","plum"]}`, r.URL.Query().Get("page"))
	})
	mux.HandleFunc("/api/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.Copy(w, io.LimitReader(r.Body, 1<<20))
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return mux
}
