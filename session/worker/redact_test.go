package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/redact"
)

// TestSessionJSONIsRedacted: credentials the page sends (an Authorization
// header, a token in the URL) are in the live answers, but session.json
// keeps them redacted, unless the session was started with NoRedact.
func TestSessionJSONIsRedacted(t *testing.T) {
	const secret = "s3cr3t-t0ken-value"
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("noRedact=", keep), func(t *testing.T) {
			h := newHarness(t)
			opts := h.options("redact", h.fx.URL("everything.html"))
			opts.NoRedact = keep
			w := h.start(opts)
			c := h.client(w.Dir)
			expr := fmt.Sprintf(`fetch("/data.json?access_token=%s", {headers: {"Authorization": "Bearer %s"}}).then(() => console.log("sent"))`, secret, secret)
			params, _ := json.Marshal(map[string]any{"expression": expr})
			call(h, c, protocol.CDPSend, protocol.CDPSendParams{Method: "Runtime.evaluate", Params: params})
			h.subscribe(w.Dir, ptr(uint64(0))).await("sent", consoleText("sent"))
			live := call(h, c, protocol.NetworkList, protocol.NetworkListParams{ListParams: protocol.ListParams{Filter: "url:access_token"}})
			if len(live.Items) == 0 || !strings.Contains(string(live.Items[0].RequestHeaders), secret) || !strings.Contains(live.Items[0].URL, secret) {
				t.Fatalf("the live answer lacks the credentials: %+v", live.Items)
			}
			res, err := control.Stop(context.Background(), w.Dir)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(res.OutputPath)
			if err != nil {
				t.Fatal(err)
			}
			if has := strings.Contains(string(b), secret); has != keep {
				t.Errorf("session.json holds the secret: %v, want %v", has, keep)
			}
			if !keep && !strings.Contains(string(b), redact.Marker) {
				t.Error("session.json does not say what it redacted")
			}
			if s, _ := os.ReadFile(session.SummaryOf(res.OutputPath)); !keep && strings.Contains(string(s), secret) {
				t.Error("the summary holds the secret")
			}
		})
	}
}
