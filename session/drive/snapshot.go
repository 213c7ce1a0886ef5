package drive

import (
	"context"
	"fmt"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// axNode is the part of CDP's Accessibility.AXNode a snapshot reads.
type axNode struct {
	NodeID     string   `json:"nodeId"`
	Ignored    bool     `json:"ignored"`
	Role       *axValue `json:"role"`
	Name       *axValue `json:"name"`
	Value      *axValue `json:"value"`
	Properties []struct {
		Name  string  `json:"name"`
		Value axValue `json:"value"`
	} `json:"properties"`
	ChildIDs         []string `json:"childIds"`
	BackendDOMNodeID int64    `json:"backendDOMNodeId"`
}

type axValue struct {
	Value any `json:"value"`
}

func (v *axValue) str() string {
	if v == nil || v.Value == nil {
		return ""
	}
	return fmt.Sprint(v.Value)
}

// maxAXText bounds a name or a value in a snapshot line.
const maxAXText = 200

// states are the properties a line shows, in this order: true ones by
// their name, the others as name=value.
var states = []string{"focused", "editable", "disabled", "checked", "pressed", "selected", "expanded", "required", "invalid", "readonly", "level", "multiselectable", "modal"}

// Snapshot reads the page's accessibility tree and returns a page of it as
// indented text, a line a node that matters (ignored nodes and their
// plain text boxes leave no line; their children move up): uid=N (the
// element's, which the input methods take), the role, the name, the
// value and the state.
func (pg *Page) Snapshot(ctx context.Context, p protocol.SnapshotParams) (protocol.SnapshotResult, error) {
	var res struct {
		Nodes []axNode `json:"nodes"`
	}
	if err := call(ctx, pg.Main, "Accessibility.getFullAXTree", nil, &res); err != nil {
		return protocol.SnapshotResult{}, err
	}
	byID := make(map[string]*axNode, len(res.Nodes))
	for i := range res.Nodes {
		byID[res.Nodes[i].NodeID] = &res.Nodes[i]
	}
	var lines []string
	cut := false
	var walk func(n *axNode, depth int)
	walk = func(n *axNode, depth int) {
		if len(lines) == protocol.MaxSnapshotLines {
			cut = true
			return
		}
		if line, ok := axLine(n); ok {
			lines = append(lines, strings.Repeat("  ", depth)+line)
			depth++
		}
		for _, id := range n.ChildIDs {
			if c := byID[id]; c != nil {
				walk(c, depth)
			}
		}
	}
	if len(res.Nodes) > 0 {
		walk(&res.Nodes[0], 0)
	}
	limit := p.Limit
	if limit == 0 {
		limit = protocol.DefaultSnapshotLimit
	}
	from := min(p.Offset, len(lines))
	to := min(from+limit, len(lines))
	out := protocol.SnapshotResult{Text: strings.Join(lines[from:to], "\n"), Lines: to - from, Total: len(lines), Offset: from, Cut: cut}
	if to < len(lines) {
		out.Next = to
	}
	return out, nil
}

// axLine is a node's line, false for a node that leaves none.
func axLine(n *axNode) (string, bool) {
	role := n.Role.str()
	name := n.Name.str()
	props := map[string]string{}
	for _, pr := range n.Properties {
		props[pr.Name] = pr.Value.str()
	}
	// A nameless container leaves no line, unless one can type into it
	// or focus it (a contenteditable div).
	plain := (role == "none" || role == "generic") && name == "" && props["editable"] == "" && props["focusable"] != "true"
	if n.Ignored || role == "InlineTextBox" || plain {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "uid=%d %s", n.BackendDOMNodeID, role)
	if name != "" {
		b.WriteString(" " + quote(cutText(name)))
	}
	if v := n.Value.str(); v != "" {
		b.WriteString(" value=" + quote(cutText(v)))
	}
	for _, s := range states {
		switch v, ok := props[s]; {
		case !ok || v == "false" || v == "":
		case s == "editable" && role != "generic" && role != "none":
			// A textbox is editable by its role; its text by its parent.
		case v == "true":
			b.WriteString(" " + s)
		default:
			b.WriteString(" " + s + "=" + v)
		}
	}
	return b.String(), true
}

func cutText(s string) string {
	if r := []rune(s); len(r) > maxAXText {
		return string(r[:maxAXText-1]) + "…"
	}
	return s
}
