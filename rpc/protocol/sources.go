package protocol

import (
	"errors"
	"fmt"
)

// Source maps (issue 17): source/resolve maps a place in a script of the
// page, as records give it (url, 1-based line and column), to the place in
// the original source that the script's source map names. The worker
// answers it, loading each script's map once (a sourceMappingURL comment,
// a SourceMap header, an inline data: map or an external .map file) and
// keeping it in a cache within a byte budget.

// MaxResolveLocations bounds the locations of one source/resolve call.
const MaxResolveLocations = 1000

// SourceRef is a place in a script of the page: its URL, and a 1-based
// line and column, as console records and stack frames give them.
type SourceRef struct {
	URL    string `json:"url"`
	Line   int    `json:"line"`
	Column int    `json:"column,omitempty"` // 1-based; absent is 1
}

func (r SourceRef) validate() error {
	if r.URL == "" {
		return errors.New(`missing required field "url" (a script's URL, as a record's url or stack frame gives it)`)
	}
	if r.Line < 1 || r.Column < 0 {
		return fmt.Errorf(`"line" must be 1 or more and "column" not negative (both are 1-based, as records give them); got line %d, column %d`, r.Line, r.Column)
	}
	return nil
}

// SourceResolveParams are the params of source/resolve: one place (url,
// line, column), or up to MaxResolveLocations of them in locations, each
// answered in turn.
type SourceResolveParams struct {
	Session string `json:"session,omitempty"`
	SourceRef
	Locations []SourceRef `json:"locations,omitempty"`
}

// SessionName implements SessionNamer.
func (p SourceResolveParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p SourceResolveParams) Validate() error {
	switch {
	case len(p.Locations) > 0 && p.URL != "":
		return errors.New(`give "url" (one place) or "locations" (several), not both`)
	case len(p.Locations) > MaxResolveLocations:
		return fmt.Errorf(`at most %d "locations" a call; got %d`, MaxResolveLocations, len(p.Locations))
	case len(p.Locations) > 0:
		for i, r := range p.Locations {
			if err := r.validate(); err != nil {
				return fmt.Errorf("locations[%d]: %w", i, err)
			}
		}
		return nil
	}
	return p.SourceRef.validate()
}

// OriginalLocation is a place in an original source: Source as the map
// names it (webpack:///src/app.ts, http://localhost:5173/src/app.ts, an
// absolute URL resolved against the map's), a 1-based line and column, and
// the original name of the symbol there, when the map has one.
type OriginalLocation struct {
	Source string `json:"source"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Name   string `json:"name,omitempty"`
}

// SourceResolution is the answer for one place: its original location
// when the script has a map that covers it; otherwise Reason says why not
// ("no source map", or why the map could not be loaded).
type SourceResolution struct {
	Original *OriginalLocation `json:"original,omitempty"`
	// Map is the URL of the map used (a data: map is "data:").
	Map    string `json:"map,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// SourceResolveResult is what source/resolve answers: the resolution of
// the one place asked, or Results in the order of the params' locations.
type SourceResolveResult struct {
	SourceResolution
	Results []SourceResolution `json:"results,omitempty"`
}

// Objects a console message logged (issue 17): object/properties gives the
// properties of one, by the remote id its record carries
// (ConsoleMessage.Objects), or of a property that is an object itself.

// MaxObjectProperties bounds the properties of one object/properties answer.
const MaxObjectProperties = 1000

// ObjectPropertiesParams are the params of object/properties: a remote
// object id, and the target that holds it (a record's target.id; absent:
// the page).
type ObjectPropertiesParams struct {
	Session  string `json:"session,omitempty"`
	ObjectID string `json:"objectId"`
	Target   string `json:"target,omitempty"`
}

// SessionName implements SessionNamer.
func (p ObjectPropertiesParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p ObjectPropertiesParams) Validate() error {
	if p.ObjectID == "" {
		return errors.New(`missing required field "objectId" (a console message's objects[].objectId)`)
	}
	return nil
}

// ObjectProperty is a property of an object: its name, what its value is,
// and the value on one line as DevTools shows it; an object value has its
// own objectId, to expand it in turn.
type ObjectProperty struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Subtype   string `json:"subtype,omitempty"`
	ClassName string `json:"className,omitempty"`
	Text      string `json:"text"`
	ObjectID  string `json:"objectId,omitempty"`
}

// ObjectPropertiesResult is what object/properties answers: the object's
// own properties, at most MaxObjectProperties (Cut says there were more).
type ObjectPropertiesResult struct {
	Properties []ObjectProperty `json:"properties"`
	Cut        bool             `json:"cut,omitempty"`
}
