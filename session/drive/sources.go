package drive

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/sourcemap"
)

// Source maps: source/resolve. A script's map is found and loaded the
// first time a place in it is asked, off the capture path, and kept in
// the Page's cache; a script without one (or whose map failed) is
// remembered, and costs one try.

const (
	// MapCacheBytes bounds the source maps a session keeps in memory.
	MapCacheBytes = 64 << 20
	// maxScriptBytes bounds a script read to find its map's comment.
	maxScriptBytes = 64 << 20
	// mapLoadTimeout bounds the loading of one script's map.
	mapLoadTimeout = 20 * time.Second
)

// Resolve answers source/resolve.
func (pg *Page) Resolve(ctx context.Context, p protocol.SourceResolveParams) (protocol.SourceResolveResult, error) {
	if len(p.Locations) == 0 {
		return protocol.SourceResolveResult{SourceResolution: pg.resolve(ctx, p.SourceRef)}, nil
	}
	res := protocol.SourceResolveResult{Results: make([]protocol.SourceResolution, len(p.Locations))}
	for i, r := range p.Locations {
		res.Results[i] = pg.resolve(ctx, r)
	}
	if err := ctx.Err(); err != nil {
		return protocol.SourceResolveResult{}, protocol.Errorf(protocol.CDPTimeout, "resolving %d locations: %v", len(p.Locations), err).
			WithHint("the first place in a script loads its source map; ask again, or fewer at a time")
	}
	return res, nil
}

// resolve maps one place; a script without a usable map says why.
func (pg *Page) resolve(ctx context.Context, r protocol.SourceRef) protocol.SourceResolution {
	m, err := pg.maps.Get(ctx, r.URL, func(ctx context.Context) (*sourcemap.Map, error) {
		ctx, cancel := context.WithTimeout(ctx, mapLoadTimeout)
		defer cancel()
		return pg.loadMap(ctx, r.URL)
	})
	if err != nil {
		return protocol.SourceResolution{Reason: err.Error()}
	}
	col := max(r.Column, 1)
	loc, ok := m.Original(r.Line-1, col-1)
	if !ok {
		return protocol.SourceResolution{Map: m.URL(), Reason: "the source map has nothing at this place"}
	}
	o := protocol.OriginalLocation(loc)
	return protocol.SourceResolution{Original: &o, Map: m.URL()}
}

// loadMap finds and loads the map of the script at url: the script is
// read as the page would read it (its headers may name the map), and its
// last sourceMappingURL comment names it otherwise.
func (pg *Page) loadMap(ctx context.Context, url string) (*sourcemap.Map, error) {
	if !strings.HasPrefix(url, "http:") && !strings.HasPrefix(url, "https:") && !strings.HasPrefix(url, "file:") {
		return nil, fmt.Errorf("no source map: %s is not a script the page loaded from a URL", sourcemap.ShortURL(url))
	}
	body, headers, err := pg.fetch(ctx, url, maxScriptBytes)
	if err != nil {
		return nil, fmt.Errorf("reading the script: %w", err)
	}
	ref := sourcemap.HeaderURL(headers)
	if ref == "" {
		ref = sourcemap.CommentURL(body)
	}
	if ref == "" {
		return nil, errors.New("no source map: the script names none")
	}
	return sourcemap.Load(ctx, url, ref, func(ctx context.Context, u string, max int) ([]byte, error) {
		b, _, err := pg.fetch(ctx, u, max)
		return b, err
	})
}

// fetch reads a resource as DevTools reads a source map: by
// Network.loadNetworkResource in the page's main frame (its cookies, its
// origin), then IO.read of the stream, at most max bytes.
func (pg *Page) fetch(ctx context.Context, url string, max int) ([]byte, map[string]string, error) {
	var loaded struct {
		Resource struct {
			Success        bool              `json:"success"`
			NetErrorName   string            `json:"netErrorName"`
			HTTPStatusCode float64           `json:"httpStatusCode"`
			Stream         string            `json:"stream"`
			Headers        map[string]string `json:"headers"`
		} `json:"resource"`
	}
	err := pg.Main.Call(ctx, "Network.loadNetworkResource", map[string]any{
		"frameId": pg.MainFrame, "url": url,
		"options": map[string]any{"disableCache": false, "includeCredentials": true},
	}, &loaded)
	if err != nil {
		return nil, nil, err
	}
	res := loaded.Resource
	if res.Stream != "" {
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = pg.Main.Call(ctx, "IO.close", map[string]any{"handle": res.Stream}, nil)
		}()
	}
	switch {
	case !res.Success && res.NetErrorName != "":
		return nil, nil, fmt.Errorf("%s: %s", sourcemap.ShortURL(url), res.NetErrorName)
	case !res.Success || res.HTTPStatusCode >= 400:
		return nil, nil, fmt.Errorf("%s: HTTP status %d", sourcemap.ShortURL(url), int(res.HTTPStatusCode))
	case res.Stream == "":
		return nil, res.Headers, nil
	}
	var body []byte
	for {
		var chunk struct {
			Data          string `json:"data"`
			Base64Encoded bool   `json:"base64Encoded"`
			EOF           bool   `json:"eof"`
		}
		if err := pg.Main.Call(ctx, "IO.read", map[string]any{"handle": res.Stream, "size": 1 << 20}, &chunk); err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", sourcemap.ShortURL(url), err)
		}
		if chunk.Base64Encoded {
			b, err := base64.StdEncoding.DecodeString(chunk.Data)
			if err != nil {
				return nil, nil, fmt.Errorf("reading %s: %w", sourcemap.ShortURL(url), err)
			}
			body = append(body, b...)
		} else {
			body = append(body, chunk.Data...)
		}
		if len(body) > max {
			return nil, nil, fmt.Errorf("%s is more than %d bytes", sourcemap.ShortURL(url), max)
		}
		if chunk.EOF {
			return body, res.Headers, nil
		}
	}
}
