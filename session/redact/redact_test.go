package redact

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func TestHeaders(t *testing.T) {
	in := protocol.Headers(`{"Authorization":"Bearer s3cr3t","Cookie":"sid=abc","Accept":"*/*","set-cookie":"a=b\nc=d","X-Api-Key":"k"}`)
	out := Headers(in)
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"Authorization": Marker, "Cookie": Marker, "set-cookie": Marker, "X-Api-Key": Marker, "Accept": "*/*"} {
		if m[k] != want {
			t.Errorf("%s = %q, want %q", k, m[k], want)
		}
	}
	if strings.Contains(string(out), "s3cr3t") || strings.Contains(string(out), "sid=abc") {
		t.Errorf("a secret remains: %s", out)
	}
	plain := protocol.Headers(`{"B":"2","A":"1"}`)
	if got := Headers(plain); string(got) != string(plain) {
		t.Errorf("headers without a secret changed: %s", got)
	}
	if got := Headers(protocol.Headers(`not json`)); string(got) != "not json" {
		t.Errorf("bad headers changed: %s", got)
	}
}

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h/p?q=cats&page=2":                    "http://h/p?q=cats&page=2",
		"http://h/p?access_token=abc&q=1":             "http://h/p?access_token=%5Bredacted%5D&q=1",
		"https://h/cb?code=xyz&state=1":               "https://h/cb?code=%5Bredacted%5D&state=1",
		"https://api.h/v1?apiKey=K&X-Amz-Signature=S": "https://api.h/v1?apiKey=%5Bredacted%5D&X-Amz-Signature=%5Bredacted%5D",
		"ftp://user:pw@h/f":                           "ftp://user:%5Bredacted%5D@h/f",
		"http://h/plain":                              "http://h/plain",
		"data:text/plain,token=1":                     "data:text/plain,token=1",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRequest(t *testing.T) {
	r := protocol.NetworkRequest{URL: "http://h/?token=t", RequestHeaders: protocol.Headers(`{"Authorization":"x"}`),
		Redirects: []protocol.Redirect{{URL: "http://h/old?password=p", ResponseHeaders: protocol.Headers(`{"Set-Cookie":"s"}`)}}}
	got := Request(r)
	b, _ := json.Marshal(got)
	for _, secret := range []string{"token=t", `"x"`, "password=p", `"s"`} {
		if strings.Contains(string(b), secret) {
			t.Errorf("%s remains in %s", secret, b)
		}
	}
	if r.Redirects[0].URL != "http://h/old?password=p" || string(r.RequestHeaders) != `{"Authorization":"x"}` {
		t.Error("the original request was changed")
	}
}
