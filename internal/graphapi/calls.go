package graphapi

import (
	"net/http"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// OData puts function calls (assignments/filterByCurrentUser(on='target')) and casts
// (deletedItems/microsoft.graph.user) in path segments, where the mux sees only a wildcard
// value. Each route declares the functions its wildcards accept (route.calls); any other
// function or cast in a wildcard is not an endpoint, and answers as the catch-all does
// rather than "object 'x(…)' does not exist". Ids never look like either: they are UUIDs
// or userPrincipalNames, which have no parentheses, and a cast has no '@'. Casts that are
// endpoints are literal routes (directory/deletedItems/microsoft.graph.user).

// routeCalls declares the functions that routes of other files accept in their wildcards,
// by "METHOD pattern". declareCalls refuses an entry that names no route.
var routeCalls = map[string][]string{
	"GET " + em + "/assignmentRequests/{id}":               {"filterByCurrentUser"},
	"GET " + em + "/assignments/{id}":                      {"filterByCurrentUser", "additionalAccess"},
	"GET " + em + "/accessPackages/{id}":                   {"filterByCurrentUser"},
	"GET " + em + "/accessPackageAssignmentApprovals/{id}": {"filterByCurrentUser"},
	"GET " + em + "/assignmentApprovals/{id}":              {"filterByCurrentUser"},
}

// declareCalls sets the calls of routeCalls on the routes they name. It panics when an
// entry names no route: the table and the routes are code, and must agree.
func declareCalls(routes []route) []route {
	for key, calls := range routeCalls {
		found := false
		for i := range routes {
			if routes[i].method+" "+routes[i].pattern == key {
				routes[i].calls, found = append(routes[i].calls, calls...), true
			}
		}
		if !found {
			panic("graphapi: routeCalls names " + key + ", which is not a route")
		}
	}
	return routes
}

// callName returns the name of the function a path segment calls (filterByCurrentUser for
// "filterByCurrentUser(on='target')", unclosed parentheses included) or the segment itself
// when it is a cast (microsoft.graph.group); ok is false for anything else, ids included.
func callName(segment string) (string, bool) {
	if i := strings.IndexByte(segment, '('); i > 0 && isODataName(segment[:i]) {
		return segment[:i], true
	}
	if len(segment) > len("microsoft.graph.") && strings.EqualFold(segment[:len("microsoft.graph.")], "microsoft.graph.") &&
		!strings.ContainsAny(segment, "@()") && isODataName(segment) {
		return segment, true
	}
	return "", false
}

// isODataName reports whether s is a (namespace-qualified) OData identifier.
func isODataName(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9', c == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// wildcards lists the names of a pattern's wildcards ({id} gives id).
func wildcards(pattern string) []string {
	var out []string
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return out
}

// checkCalls answers "not an endpoint" when a wildcard of rt holds a function call or a
// cast that rt does not declare, and, for a route whose last wildcard holds only calls
// (onlyCalls), when that wildcard holds anything else. It runs before authentication, as
// the catch-all does, so an unknown path answers the same with or without a token.
func (a *API) checkCalls(rt route, next http.Handler) http.Handler {
	names := wildcards(rt.pattern)
	if len(names) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i, n := range names {
			name, isCall := callName(r.PathValue(n))
			if isCall && !contains(rt.calls, name) || !isCall && rt.onlyCalls && i == len(names)-1 {
				a.writeError(w, r, notAnEndpoint(r))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// notAnEndpoint is the answer for a path that no route serves.
func notAnEndpoint(r *http.Request) error {
	return access.Ec(access.KindNotFound, "Request_UnsupportedQuery",
		"%s %s is not an endpoint of this server; /openapi.json lists them all", r.Method, r.URL.Path)
}

// callArgs parses the parameters of a function segment, name(p1='v1',p2=v2): quoted
// values may hold commas and quotes (written twice), bare values are taken as they are. It
// fails when the segment is not a call of name or a parameter is malformed or repeated.
func callArgs(segment, name string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(segment, name+"(")
	if !ok || !strings.HasSuffix(rest, ")") {
		return nil, false
	}
	rest = strings.TrimSpace(strings.TrimSuffix(rest, ")"))
	args := map[string]string{}
	for rest != "" {
		key, after, ok := strings.Cut(rest, "=")
		key = strings.TrimSpace(key)
		if !ok || !isODataName(key) {
			return nil, false
		}
		if _, dup := args[key]; dup {
			return nil, false
		}
		after = strings.TrimSpace(after)
		var val string
		if strings.HasPrefix(after, "'") {
			var b strings.Builder
			i := 1
			for ; i < len(after); i++ {
				if after[i] == '\'' {
					if i+1 < len(after) && after[i+1] == '\'' {
						b.WriteByte('\'')
						i++
						continue
					}
					break
				}
				b.WriteByte(after[i])
			}
			if i >= len(after) {
				return nil, false // unterminated quote
			}
			val, after = b.String(), strings.TrimSpace(after[i+1:])
		} else if i := strings.IndexByte(after, ','); i >= 0 {
			val, after = strings.TrimSpace(after[:i]), after[i:]
		} else {
			val, after = after, ""
		}
		args[key] = val
		if after == "" {
			break
		}
		if rest, ok = strings.CutPrefix(after, ","); !ok || strings.TrimSpace(rest) == "" {
			return nil, false
		}
		rest = strings.TrimSpace(rest)
	}
	return args, true
}
