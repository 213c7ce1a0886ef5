package drive

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// maxShotSide bounds a full-page screenshot's height and width in CSS
// pixels: past it, the image is cut (Chrome's own limit on a texture is
// about this size, and an endless page must not make an endless image).
const maxShotSide = 16384

// Screenshot captures the viewport, the whole page, an element or a
// rectangle into a file of dir (made 0700; the file 0600) and returns the
// file's path, size and pixel dimensions: the image never crosses the
// socket.
func (pg *Page) Screenshot(ctx context.Context, dir string, p protocol.ScreenshotParams) (protocol.ScreenshotResult, error) {
	format := p.Format
	if format == "" {
		format = protocol.FormatPNG
	}
	params := map[string]any{"format": format, "captureBeyondViewport": false}
	if p.Quality > 0 {
		params["quality"] = p.Quality
	}
	var clip *protocol.Rect
	switch {
	case p.Clip != nil:
		clip = p.Clip
	case p.FullPage:
		var m struct {
			CSSContentSize protocol.Rect `json:"cssContentSize"`
		}
		if err := call(ctx, pg.Main, "Page.getLayoutMetrics", nil, &m); err != nil {
			return protocol.ScreenshotResult{}, err
		}
		clip = &protocol.Rect{Width: min(m.CSSContentSize.Width, maxShotSide), Height: min(m.CSSContentSize.Height, maxShotSide)}
	case p.Selector != "":
		r, err := pg.elementRect(ctx, p.Selector)
		if err != nil {
			return protocol.ScreenshotResult{}, err
		}
		clip = &r
	}
	if clip != nil {
		params["clip"] = map[string]float64{"x": clip.X, "y": clip.Y, "width": min(clip.Width, maxShotSide), "height": min(clip.Height, maxShotSide), "scale": 1}
		params["captureBeyondViewport"] = true
	}
	var res struct {
		Data string `json:"data"`
	}
	if err := call(ctx, pg.Main, "Page.captureScreenshot", params, &res); err != nil {
		return protocol.ScreenshotResult{}, err
	}
	img, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		return protocol.ScreenshotResult{}, protocol.Errorf(protocol.CDPError, "Page.captureScreenshot: the image is not base64: %v", err)
	}
	w, h, err := imageSize(format, img)
	if err != nil {
		return protocol.ScreenshotResult{}, protocol.Errorf(protocol.CDPError, "Page.captureScreenshot: %v", err)
	}
	if err := session.EnsurePrivateDir("the screenshots directory", dir); err != nil {
		return protocol.ScreenshotResult{}, err
	}
	path := filepath.Join(dir, fmt.Sprintf("shot-%s.%s", time.Now().UTC().Format("20060102-150405.000000000"), format))
	if err := session.WriteFileAtomic(path, func(out io.Writer) error {
		_, err := out.Write(img)
		return err
	}); err != nil {
		return protocol.ScreenshotResult{}, protocol.Wrap(protocol.SessionFile, err).WithHint("free disk space")
	}
	return protocol.ScreenshotResult{Path: path, Format: format, Size: int64(len(img)), Width: w, Height: h}, nil
}

// elementRect scrolls the first element the selector matches into view
// and returns its rectangle in page coordinates.
func (pg *Page) elementRect(ctx context.Context, selector string) (protocol.Rect, error) {
	sel, _ := json.Marshal(selector)
	expr := fmt.Sprintf(`(() => {
  let el;
  try { el = document.querySelector(%s); } catch (e) { return {invalid: String(e.message)}; }
  if (!el) return null;
  el.scrollIntoView({block: "center", inline: "center"});
  const r = el.getBoundingClientRect();
  return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height};
})()`, sel)
	var res struct {
		Result struct {
			Value *struct {
				protocol.Rect
				Invalid string `json:"invalid"`
			} `json:"value"`
		} `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	if err := evaluate(ctx, pg.Main, map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return protocol.Rect{}, err
	}
	v := res.Result.Value
	switch {
	case res.ExceptionDetails != nil:
		return protocol.Rect{}, protocol.Errorf(protocol.CDPError, "finding %s: %s", selector, res.ExceptionDetails.exception().Text)
	case v == nil:
		return protocol.Rect{}, notFound(selector)
	case v.Invalid != "":
		return protocol.Rect{}, invalidSelector(selector, v.Invalid)
	case v.Width <= 0 || v.Height <= 0:
		return protocol.Rect{}, protocol.Errorf(protocol.InvalidArgs, "the element %s has no size: it is hidden or empty", selector).
			WithHint("bdg-rpc dom query '" + selector + "' shows its box and whether it is visible")
	}
	return v.Rect, nil
}

func notFound(selector string) error {
	return protocol.Errorf(protocol.NotFound, "no element matches %s", selector).
		WithHint("check the selector in the page: bdg-rpc eval 'document.querySelectorAll(\"...\").length'")
}

func invalidSelector(selector, why string) error {
	return protocol.Errorf(protocol.InvalidArgs, "%s is not a valid CSS selector: %s", selector, why).
		WithHint(`a CSS selector, such as "#login button[type=submit]"`)
}

// imageSize reads the pixel dimensions in the header of a PNG, JPEG or
// WebP image.
func imageSize(format string, b []byte) (int, int, error) {
	switch format {
	case protocol.FormatPNG:
		if len(b) >= 24 && string(b[1:4]) == "PNG" && string(b[12:16]) == "IHDR" {
			return int(binary.BigEndian.Uint32(b[16:20])), int(binary.BigEndian.Uint32(b[20:24])), nil
		}
	case protocol.FormatJPEG:
		for i := 2; i+9 < len(b); {
			if b[i] != 0xFF {
				break
			}
			marker, n := b[i+1], int(binary.BigEndian.Uint16(b[i+2:i+4]))
			if marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
				return int(binary.BigEndian.Uint16(b[i+7 : i+9])), int(binary.BigEndian.Uint16(b[i+5 : i+7])), nil
			}
			i += 2 + n
		}
	case protocol.FormatWebP:
		if len(b) >= 30 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP" {
			switch string(b[12:16]) {
			case "VP8X":
				return 1 + int(uint32(b[24])|uint32(b[25])<<8|uint32(b[26])<<16), 1 + int(uint32(b[27])|uint32(b[28])<<8|uint32(b[29])<<16), nil
			case "VP8L":
				bits := binary.LittleEndian.Uint32(b[21:25])
				return 1 + int(bits&0x3FFF), 1 + int(bits>>14&0x3FFF), nil
			case "VP8 ":
				return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3FFF), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3FFF), nil
			}
		}
	}
	return 0, 0, errors.New("the image's header is not a " + format + " one")
}
