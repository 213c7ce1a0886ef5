package browser

import (
	"context"
	"fmt"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
)

// Version returns the product of the Chrome at the other end of conn, such as
// "HeadlessChrome/156.0.8078.108", with Browser.getVersion.
func Version(ctx context.Context, conn *Conn) (string, error) {
	res, err := cdp.Call(ctx, conn.Session(""), cdpbrowser.GetVersion, cdp.Empty{})
	if err != nil {
		return "", fmt.Errorf("getting the version of Chrome: %w", err)
	}
	return res.Product, nil
}
