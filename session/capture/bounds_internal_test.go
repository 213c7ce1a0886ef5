package capture

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Cutting never splits a UTF-8 sequence, wherever the cap falls.
func TestCutsKeepUTF8(t *testing.T) {
	s := strings.Repeat("aé€😀\u2028", 20)
	for n := 0; n <= len(s)+1; n++ {
		got, cut := cutString(s, n)
		if !utf8.ValidString(got) || len(got) > n || !strings.HasPrefix(s, got) || cut != (n < len(s)) || n-len(got) > 3 {
			t.Fatalf("cutString(%d) = %q, %v", n, got, cut)
		}
		if n < len(ellipsis) {
			continue
		}
		got, cut = cutText(s, n)
		if !utf8.ValidString(got) || len(got) > n || cut != (n < len(s)) || (cut && !strings.HasSuffix(got, ellipsis)) {
			t.Fatalf("cutText(%d) = %q, %v", n, got, cut)
		}
	}
}

// A header's JSON text is cut between characters: never inside an escape,
// between the halves of a surrogate pair, or inside a UTF-8 sequence.
func TestHeaderCutsKeepJSON(t *testing.T) {
	value := strings.Repeat("a\\\"b\\\\c\\u00e9d\\ud83d\\ude00eé😀\\n", 10)
	for n := 0; n <= len(value)+1; n++ {
		i := cutJSONString([]byte(value), n)
		if i > n {
			t.Fatalf("cut at %d past its cap %d", i, n)
		}
		var s string
		if err := json.Unmarshal([]byte(`"`+value[:i]+`"`), &s); err != nil || strings.ContainsRune(s, utf8.RuneError) {
			t.Fatalf("cut at %d of cap %d: %q (%v)", i, n, value[:i], err)
		}
	}
}

func TestCapHeaders(t *testing.T) {
	k := DefaultCaps
	small := []byte(`{"Accept":"*/*","X-A":"a\"b"}`)
	if h, cut := k.capHeaders(small); cut || !bytes.Equal(h, small) {
		t.Errorf("small headers changed: %s, %v", h, cut)
	}
	if h, cut := k.capHeaders([]byte(`{}`)); h != nil || cut {
		t.Errorf("{} = %s, %v", h, cut)
	}
	// Chrome's values are strings: a set past the fast path that has
	// another is left out.
	if h, cut := k.capHeaders([]byte(`{"a":1,"b":"` + strings.Repeat("b", 2000) + `"}`)); h != nil || !cut {
		t.Errorf("a non-string value: %.20s, %v; want left out", h, cut)
	}
	// A set longer than the fast path's but within every cap is kept as
	// it is.
	var b strings.Builder
	b.WriteString("{")
	for i := range 150 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"X-` + strings.Repeat("n", i) + `":"` + strings.Repeat("v", 20) + `"`)
	}
	b.WriteString("}")
	mid := []byte(b.String())
	if h, cut := k.capHeaders(mid); cut || !bytes.Equal(h, mid) {
		t.Errorf("headers within the caps changed (%d bytes, cut %v)", len(h), cut)
	}
	// Cut: name and value each to 8 KiB, 200 members, 64 KiB.
	long := []byte(`{"` + strings.Repeat("N", 10000) + `":"` + strings.Repeat("V", 10000) + `"}`)
	h, cut := k.capHeaders(long)
	var m map[string]string
	if !cut || json.Unmarshal(h, &m) != nil || len(m) != 1 {
		t.Fatalf("long member: %.40s, %v", h, cut)
	}
	for name, v := range m {
		if len(name) != 8<<10 || len(v) != 8<<10 {
			t.Errorf("long member cut to %d and %d bytes", len(name), len(v))
		}
	}
	b.Reset()
	b.WriteString("{")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"X-` + strings.Repeat("n", i%10) + `":"` + strings.Repeat("v", 500) + `"`)
	}
	b.WriteString("}")
	h, cut = k.capHeaders([]byte(b.String()))
	var members []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(h))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if s, ok := tok.(string); ok {
			members = append(members, json.RawMessage(s))
		}
	}
	if !cut || !json.Valid(h) || len(h) > 64<<10 || len(members)/2 > 200 || len(members)/2 < 100 {
		t.Errorf("1000 members: cut %v, %d bytes, %d members", cut, len(h), len(members)/2)
	}
}
