package capture

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// FilterHelp describes the filter language of network/list and
// "bdg-rpc network list --filter"; docs/PROTOCOL.md repeats it.
const FilterHelp = `terms separated by spaces, all of which must match; "-" before a term negates it:
  status-code:404  status-code:>=400  status-code:<300  status-code:400-499
  method:POST            domain:example.com  domain:*.example.com (subdomains)
  mime:json              type:xhr (Document, Script, Fetch, XHR, Image, WebSocket...)
  target:worker (page, iframe, worker, shared_worker, service_worker or sw, popup)
  is:failed  is:error (failed or status >= 400)  is:pending  is:finished  is:cached  is:redirect
  larger-than:100k       (bytes; k = 1024, m = 1024*1024)
  url:/api/  or a bare word: the URL contains it`

// ParseFilter compiles a filter expression. The empty expression matches
// every request.
func ParseFilter(expr string) (NetworkFilter, error) {
	var terms []NetworkFilter
	for _, word := range strings.Fields(expr) {
		negate := false
		if strings.HasPrefix(word, "-") && len(word) > 1 {
			negate, word = true, word[1:]
		}
		f, err := parseTerm(word)
		if err != nil {
			return nil, fmt.Errorf("filter term %q: %w", word, err)
		}
		if negate {
			inner := f
			f = func(r *protocol.NetworkRequest) bool { return !inner(r) }
		}
		terms = append(terms, f)
	}
	if len(terms) == 0 {
		return nil, nil
	}
	return func(r *protocol.NetworkRequest) bool {
		for _, t := range terms {
			if !t(r) {
				return false
			}
		}
		return true
	}, nil
}

func parseTerm(word string) (NetworkFilter, error) {
	key, value, ok := strings.Cut(word, ":")
	if !ok || strings.Contains(key, "/") || key == "http" || key == "https" {
		return urlContains(word), nil
	}
	if value == "" {
		return nil, fmt.Errorf("no value after %q", key+":")
	}
	switch strings.ToLower(key) {
	case "status-code", "status":
		return parseStatus(value)
	case "method":
		return func(r *protocol.NetworkRequest) bool { return strings.EqualFold(r.Method, value) }, nil
	case "domain", "host":
		pattern := strings.ToLower(value)
		if _, err := path.Match(pattern, ""); err != nil {
			return nil, fmt.Errorf("bad pattern: %w", err)
		}
		return func(r *protocol.NetworkRequest) bool {
			u, err := url.Parse(r.URL)
			if err != nil {
				return false
			}
			ok, _ := path.Match(pattern, strings.ToLower(u.Hostname()))
			return ok
		}, nil
	case "mime":
		return func(r *protocol.NetworkRequest) bool {
			return strings.Contains(strings.ToLower(r.MimeType), strings.ToLower(value))
		}, nil
	case "type":
		return func(r *protocol.NetworkRequest) bool { return strings.EqualFold(r.ResourceType, value) }, nil
	case "target":
		return parseTarget(value)
	case "is":
		return parseIs(value)
	case "larger-than":
		n, err := parseSize(value)
		if err != nil {
			return nil, err
		}
		return func(r *protocol.NetworkRequest) bool {
			size := r.EncodedDataLength
			if int64(r.BodySize) > size {
				size = int64(r.BodySize)
			}
			return size > n
		}, nil
	case "url":
		return urlContains(value), nil
	}
	return nil, fmt.Errorf("unknown key %q; the filter language is:\n%s", key, FilterHelp)
}

func urlContains(s string) NetworkFilter {
	return func(r *protocol.NetworkRequest) bool { return strings.Contains(r.URL, s) }
}

func parseStatus(v string) (NetworkFilter, error) {
	if lo, hi, ok := strings.Cut(v, "-"); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b {
			return nil, fmt.Errorf("bad status range %q (want e.g. 400-499)", v)
		}
		return func(r *protocol.NetworkRequest) bool { return r.Status >= a && r.Status <= b }, nil
	}
	op := strings.TrimRightFunc(v, unicode.IsDigit)
	n, err := strconv.Atoi(v[len(op):])
	if err != nil {
		return nil, fmt.Errorf("bad status %q (want e.g. 404, >=400 or 400-499)", v)
	}
	var cmp func(int) bool
	switch op {
	case "", "=", "==":
		cmp = func(s int) bool { return s == n }
	case ">=":
		cmp = func(s int) bool { return s >= n }
	case "<=":
		cmp = func(s int) bool { return s <= n }
	case ">":
		cmp = func(s int) bool { return s > n }
	case "<":
		cmp = func(s int) bool { return s < n }
	case "!=":
		cmp = func(s int) bool { return s != n }
	default:
		return nil, fmt.Errorf("bad comparison %q (want =, !=, <, <=, > or >=)", op)
	}
	return func(r *protocol.NetworkRequest) bool { return r.Status != 0 && cmp(r.Status) }, nil
}

// parseTarget reads target:TYPE, the type of the target that made a
// request; a request without a target is the page's.
func parseTarget(v string) (NetworkFilter, error) {
	want, ok := targetType(v)
	if !ok {
		return nil, fmt.Errorf("unknown target:%s (want %s)", v, strings.Join(protocol.TargetTypes, ", "))
	}
	return func(r *protocol.NetworkRequest) bool { return targetIs(r.Target, want) }, nil
}

func parseIs(v string) (NetworkFilter, error) {
	switch strings.ToLower(v) {
	case "failed":
		return func(r *protocol.NetworkRequest) bool { return r.State == protocol.StateFailed }, nil
	case "error":
		return func(r *protocol.NetworkRequest) bool { return r.State == protocol.StateFailed || r.Status >= 400 }, nil
	case "pending":
		return func(r *protocol.NetworkRequest) bool {
			return r.State == protocol.StatePending || r.State == protocol.StateResponded
		}, nil
	case "finished":
		return func(r *protocol.NetworkRequest) bool { return r.State == protocol.StateFinished }, nil
	case "cached":
		return func(r *protocol.NetworkRequest) bool { return r.FromCache }, nil
	case "redirect":
		return func(r *protocol.NetworkRequest) bool { return len(r.Redirects) > 0 }, nil
	}
	return nil, fmt.Errorf("unknown is:%s (want failed, error, pending, finished, cached or redirect)", v)
}

// parseSize reads 100, 100k, 1.5m, 2mb.
func parseSize(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSuffix(strings.ToLower(v), "b"))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1024, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1024*1024, strings.TrimSuffix(s, "m")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 100k or 2m)", v)
	}
	return int64(f * mult), nil
}
