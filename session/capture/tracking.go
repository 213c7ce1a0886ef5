package capture

import (
	"net/url"
	"strings"
)

// TrackingHosts lists the analytics and tracking hosts whose requests a
// session leaves out unless started with includeAll (--all). A host matches
// itself and its subdomains. docs/PROTOCOL.md repeats this list.
var TrackingHosts = []string{
	"google-analytics.com", "analytics.google.com", "googletagmanager.com", "googletagservices.com",
	"doubleclick.net", "googlesyndication.com", "googleadservices.com", "stats.g.doubleclick.net",
	"connect.facebook.net", "facebook.com/tr",
	"segment.io", "segment.com", "cdn.segment.com", "api.segment.io",
	"mixpanel.com", "amplitude.com", "heap.io", "heapanalytics.com",
	"hotjar.com", "hotjar.io", "fullstory.com", "clarity.ms", "mouseflow.com",
	"newrelic.com", "nr-data.net", "datadoghq-browser-agent.com", "browser-intake-datadoghq.com",
	"sentry.io", "bugsnag.com",
	"plausible.io", "matomo.cloud", "scorecardresearch.com", "quantserve.com",
	"adsrvr.org", "criteo.com", "criteo.net", "taboola.com", "outbrain.com",
	"bat.bing.com", "ads.linkedin.com", "snap.licdn.com", "analytics.tiktok.com", "static.ads-twitter.com",
}

// IsTracking reports whether rawURL goes to a tracking host.
func IsTracking(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	path := host + u.Path
	for _, t := range TrackingHosts {
		if strings.Contains(t, "/") {
			if strings.HasPrefix(path, t) || strings.Contains(path, "."+t) {
				return true
			}
			continue
		}
		if host == t || strings.HasSuffix(host, "."+t) {
			return true
		}
	}
	return false
}
