package drive

import (
	"encoding/json"
	"strconv"
	"strings"
)

// remoteObject is the part of CDP's Runtime.RemoteObject that evaluate reads.
type remoteObject struct {
	Type                string          `json:"type"`
	Subtype             string          `json:"subtype,omitempty"`
	ClassName           string          `json:"className,omitempty"`
	Value               json.RawMessage `json:"value,omitempty"`
	UnserializableValue string          `json:"unserializableValue,omitempty"`
	Description         string          `json:"description,omitempty"`
	ObjectID            string          `json:"objectId,omitempty"`
	Preview             *objectPreview  `json:"preview,omitempty"`
}

type objectPreview struct {
	Type        string            `json:"type"`
	Subtype     string            `json:"subtype,omitempty"`
	Description string            `json:"description,omitempty"`
	Overflow    bool              `json:"overflow"`
	Properties  []propertyPreview `json:"properties"`
	Entries     []entryPreview    `json:"entries,omitempty"`
}

type propertyPreview struct {
	Name         string         `json:"name"`
	Type         string         `json:"type"`
	Value        string         `json:"value,omitempty"`
	ValuePreview *objectPreview `json:"valuePreview,omitempty"`
	Subtype      string         `json:"subtype,omitempty"`
}

type entryPreview struct {
	Key   *objectPreview `json:"key,omitempty"`
	Value *objectPreview `json:"value"`
}

// maxText bounds the one-line rendering of a value.
const maxText = 10_000

// text renders a remote object on one line as the DevTools console does:
// 42, "text", (3) [1, 2, 3], {a: 1, b: Array(3)}, div#main.box.
func text(o *remoteObject) string {
	return cut(render(o))
}

func render(o *remoteObject) string {
	switch o.Type {
	case "undefined":
		return "undefined"
	case "string":
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return quote(s)
		}
	case "number", "boolean", "bigint":
		if o.UnserializableValue != "" {
			return o.UnserializableValue
		}
		if o.Description != "" {
			return o.Description
		}
		return string(o.Value)
	case "symbol":
		return o.Description
	case "function":
		return "ƒ " + firstLine(strings.TrimPrefix(o.Description, "function "))
	case "object":
		if o.Subtype == "null" {
			return "null"
		}
		if o.Preview != nil {
			return renderPreview(o.Preview, o.ClassName)
		}
		return firstLine(o.Description)
	}
	if o.Description != "" {
		return firstLine(o.Description)
	}
	return string(o.Value)
}

// renderPreview renders an object's preview: its class, then its first
// properties or entries, ", …" when there are more.
func renderPreview(p *objectPreview, className string) string {
	switch p.Subtype {
	case "node", "error", "regexp", "date", "promise":
		return firstLine(p.Description) // as DevTools names them: div#main.box, Error: boom
	}
	var b strings.Builder
	open, close := "{", "}"
	switch p.Subtype {
	case "array", "typedarray":
		open, close = "[", "]"
		if n, ok := arrayLength(p.Description); ok {
			b.WriteString("(" + n + ") ")
		} else if p.Description != "" { // Uint8Array(4)
			b.WriteString(p.Description + " ")
		}
	case "map", "set", "weakmap", "weakset", "iterator", "generator":
		b.WriteString(p.Description + " ")
	default:
		if className != "" && className != "Object" {
			b.WriteString(className + " ")
		} else if className == "" && p.Description != "" && p.Description != "Object" {
			b.WriteString(p.Description + " ")
		}
	}
	b.WriteString(open)
	n := 0
	sep := func() {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
	}
	if len(p.Entries) > 0 {
		for _, e := range p.Entries {
			sep()
			if e.Key != nil {
				b.WriteString(nested(e.Key) + " => ")
			}
			if e.Value != nil {
				b.WriteString(nested(e.Value))
			}
		}
	} else {
		array := p.Subtype == "array" || p.Subtype == "typedarray"
		for _, prop := range p.Properties {
			sep()
			if !array || !isIndex(prop.Name) {
				b.WriteString(propName(prop.Name) + ": ")
			}
			b.WriteString(propValue(prop))
		}
	}
	if p.Overflow {
		sep()
		b.WriteString("…")
	}
	b.WriteString(close)
	return b.String()
}

// nested renders the preview of a property, key or entry one level down:
// primitives as they are, objects by their description.
func nested(p *objectPreview) string {
	switch p.Type {
	case "string":
		return quote(p.Description)
	case "object":
		if p.Subtype == "null" {
			return "null"
		}
		if p.Description == "Object" {
			return "{…}"
		}
	}
	return p.Description
}

func propValue(p propertyPreview) string {
	switch p.Type {
	case "string":
		return quote(p.Value)
	case "function":
		return "ƒ"
	case "accessor":
		return "(...)"
	case "object":
		if p.Subtype == "null" {
			return "null"
		}
		if p.Value == "Object" {
			return "{…}"
		}
	}
	return p.Value
}

func propName(name string) string {
	for i, r := range name {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return quote(name)
		}
	}
	if name == "" {
		return `""`
	}
	return name
}

func isIndex(name string) bool {
	_, err := strconv.ParseUint(name, 10, 32)
	return err == nil
}

// arrayLength reads N out of "Array(N)".
func arrayLength(desc string) (string, bool) {
	rest, ok := strings.CutPrefix(desc, "Array(")
	if !ok {
		return "", false
	}
	n, ok := strings.CutSuffix(rest, ")")
	return n, ok
}

// quote quotes a string as JSON does, which a reader of either language
// reads back.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(string(b), `\u003c`, "<"), `\u003e`, ">"), `\u0026`, "&")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// cut bounds a rendering to maxText bytes, on a rune boundary.
func cut(s string) string {
	if len(s) <= maxText {
		return s
	}
	i := maxText
	for i > 0 && !utf8Start(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
