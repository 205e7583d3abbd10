package graphapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

// body is a parsed JSON request body.
type body = map[string]json.RawMessage

// merge returns a change function that applies a PATCH body to an object: properties
// present in the body replace the stored ones; absent ones stay as they are, at every
// level (RFC 7386 JSON Merge Patch for objects): a nested object in the body merges into
// the stored nested object, so {"requestorSettings": {"acceptRequests": true}} changes
// only acceptRequests. Arrays and scalars replace. A null sets the property to null (as
// Graph sends cleared values) rather than removing it. An object of another kind than the
// stored one replaces it rather than merging: its @odata.type names another type (a
// subject set swapped for another kind), or, for objects without one, its "type" differs
// (an expiration that changes from afterDuration to noExpiration drops the duration).
func merge[T any](patch body, readOnly ...string) func(*T) error {
	return func(v *T) error {
		cur := body{}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &cur); err != nil {
			return err
		}
		for k, val := range patch {
			if strings.HasPrefix(k, "@odata") || strings.Contains(k, "@odata.bind") || contains(readOnly, k) {
				continue
			}
			if old, ok := cur[k]; ok {
				val = mergeJSON(old, val)
			}
			cur[k] = val
		}
		var next T
		if err := decodeInto(cur, &next); err != nil {
			return err
		}
		*v = next
		return nil
	}
}

// mergeJSON merges the patch value p into the stored value cur: two objects merge key by
// key (recursively) unless they are of different kinds; anything else is replaced by p.
func mergeJSON(cur, p json.RawMessage) json.RawMessage {
	co, ok := jsonObject(cur)
	if !ok {
		return p
	}
	po, ok := jsonObject(p)
	if !ok {
		return p
	}
	if otherKind(co, po) {
		return p
	}
	for k, val := range po {
		if old, ok := co[k]; ok {
			val = mergeJSON(old, val)
		}
		co[k] = val
	}
	out, err := json.Marshal(co)
	if err != nil {
		return p
	}
	return out
}

// jsonObject parses raw as a JSON object; ok is false for anything else (null included).
func jsonObject(raw json.RawMessage) (body, bool) {
	i := 0
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	if i == len(raw) || raw[i] != '{' {
		return nil, false
	}
	var m body
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// otherKind reports whether two objects are of different kinds: by @odata.type when both
// carry one, else by a "type" discriminator when both carry one.
func otherKind(a, b body) bool {
	for _, key := range []string{"@odata.type", "type"} {
		x, y := kindOf(a, key), kindOf(b, key)
		if x != "" && y != "" {
			return x != y
		}
	}
	return false
}

// kindOf is the string value of an object's discriminator key in a comparable form
// ("#microsoft.graph.singleUser" and "singleUser" are the same), or "" when it has none.
func kindOf(m body, key string) string {
	raw, ok := m[key]
	if !ok {
		return ""
	}
	var t string
	if json.Unmarshal(raw, &t) != nil {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(t, "#"), "microsoft.graph."))
}

// readOnlyProps are never taken from a PATCH body.
var readOnlyProps = []string{"id", "createdDateTime", "modifiedDateTime", "deletedDateTime"}

// handle adapts a handler that returns an error.
func (a *API) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			a.writeError(w, r, err)
		}
	}
}

// listOf answers a collection from a service call.
func listOf[T any](a *API, t *entityType, fetch func(r *http.Request, who access.Actor) ([]T, error)) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		list, err := fetch(r, actorOf(r))
		if err != nil {
			return err
		}
		a.writeListOf(w, r, t, len(list), func(i int) obj { return toObj(list[i]) })
		return nil
	})
}

// windowOf answers a collection whose store can cut the page itself: without $filter and
// $orderby only the requested window is read. With a $filter, the conditions it implies on
// indexed properties (t.keys) narrow what is read, and the whole filter is then evaluated.
func windowOf[T any](a *API, t *entityType, all func(r *http.Request, who access.Actor, keys ...access.Key) ([]T, error),
	window func(r *http.Request, who access.Actor, w access.Window) ([]T, int, error)) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		q, err := odata.ParseQuery(r.URL.Query())
		if err != nil {
			return err
		}
		if q.Filter != nil || len(q.OrderBy) > 0 {
			var keys []access.Key
			if q.Filter != nil {
				for _, h := range odata.Hints(q.Filter, slices.Collect(maps.Keys(t.keys))...) {
					keys = append(keys, access.Key{Name: t.keys[h.Property], Value: h.Value, Prefix: h.Prefix})
				}
			}
			list, err := all(r, actorOf(r), keys...)
			if err != nil {
				return err
			}
			a.writeListOf(w, r, t, len(list), func(i int) obj { return toObj(list[i]) })
			return nil
		}
		win, err := pageWindow(q)
		if err != nil {
			return err
		}
		list, total, err := window(r, actorOf(r), win)
		if err != nil {
			return err
		}
		a.writeListOf(w, r, t, total, func(i int) obj { return toObj(list[i-win.Offset]) })
		return nil
	})
}

// oneOf answers a single object from a service call.
func oneOf[T any](a *API, t *entityType, fetch func(r *http.Request, who access.Actor) (T, error)) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		v, err := fetch(r, actorOf(r))
		if err != nil {
			return err
		}
		a.writeOne(w, r, http.StatusOK, t, toObj(v))
		return nil
	})
}

// createOf answers a POST that creates an object: 201 with the object.
func createOf[T any](a *API, t *entityType, graphType string, create func(r *http.Request, who access.Actor, b body) (T, error)) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		b, err := typedBody(r, graphType)
		if err != nil {
			return err
		}
		v, err := create(r, actorOf(r), b)
		if err != nil {
			return err
		}
		a.writeOne(w, r, http.StatusCreated, t, toObj(v))
		return nil
	})
}

// patchOf answers a PATCH: 204 on success.
func patchOf[T any](a *API, graphType string, change func(r *http.Request, who access.Actor, fn func(*T) error) error, readOnly ...string) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		b, err := typedBody(r, graphType)
		if err != nil {
			return err
		}
		if err := change(r, actorOf(r), merge[T](b, append(readOnly, readOnlyProps...)...)); err != nil {
			return err
		}
		noContent(w)
		return nil
	})
}

// deleteOf answers a DELETE: 204 on success.
func (a *API) deleteOf(del func(r *http.Request, who access.Actor) error) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := del(r, actorOf(r)); err != nil {
			return err
		}
		noContent(w)
		return nil
	})
}

// refOf answers a POST …/$ref: the body names the object by @odata.id; 204 on success.
func (a *API) refOf(add func(r *http.Request, who access.Actor, id string) error) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		b, err := readBody(r)
		if err != nil {
			return err
		}
		id, err := refID(b)
		if err != nil {
			return err
		}
		if err := add(r, actorOf(r), id); err != nil {
			return err
		}
		noContent(w)
		return nil
	})
}
