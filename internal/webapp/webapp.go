// Package webapp holds the one rule the web app's hosts share: which paths
// are the app's views, answered with index.html so that a deep link works on
// reload. The local server applies it in Go; the CloudFront Function that
// infra/ writes applies it in JavaScript, and a test holds the two equal.
package webapp

import "strings"

// IsView reports whether a request path is one of the web app's views
// (/, /keys, /posts/post_123, …) rather than one of its files
// (/app.js, /style.css) or the API: a path outside /api/ whose last segment
// has no dot. The single-page app decides what the view shows, including
// "page not found".
func IsView(path string) bool {
	if path == "/api" || strings.HasPrefix(path, "/api/") || !strings.HasPrefix(path, "/") {
		return false
	}
	last := path[strings.LastIndex(path, "/")+1:]
	return !strings.Contains(last, ".")
}

// ViewRuleJS is IsView in JavaScript (cloudfront-js-2.0), as a function
// isView(uri) for a CloudFront Function to call.
const ViewRuleJS = `function isView(uri) {
  if (uri === '/api' || uri.startsWith('/api/') || !uri.startsWith('/')) {
    return false;
  }
  return !uri.substring(uri.lastIndexOf('/') + 1).includes('.');
}`
