package browser

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
)

// Tab is a page of a browser, as a person sees it: a tab (or a window's
// page), never Chrome's own UI, a service worker or a prerendered page.
type Tab struct {
	Index    int    `json:"index"` // its place in the list, from 0
	ID       string `json:"id"`    // its target id
	Title    string `json:"title"`
	URL      string `json:"url"`
	Attached bool   `json:"attached"` // a DevTools client is attached to it
}

// ListTabs lists the tabs of the browser of conn with Target.getTargets,
// in Chrome's order. On a connection to a page endpoint, it is that page.
func ListTabs(ctx context.Context, conn *Conn) ([]Tab, error) {
	if id, ok := pageEndpointID(conn.URL()); ok {
		t := Tab{ID: id}
		res, err := cdp.Call(ctx, conn.Session(""), target.GetTargetInfo, target.GetTargetInfoParams{})
		if err == nil && res.TargetInfo != nil {
			t.Title, t.URL, t.Attached = res.TargetInfo.Title, res.TargetInfo.URL, res.TargetInfo.Attached
		}
		return []Tab{t}, nil
	}
	res, err := cdp.Call(ctx, conn.Session(""), target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		return nil, fmt.Errorf("listing tabs: %w", err)
	}
	var tabs []Tab
	for _, ti := range res.TargetInfos {
		if isPage(ti) {
			tabs = append(tabs, Tab{Index: len(tabs), ID: string(ti.TargetID), Title: ti.Title, URL: ti.URL, Attached: ti.Attached})
		}
	}
	return tabs, nil
}

// ErrNoTab means that no tab matches a selector.
var ErrNoTab = errors.New("no such tab")

// How a tab was picked, as SelectTab and PickTab report it.
const (
	PickedID     = "id"     // by its target id
	PickedIndex  = "index"  // by its index in the list
	PickedMatch  = "match"  // by a URL or title substring or glob
	PickedActive = "active" // the most recently active tab (/json/list)
	PickedFirst  = "first"  // the first tab: nothing tells which is active
	PickedNew    = "new"    // a tab opened for the session
	PickedPage   = "page"   // the page of a page endpoint
)

// SelectTab picks the tab that selector names: a target id (or a unique
// prefix of one, of 4 characters or more), an index from 0, a glob
// (with * or ?, which match any run of characters and any one) that
// matches the whole URL or title, case-insensitive, or a substring of
// the URL or title, case-insensitive. It fails when nothing or more than
// one tab matches, listing them.
func SelectTab(tabs []Tab, selector string) (Tab, string, error) {
	sel := strings.TrimSpace(selector)
	if sel == "" {
		return Tab{}, "", fmt.Errorf("empty tab selector")
	}
	for _, t := range tabs {
		if strings.EqualFold(t.ID, sel) {
			return t, PickedID, nil
		}
	}
	if n, err := strconv.Atoi(sel); err == nil {
		if n < 0 || n >= len(tabs) {
			return Tab{}, "", fmt.Errorf("%w %d: the browser has %d tab(s), indexed from 0", ErrNoTab, n, len(tabs))
		}
		return tabs[n], PickedIndex, nil
	}
	if len(sel) >= 4 {
		if t, ok := only(tabs, func(t Tab) bool { return strings.HasPrefix(strings.ToUpper(t.ID), strings.ToUpper(sel)) }); ok {
			return t, PickedID, nil
		}
	}
	var match func(Tab) bool
	if strings.ContainsAny(sel, "*?") {
		re, err := globRegexp(sel)
		if err != nil {
			return Tab{}, "", fmt.Errorf("bad tab glob %q: %v", sel, err)
		}
		match = func(t Tab) bool { return re.MatchString(t.URL) || re.MatchString(t.Title) }
	} else {
		low := strings.ToLower(sel)
		match = func(t Tab) bool {
			return strings.Contains(strings.ToLower(t.URL), low) || strings.Contains(strings.ToLower(t.Title), low)
		}
	}
	var found []Tab
	for _, t := range tabs {
		if match(t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 1:
		return found[0], PickedMatch, nil
	case 0:
		return Tab{}, "", fmt.Errorf("%w: none matches %q", ErrNoTab, sel)
	}
	var names []string
	for _, t := range found {
		names = append(names, fmt.Sprintf("%d %s", t.Index, t.URL))
	}
	return Tab{}, "", fmt.Errorf("%d tabs match %q (%s): give its index or id", len(found), sel, strings.Join(names, ", "))
}

func only(tabs []Tab, f func(Tab) bool) (Tab, bool) {
	var hit Tab
	n := 0
	for _, t := range tabs {
		if f(t) {
			hit, n = t, n+1
		}
	}
	return hit, n == 1
}

// PickTab picks the tab to attach to when none was named: the most
// recently active one when the DevTools HTTP server at httpBase lists the
// pages (its /json/list is in order of last activity), else the first.
func PickTab(ctx context.Context, httpBase string, tabs []Tab) (Tab, string, bool) {
	if len(tabs) == 0 {
		return Tab{}, "", false
	}
	if httpBase != "" {
		if pages, err := ListPages(ctx, httpBase); err == nil && len(pages) > 0 {
			for _, t := range tabs {
				if t.ID == pages[0].ID {
					return t, PickedActive, true
				}
			}
		}
	}
	return tabs[0], PickedFirst, true
}

// globRegexp turns a glob into a regexp of the whole string,
// case-insensitive: * is any run of characters (/ included, unlike
// path.Match: URLs are full of them), ? any one; nothing else is special.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
