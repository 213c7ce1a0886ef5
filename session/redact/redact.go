// Package redact takes credentials out of what a session keeps at rest and
// exports: the Authorization, Proxy-Authorization, Cookie and Set-Cookie
// headers, and query parameters whose names say they hold a secret
// (token, access_token, api_key, password, signature...). session.json, its
// partial twin and HAR exports are redacted by default, as Chrome's own
// sanitized HAR export and the bdg CLI are; live answers to the session's
// own user are not. --no-redact keeps everything.
package redact

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Marker replaces a redacted value.
const Marker = "[redacted]"

// secretHeaders are the headers whose values are credentials (lower case).
var secretHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"x-api-key": true, "x-auth-token": true, "x-csrf-token": true, "x-xsrf-token": true,
}

// IsSecretHeader reports whether a header's value is a credential.
func IsSecretHeader(name string) bool { return secretHeaders[strings.ToLower(name)] }

// secretParam reports whether a query parameter's name says it holds a
// secret.
func secretParam(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	for _, s := range []string{"token", "apikey", "password", "passwd", "secret", "signature", "credential", "sessionid", "auth"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return n == "sig" || n == "key" || n == "code"
}

// Request returns r with its credentials redacted; r itself is not changed.
func Request(r protocol.NetworkRequest) protocol.NetworkRequest {
	r.URL = URL(r.URL)
	r.RequestHeaders = Headers(r.RequestHeaders)
	r.ResponseHeaders = Headers(r.ResponseHeaders)
	if len(r.Redirects) > 0 {
		hops := make([]protocol.Redirect, len(r.Redirects))
		for i, h := range r.Redirects {
			h.URL = URL(h.URL)
			h.ResponseHeaders = Headers(h.ResponseHeaders)
			hops[i] = h
		}
		r.Redirects = hops
	}
	return r
}

// Headers returns a JSON object of headers with the values of credential
// headers replaced by Marker. The headers come back as they were when none
// is a credential (and, unchanged, when they are not a JSON object).
func Headers(h protocol.Headers) protocol.Headers {
	if len(h) == 0 || !mayHoldSecret(h) {
		return h
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(h, &m) != nil {
		return h
	}
	changed := false
	for k := range m {
		if IsSecretHeader(k) {
			m[k] = json.RawMessage(`"` + Marker + `"`)
			changed = true
		}
	}
	if !changed {
		return h
	}
	b, err := json.Marshal(m)
	if err != nil {
		return h
	}
	return b
}

// URL returns u with the values of secret query parameters (and of a
// password in its user info) replaced by Marker; u as it is when it has
// none or does not parse.
func URL(u string) string {
	q := strings.IndexByte(u, '?')
	at := strings.IndexByte(u, '@')
	if q < 0 && at < 0 {
		return u
	}
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	changed := false
	if _, has := p.User.Password(); has {
		p.User = url.UserPassword(p.User.Username(), Marker)
		changed = true
	}
	if p.RawQuery != "" {
		parts := strings.Split(p.RawQuery, "&")
		for i, part := range parts {
			name, _, found := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil && found && secretParam(n) {
				parts[i] = name + "=" + url.QueryEscape(Marker)
				changed = true
			}
		}
		p.RawQuery = strings.Join(parts, "&")
	}
	if !changed {
		return u
	}
	return p.String()
}

// mayHoldSecret is a quick check that spares decoding the headers of most
// requests: every secret header's name holds one of these.
func mayHoldSecret(h []byte) bool {
	l := strings.ToLower(string(h))
	return strings.Contains(l, "auth") || strings.Contains(l, "cookie") || strings.Contains(l, "-key") || strings.Contains(l, "token")
}
