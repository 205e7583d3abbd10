package graphapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// singletons are the last segments of GET routes that answer one object, not a
// collection, although their pattern does not end in a wildcard.
var singletons = map[string]bool{"manager": true, "settings": true, "me": true}

// isCollection reports whether rt answers a Graph collection (a "value" array).
func isCollection(rt route) bool {
	if rt.method != "GET" || rt.typ == "" || !strings.HasPrefix(rt.pattern, "/v1.0/") {
		return false
	}
	last := rt.pattern[strings.LastIndex(rt.pattern, "/")+1:]
	return !strings.HasPrefix(last, "{") && !singletons[last]
}

// withCounts adds, after every collection route, its $count route: Graph's
// `GET …/users/$count` answers the number of items as a text/plain integer, honouring
// $filter and $search as the collection itself does.
func withCounts(routes []route) []route {
	out := make([]route, 0, len(routes)*2)
	for _, rt := range routes {
		out = append(out, rt)
		if isCollection(rt) {
			out = append(out, route{method: "GET", pattern: rt.pattern + "/$count", typ: "",
				summary: "Count: " + rt.summary + " (text/plain integer; $filter applies)", public: rt.public, h: countOf(rt.h)})
		}
	}
	return out
}

// countOf answers the number of items the collection handler list would answer, as a
// text/plain integer. The collection handler does the work (authorization, $filter), so
// the count is never more than the caller could list; its errors pass through as they are.
func countOf(list http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, k := range []string{"skip", "skiptoken", "expand", "orderby", "select", "top", "count"} {
			q.Del(k)
			q.Del("$" + k)
		}
		q.Set("$count", "true")
		q.Set("$top", "0")
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		list(rec, r2)
		var page struct {
			Count *int `json:"@odata.count"`
		}
		if rec.status != http.StatusOK || json.Unmarshal(rec.body.Bytes(), &page) != nil || page.Count == nil {
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes())
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(strconv.Itoa(*page.Count)))
	}
}

// recorder keeps an answer in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }
