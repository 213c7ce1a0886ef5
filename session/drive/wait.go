package drive

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// idleFor is how long no request may be in flight for the network to
// count as idle (Chrome's networkIdle uses the same).
const idleFor = 500 * time.Millisecond

// pollEvery is how often WaitFor looks at the capture's requests.
const pollEvery = 50 * time.Millisecond

// waitScript resolves once an element matches the selector (and is
// visible, if asked) or the page's text holds the text, watching the
// document's changes; it resolves false when the time is up. Its
// arguments: selector, visible, text, ms.
const waitScript = `((sel, visible, text, ms) => new Promise((resolve) => {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  const met = () => {
    if (sel) { const el = document.querySelector(sel); return !!el && (!visible || shown(el)); }
    return !!document.body && document.body.innerText.includes(text);
  };
  let done = false;
  const finish = (v) => { if (!done) { done = true; obs.disconnect(); clearInterval(tick); clearTimeout(timer); resolve(v); } };
  const obs = new MutationObserver(() => { if (met()) finish(true); });
  obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const tick = setInterval(() => { if (met()) finish(true); }, 100); // styles and layout change unobserved
  const timer = setTimeout(() => finish(false), ms);
  if (met()) finish(true);
}))(%s, %t, %s, %d)`

// WaitFor waits until an element matches a selector, the page's text
// holds some text, or the network has been idle for 500 ms.
func (pg *Page) WaitFor(ctx context.Context, p protocol.WaitForParams, inFlight func() int) (protocol.WaitForResult, error) {
	timeout := time.Duration(p.TimeoutMs) * time.Millisecond
	if p.TimeoutMs == 0 {
		timeout = protocol.DefaultNavigateTimeoutMs * time.Millisecond
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second) // the page's own timer ends it first
	defer cancel()
	what := fmt.Sprintf("an element matching %s", p.Selector)
	if p.Text != "" {
		what = fmt.Sprintf("the text %q", p.Text)
	}
	if p.NetworkIdle {
		what = "the network to be idle"
		idleSince := time.Time{}
		for {
			now := time.Now()
			switch {
			case inFlight() > 0:
				idleSince = time.Time{}
			case idleSince.IsZero():
				idleSince = now
			case now.Sub(idleSince) >= idleFor:
				return protocol.WaitForResult{WaitedMs: time.Since(start).Milliseconds()}, nil
			}
			if now.Sub(start) > timeout {
				return protocol.WaitForResult{}, waitTimeout(what, timeout)
			}
			select {
			case <-time.After(pollEvery):
			case <-ctx.Done():
				return protocol.WaitForResult{}, waitTimeout(what, timeout)
			}
		}
	}
	sel, _ := json.Marshal(p.Selector)
	text, _ := json.Marshal(p.Text)
	var res struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	for {
		res.Result.Value, res.ExceptionDetails = nil, nil
		err := evaluate(ctx, pg.Main, map[string]any{
			"expression":   fmt.Sprintf(waitScript, sel, p.Visible, text, max(timeout-time.Since(start), 0).Milliseconds()),
			"awaitPromise": true, "returnByValue": true,
		}, &res)
		switch {
		case err != nil:
			return protocol.WaitForResult{}, err
		case res.ExceptionDetails != nil:
			x := res.ExceptionDetails.exception()
			if p.Selector != "" && x != nil {
				return protocol.WaitForResult{}, invalidSelector(p.Selector, x.Text)
			}
			// The document went (a navigation): wait in the next one.
			if time.Since(start) < timeout {
				continue
			}
		case res.Result.Value == true:
			return protocol.WaitForResult{WaitedMs: time.Since(start).Milliseconds()}, nil
		case res.Result.Value == nil && time.Since(start) < timeout:
			continue // the document went while it waited
		}
		return protocol.WaitForResult{}, waitTimeout(what, timeout)
	}
}

func waitTimeout(what string, timeout time.Duration) error {
	return protocol.Errorf(protocol.CDPTimeout, "waited %s for %s", timeout, what).
		WithHint("timeout (ms) waits longer; bdg-rpc screenshot shows what the page shows")
}
