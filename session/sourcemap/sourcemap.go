// Package sourcemap finds, loads and caches the source maps of a page's
// scripts, and maps a location in a script (as CDP gives it: a URL and
// 0-based line and column) to the original source's. It finds a script's
// map from its sourceMappingURL comment or SourceMap header, reads inline
// data: maps and fetches external ones through a Fetcher, bounds what it
// reads and what it keeps, and remembers failures so that a script
// without a usable map costs one try. Decoding is
// github.com/go-sourcemap/sourcemap's.
package sourcemap

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	gosourcemap "github.com/go-sourcemap/sourcemap"
)

// MaxMapBytes bounds one source map (a page's map is untrusted input).
const MaxMapBytes = 32 << 20

// Location is a place in an original source: 1-based line and column, as
// people and editors count.
type Location struct {
	Source string `json:"source"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Name   string `json:"name,omitempty"`
}

// Map is a script's source map, parsed.
type Map struct {
	url  string // where it came from ("data:" for an inline one)
	size int    // bytes, for the cache's budget
	c    *gosourcemap.Consumer
}

// Parse parses a source map read from mapURL (the URL its relative
// sources are resolved against).
func Parse(mapURL string, b []byte) (*Map, error) {
	if len(b) > MaxMapBytes {
		return nil, fmt.Errorf("the source map %s is %d bytes, more than %d", mapURL, len(b), MaxMapBytes)
	}
	c, err := gosourcemap.Parse(mapURL, b)
	if err != nil {
		return nil, fmt.Errorf("parsing the source map %s: %w", ShortURL(mapURL), err)
	}
	return &Map{url: mapURL, size: len(b), c: c}, nil
}

// Original maps a 0-based line and column of the script (CDP's) to the
// original source, false when the map has nothing there.
func (m *Map) Original(line, column int) (Location, bool) {
	src, name, l, c, ok := m.c.Source(line+1, column)
	if !ok || src == "" || l < 1 {
		return Location{}, false
	}
	return Location{Source: src, Line: l, Column: c + 1, Name: name}, true
}

// URL is where the map came from.
func (m *Map) URL() string { return m.url }

// Fetcher reads a resource of the page (a source map) by its absolute URL,
// at most max bytes.
type Fetcher func(ctx context.Context, url string, max int) ([]byte, error)

// CommentURL returns the URL of the last sourceMappingURL comment of a
// script's text (//# or the old //@), "" when it has none.
func CommentURL(script []byte) string {
	for _, marker := range [][]byte{[]byte("//# sourceMappingURL="), []byte("//@ sourceMappingURL=")} {
		if i := bytes.LastIndex(script, marker); i >= 0 {
			rest := script[i+len(marker):]
			if j := bytes.IndexAny(rest, " \t\r\n"); j >= 0 {
				rest = rest[:j]
			}
			return string(rest)
		}
	}
	return ""
}

// HeaderURL returns the map a response's headers name (SourceMap, or the
// older X-SourceMap), "" for none. Header names are matched without case.
func HeaderURL(headers map[string]string) string {
	for k, v := range headers {
		if strings.EqualFold(k, "SourceMap") || strings.EqualFold(k, "X-SourceMap") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Load reads the map that ref (a comment's or header's URL) names for the
// script at scriptURL: decoded from a data: URL, else fetched after
// resolving ref against the script's URL.
func Load(ctx context.Context, scriptURL, ref string, fetch Fetcher) (*Map, error) {
	if ref == "" {
		return nil, errors.New("the script names no source map")
	}
	if strings.HasPrefix(ref, "data:") {
		b, err := decodeDataURL(ref)
		if err != nil {
			return nil, err
		}
		return Parse(scriptURL, b)
	}
	base, err := url.Parse(scriptURL)
	if err != nil {
		return nil, fmt.Errorf("the script's URL %q: %w", ShortURL(scriptURL), err)
	}
	rel, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("the source map URL %q: %w", ShortURL(ref), err)
	}
	abs := base.ResolveReference(rel).String()
	b, err := fetch(ctx, abs, MaxMapBytes+1)
	if err != nil {
		return nil, fmt.Errorf("fetching the source map %s: %w", ShortURL(abs), err)
	}
	return Parse(abs, b)
}

// decodeDataURL decodes an inline map: data:[mediatype][;base64],DATA.
func decodeDataURL(ref string) ([]byte, error) {
	meta, data, ok := strings.Cut(strings.TrimPrefix(ref, "data:"), ",")
	if !ok {
		return nil, errors.New("an inline source map without a comma")
	}
	if len(data) > MaxMapBytes*4/3+4 {
		return nil, fmt.Errorf("an inline source map of %d bytes, more than %d", len(data), MaxMapBytes)
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, fmt.Errorf("an inline source map that is not base64: %w", err)
		}
		return b, nil
	}
	s, err := url.PathUnescape(data)
	if err != nil {
		return nil, fmt.Errorf("an inline source map: %w", err)
	}
	return []byte(s), nil
}

// ShortURL cuts a URL for an error message (a data: URL can be megabytes).
func ShortURL(u string) string {
	if len(u) > 120 {
		return u[:117] + "..."
	}
	return u
}
