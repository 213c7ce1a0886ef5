package drive

import (
	"context"
	"errors"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Properties answers object/properties: the own properties of an object
// the page logged (a console message's objects[].objectId), or of one of
// their values, each rendered on one line as DevTools does.
func (pg *Page) Properties(ctx context.Context, p protocol.ObjectPropertiesParams) (protocol.ObjectPropertiesResult, error) {
	sess := pg.Main
	if p.Target != "" && p.Target != pg.MainFrame {
		s, ok := pg.Target(p.Target)
		if !ok {
			return protocol.ObjectPropertiesResult{}, protocol.Errorf(protocol.NotFound, "no target %q in the page's tree: it is gone, and its objects with it", p.Target).
				WithHint("objects live as long as the page or worker that logged them")
		}
		sess = s
	}
	var res struct {
		Result []struct {
			Name  string        `json:"name"`
			Value *remoteObject `json:"value"`
			Get   *remoteObject `json:"get"`
		} `json:"result"`
	}
	err := sess.Call(ctx, "Runtime.getProperties", map[string]any{
		"objectId": p.ObjectID, "ownProperties": true, "generatePreview": true,
	}, &res)
	if err != nil {
		return protocol.ObjectPropertiesResult{}, objectGone(err)
	}
	out := protocol.ObjectPropertiesResult{Properties: []protocol.ObjectProperty{}}
	for _, r := range res.Result {
		if len(out.Properties) == protocol.MaxObjectProperties {
			out.Cut = true
			break
		}
		prop := protocol.ObjectProperty{Name: r.Name}
		switch {
		case r.Value != nil:
			v := r.Value
			prop.Type, prop.Subtype, prop.ClassName, prop.Text = v.Type, v.Subtype, v.ClassName, text(v)
			if v.ObjectID != "" && v.Subtype != "null" {
				prop.ObjectID = v.ObjectID
			}
		case r.Get != nil:
			prop.Type, prop.Text = "accessor", "(...)"
		default:
			prop.Type, prop.Text = "undefined", "undefined"
		}
		out.Properties = append(out.Properties, prop)
	}
	return out, nil
}

// objectGone turns Chrome's "could not find object" into not_found with
// what it means; other failures as any CDP call's.
func objectGone(err error) error {
	var cerr *browser.CDPError
	if errors.As(err, &cerr) && (strings.Contains(cerr.Error(), "Could not find object") || strings.Contains(cerr.Error(), "Invalid remote object id") || strings.Contains(cerr.Error(), "Cannot find context")) {
		return protocol.Errorf(protocol.NotFound, "object no longer available: the page navigated or reloaded, or Chrome let the message's objects go").
			WithHint("objects are kept while the document that logged them is; log it again to inspect it")
	}
	return cdpError("Runtime.getProperties", err)
}
