package browser

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
)

// pagePathPrefix starts the path of a websocket endpoint of one page.
const pagePathPrefix = "/devtools/page/"

// PageInfo describes the page that AttachPage attached to.
type PageInfo struct {
	TargetID string
	URL      string
	Title    string
}

// AttachOptions say which page AttachPage takes.
type AttachOptions struct {
	// TargetID picks the page with this target id. Empty picks the first
	// page.
	TargetID string
	// NewPage makes AttachPage create a page rather than take one that
	// exists.
	NewPage bool
	// URL is what a page that AttachPage creates opens; default about:blank.
	URL string
}

// AttachPage returns a session on a page target of the connection, and what
// the page is. On the browser endpoint it lists the targets with
// Target.getTargets, takes the first one of type "page" (never "browser_ui",
// "service_worker" or a prerendered page), or creates one with
// Target.createTarget if there is none, and attaches to it with flatten: true.
// On a connection to a page endpoint (ws://HOST/devtools/page/ID), the
// connection itself is the page: the session is Session("").
func AttachPage(ctx context.Context, conn *Conn, opts AttachOptions) (*Session, PageInfo, error) {
	if id, ok := pageEndpointID(conn.URL()); ok {
		if opts.NewPage || (opts.TargetID != "" && opts.TargetID != id) {
			return nil, PageInfo{}, fmt.Errorf("attaching to a page: the connection is to page %s only; connect to the browser endpoint to pick or create pages", id)
		}
		sess := conn.Session("")
		info := PageInfo{TargetID: id}
		res, err := cdp.Call(ctx, sess, target.GetTargetInfo, target.GetTargetInfoParams{})
		if err == nil && res.TargetInfo != nil {
			info.URL, info.Title = res.TargetInfo.URL, res.TargetInfo.Title
		}
		return sess, info, nil
	}

	root := conn.Session("")
	var page *target.Info
	if !opts.NewPage {
		res, err := cdp.Call(ctx, root, target.GetTargets, target.GetTargetsParams{})
		if err != nil {
			return nil, PageInfo{}, fmt.Errorf("attaching to a page: %w", err)
		}
		for _, t := range res.TargetInfos {
			if isPage(t) && (opts.TargetID == "" || string(t.TargetID) == opts.TargetID) {
				page = t
				break
			}
		}
		if page == nil && opts.TargetID != "" {
			return nil, PageInfo{}, fmt.Errorf("attaching to a page: no page with target id %s", opts.TargetID)
		}
	}
	if page == nil {
		u := opts.URL
		if u == "" {
			u = "about:blank"
		}
		created, err := cdp.Call(ctx, root, target.CreateTarget, target.CreateTargetParams{URL: u})
		if err != nil {
			return nil, PageInfo{}, fmt.Errorf("attaching to a page: creating one: %w", err)
		}
		page = &target.Info{TargetID: created.TargetID, Type: "page", URL: u}
	}
	flatten := true
	att, err := cdp.Call(ctx, root, target.AttachToTarget, target.AttachToTargetParams{TargetID: page.TargetID, Flatten: &flatten})
	if err != nil {
		return nil, PageInfo{}, fmt.Errorf("attaching to page %s: %w", page.TargetID, err)
	}
	info := PageInfo{TargetID: string(page.TargetID), URL: page.URL, Title: page.Title}
	return conn.Session(string(att.SessionID)), info, nil
}

// isPage reports whether t is a page that a user would see.
func isPage(t *target.Info) bool {
	return t != nil && t.Type == "page" && t.Subtype == ""
}

// pageEndpointID returns the target id of a page endpoint URL.
func pageEndpointID(wsURL string) (string, bool) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", false
	}
	id, ok := strings.CutPrefix(u.Path, pagePathPrefix)
	if !ok || id == "" {
		return "", false
	}
	return id, true
}
