package graphapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

// obj is an object in its JSON form, including storage-only properties.
type obj = map[string]any

// expander returns the value of a navigation property of item, shaped by q.
type expander func(ctx context.Context, who access.Actor, item obj, q odata.Query) (any, error)

// entityType describes how one Graph type is shown: which stored properties are hidden,
// which properties $filter and $orderby may use, and which navigation properties
// $expand can follow.
type entityType struct {
	name   string
	hidden []string
	expand map[string]expander
	props  *odata.Properties
	// keys maps properties to the store keys that index them, for narrowing by $filter.
	keys map[string]string
	// augment adds derived properties (parents as {"id": …}) to a stored object, so
	// that filters on paths such as catalog/id work; they are hidden unless expanded.
	augment func(obj)
	// nulls are the properties Graph always shows (its default properties), as null
	// when the object has no value for them.
	nulls []string
	// concrete maps the @odata.type of an item to the type that shows it, for a base
	// type such as directoryObject whose collections mix users, groups and service
	// principals.
	concrete map[string]*entityType
}

// baseType builds a type whose items are shown as one of the given concrete types,
// chosen by their @odata.type; $filter and $orderby may use the properties of any of them.
func baseType(name string, concrete map[string]*entityType) *entityType {
	t := &entityType{name: name, expand: map[string]expander{}, concrete: concrete}
	seen := map[string]bool{"@odata.type": true}
	names := []string{"@odata.type"}
	for _, c := range concrete {
		for _, n := range c.props.Names {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	t.props = &odata.Properties{TypeName: name, Names: names}
	return t
}

// newType builds an entityType whose filterable properties are the visible top-level
// properties of example plus the extra paths given.
func newType(name string, example any, hidden []string, extra ...string) *entityType {
	t := &entityType{name: name, hidden: hidden, expand: map[string]expander{}}
	var names []string
	for _, k := range jsonNames(reflect.TypeOf(example)) {
		if !contains(hidden, k) {
			names = append(names, k)
		}
	}
	names = append(names, extra...)
	sort.Strings(names)
	t.props = &odata.Properties{TypeName: name, Names: names}
	return t
}

// jsonNames lists the JSON property names of a struct type, including those of embedded
// structs and those that omitempty would leave out of a zero value.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			out = append(out, jsonNames(f.Type)...)
		case !f.IsExported():
		case name == "":
			out = append(out, f.Name)
		default:
			out = append(out, name)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// toObj converts a value to its JSON object form.
func toObj(v any) obj {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // domain types always marshal
	}
	var m obj
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	return m
}

// toObjs converts a slice of values.
func toObjs[T any](list []T) []obj {
	out := make([]obj, len(list))
	for i := range list {
		out[i] = toObj(list[i])
	}
	return out
}

// render shapes one object for output: hidden properties removed, navigation
// properties expanded, $select applied.
func (t *entityType) render(ctx context.Context, who access.Actor, full obj, q odata.Query) (obj, error) {
	if c := t.concrete[str(full, "@odata.type")]; c != nil {
		out, err := c.render(ctx, who, full, q)
		if err == nil {
			out["@odata.type"] = full["@odata.type"]
		}
		return out, err
	}
	if err := spend(ctx); err != nil {
		return nil, err
	}
	if t.augment != nil {
		t.augment(full)
	}
	out := make(obj, len(full)+len(q.Expand)+len(t.nulls))
	for _, k := range t.nulls {
		out[k] = nil
	}
	for k, v := range full {
		if !contains(t.hidden, k) {
			out[k] = v
		}
	}
	for _, e := range q.Expand {
		names := []string{e.Path}
		if e.Path == "*" {
			names = names[:0]
			for n := range t.expand {
				names = append(names, n)
			}
		}
		for _, n := range names {
			x, ok := t.expand[n]
			if !ok {
				return nil, badRequest("$expand: '%s' is not a navigation property of %s; it has: %s", n, t.name, strings.Join(t.navNames(), ", "))
			}
			v, err := x(ctx, who, full, e.Query)
			if err != nil {
				return nil, err
			}
			out[n] = v
		}
	}
	if len(q.Select) > 0 {
		sel := obj{}
		for _, s := range q.Select {
			if _, known := full[s]; !known && !contains(t.props.Names, s) && t.expand[s] == nil {
				return nil, badRequest("$select: '%s' is not a property of %s", s, t.name)
			}
			if v, ok := out[s]; ok {
				sel[s] = v
			}
		}
		for _, e := range q.Expand {
			if v, ok := out[e.Path]; ok {
				sel[e.Path] = v
			}
		}
		sel["id"] = out["id"]
		out = sel
	}
	return out, nil
}

func (t *entityType) navNames() []string {
	var n []string
	for k := range t.expand {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// filterOrder applies $filter, $orderby, $skip and $top to objects.
func (t *entityType) page(items []obj, q odata.Query) ([]obj, int, error) {
	if t.augment != nil {
		for _, m := range items {
			t.augment(m)
		}
	}
	if q.Filter != nil {
		if err := odata.Validate(q.Filter, "$filter", t.props); err != nil {
			return nil, 0, err
		}
	}
	for _, o := range q.OrderBy {
		if !contains(t.props.Names, o.Path) {
			return nil, 0, badRequest("$orderby: '%s' is not a property of %s", o.Path, t.name)
		}
	}
	all := q
	all.Top, all.Skip = -1, 0 // paging is done by the caller
	return odata.Apply(items, all)
}

// renderList shapes a list for an expanded navigation property (no paging links).
func (t *entityType) renderList(ctx context.Context, who access.Actor, items []obj, q odata.Query) ([]obj, error) {
	matched, _, err := t.page(items, q)
	if err != nil {
		return nil, err
	}
	if q.Skip > 0 {
		matched = matched[min(q.Skip, len(matched)):]
	}
	if q.Top >= 0 && q.Top < len(matched) {
		matched = matched[:q.Top]
	}
	out := make([]obj, 0, len(matched))
	for _, m := range matched {
		r, err := t.render(ctx, who, m, q)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// defaultPageSize is the page size when the client sends no $top.
const defaultPageSize = 100

// writeList answers a collection request: filter, order, page with $top/$skip and an
// absolute @odata.nextLink carrying a $skiptoken, expand and select.
func (a *API) writeList(w http.ResponseWriter, r *http.Request, t *entityType, items []obj) {
	a.writeListOf(w, r, t, len(items), func(i int) obj { return items[i] })
}

// writeListOf is writeList over n objects made on demand by at: without $filter and
// $orderby only the requested page is converted.
func (a *API) writeListOf(w http.ResponseWriter, r *http.Request, t *entityType, n int, at func(int) obj) {
	q, err := odata.ParseQuery(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var matched []obj
	total := n
	lazy := q.Filter == nil && len(q.OrderBy) == 0
	if !lazy {
		items := make([]obj, n)
		for i := range items {
			items[i] = at(i)
		}
		if matched, total, err = t.page(items, q); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	win, err := pageWindow(q)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	offset, size := min(win.Offset, total), win.Limit
	end := min(offset+size, total)
	out := make([]obj, 0, end-offset)
	ctx := withBudget(r.Context())
	for i := offset; i < end; i++ {
		var m obj
		if lazy {
			m = at(i)
			if t.augment != nil {
				t.augment(m)
			}
		} else {
			m = matched[i]
		}
		ro, err := t.render(ctx, actorOf(r), m, q)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		out = append(out, ro)
	}
	body := obj{"@odata.context": absURL(r, "/v1.0/$metadata#"+t.name), "value": out}
	if q.Count {
		body["@odata.count"] = total
	}
	if end < total {
		next := *r.URL
		v := next.Query()
		v.Del("$skip")
		v.Del("skip")
		v.Set("$skiptoken", encodeSkipToken(end))
		if q.Top < 0 {
			v.Set("$top", strconv.Itoa(size))
		}
		next.RawQuery = v.Encode()
		body["@odata.nextLink"] = absURL(r, next.Path+"?"+next.RawQuery)
	}
	writeJSON(w, http.StatusOK, body)
}

// writeOne answers a single-object request with $expand and $select.
func (a *API) writeOne(w http.ResponseWriter, r *http.Request, status int, t *entityType, full obj) {
	a.writeEntity(w, r, status, t, full, obj{"@odata.context": absURL(r, "/v1.0/$metadata#"+t.name+"/$entity")})
}

// writeEntity is writeOne with the given annotations (@odata.context, @odata.type), which
// are added after $select.
func (a *API) writeEntity(w http.ResponseWriter, r *http.Request, status int, t *entityType, full, annotations obj) {
	q, err := odata.ParseQuery(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out, err := t.render(withBudget(r.Context()), actorOf(r), full, q)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for k, v := range annotations {
		out[k] = v
	}
	writeJSON(w, status, out)
}

// pageWindow returns the window of a collection that $skip, $skiptoken and $top ask for.
func pageWindow(q odata.Query) (access.Window, error) {
	w := access.Window{Offset: q.Skip, Limit: defaultPageSize}
	if q.SkipToken != "" {
		off, err := decodeSkipToken(q.SkipToken)
		if err != nil {
			return w, err
		}
		w.Offset = off
	}
	if q.Top >= 0 {
		w.Limit = q.Top
	}
	return w, nil
}

func encodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeSkipToken(tok string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "o:")); err == nil && n >= 0 && strings.HasPrefix(string(raw), "o:") {
			return n, nil
		}
	}
	return 0, badRequest("$skiptoken '%s' is not valid; use the @odata.nextLink of the previous page as it is", tok)
}

// absURL makes an absolute URL on the server the request came to.
func absURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	u := url.URL{Scheme: scheme, Host: host}
	return u.String() + path
}

func str(o obj, k string) string {
	s, _ := o[k].(string)
	return s
}

// MaxAnswerObjects bounds how many objects one answer holds, expansions included (SEC-4),
// so that no URL makes the server build an answer of unbounded size.
const MaxAnswerObjects = 10000

type budgetKey struct{}

// withBudget returns ctx carrying a fresh budget of MaxAnswerObjects objects.
func withBudget(ctx context.Context) context.Context {
	n := new(atomic.Int64)
	n.Store(MaxAnswerObjects)
	return context.WithValue(ctx, budgetKey{}, n)
}

// spend takes one object from the budget of ctx; past the budget the answer is refused.
func spend(ctx context.Context) error {
	n, ok := ctx.Value(budgetKey{}).(*atomic.Int64)
	if !ok {
		return nil
	}
	if n.Add(-1) < 0 {
		return badRequest("the answer would hold more than %d objects (expansions included); ask for fewer with $top, $filter or a narrower $expand", MaxAnswerObjects)
	}
	return nil
}
