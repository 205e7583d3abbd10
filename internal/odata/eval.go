package odata

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Match reports whether obj satisfies e. A nil e matches everything. A
// property missing from obj is null, and an expression that evaluates to null
// does not match. Evaluation errors — a function applied to the wrong type, an
// ordering comparison between incompatible types (e.g. a number and a
// string), a property path stepping into a collection outside a lambda, or a
// non-boolean filter — are returned as *Error with Option "$filter" and the
// position of the offending node.
func Match(e Expr, obj map[string]any) (bool, error) {
	if e == nil {
		return true, nil
	}
	v, err := eval(e, obj, nil)
	if err != nil {
		return false, err
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, evalErr(e, "filter must evaluate to a boolean, got "+typeName(v), "")
}

// scope binds lambda variables to the current collection element.
type scope struct {
	name string
	val  any
	next *scope
}

func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.next {
		if s.name == name {
			return s.val, true
		}
	}
	return nil, false
}

func evalErr(e Expr, msg, hint string) error {
	return &Error{Option: "$filter", Pos: exprPos(e), Msg: msg, Hint: hint}
}

// exprPos returns the recorded source position of a node, or 0.
func exprPos(e Expr) int {
	switch x := e.(type) {
	case *Literal:
		return x.Pos
	case *Path:
		return x.Pos
	case *Compare:
		return x.Pos
	case *In:
		return x.Pos
	case *Logical:
		return x.Pos
	case *Not:
		return x.Pos
	case *Call:
		return x.Pos
	case *Lambda:
		return x.Pos
	}
	return 0
}

func eval(e Expr, root map[string]any, sc *scope) (any, error) {
	switch x := e.(type) {
	case *Literal:
		return normalize(x.Value), nil
	case *Path:
		return evalPath(x, root, sc)
	case *Compare:
		return evalCompare(x, root, sc)
	case *In:
		l, err := eval(x.Left, root, sc)
		if err != nil {
			return nil, err
		}
		for _, item := range x.List {
			r, err := eval(item, root, sc)
			if err != nil {
				return nil, err
			}
			if valuesEqual(l, r) {
				return true, nil
			}
		}
		return false, nil
	case *Logical:
		return evalLogical(x, root, sc)
	case *Not:
		v, err := evalBool(x.X, root, sc, "not")
		if err != nil || v == nil {
			return nil, err
		}
		return !v.(bool), nil
	case *Call:
		return evalCall(x, root, sc)
	case *Lambda:
		return evalLambda(x, root, sc)
	case nil:
		return nil, &Error{Option: "$filter", Msg: "missing expression"}
	}
	return nil, evalErr(e, fmt.Sprintf("unsupported expression type %T", e), "")
}

// evalBool evaluates e and checks it is a boolean or null.
func evalBool(e Expr, root map[string]any, sc *scope, op string) (any, error) {
	v, err := eval(e, root, sc)
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case bool, nil:
		return v, nil
	}
	return nil, evalErr(e, op+" needs boolean operands, got "+typeName(v)+" "+quoteText(e.String()), "")
}

// evalLogical implements OData three-valued and/or with short-circuiting.
func evalLogical(x *Logical, root map[string]any, sc *scope) (any, error) {
	l, err := evalBool(x.Left, root, sc, x.Op)
	if err != nil {
		return nil, err
	}
	decisive := x.Op == "or" // the value that decides the result alone
	if l == decisive {
		return decisive, nil
	}
	r, err := evalBool(x.Right, root, sc, x.Op)
	if err != nil {
		return nil, err
	}
	if r == decisive {
		return decisive, nil
	}
	if l == nil || r == nil {
		return nil, nil
	}
	return !decisive, nil
}

func evalPath(p *Path, root map[string]any, sc *scope) (any, error) {
	if len(p.Segments) == 0 {
		return nil, evalErr(p, "empty property path", "")
	}
	segs := p.Segments
	var cur any = root
	if v, ok := sc.lookup(segs[0]); ok {
		cur, segs = v, segs[1:]
	}
	for i, s := range segs {
		switch c := normalize(cur).(type) {
		case nil:
			return nil, nil
		case map[string]any:
			cur = lookupKey(c, s)
		case []any:
			if s == "$count" {
				cur = float64(len(c))
				continue
			}
			coll := strings.Join(p.Segments[:len(p.Segments)-len(segs)+i], "/")
			return nil, evalErr(p, quoteText(coll)+" is a collection; "+quoteText(p.String())+" cannot be read directly",
				fmt.Sprintf("use a lambda, e.g. %s/any(x: x/%s eq …)", coll, strings.Join(segs[i:], "/")))
		default:
			return nil, nil
		}
	}
	return normalize(cur), nil
}

// lookupKey finds key in m exactly, or else case-insensitively (choosing the
// smallest matching key when several differ only in case).
func lookupKey(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	found, best := false, ""
	for k := range m {
		if strings.EqualFold(k, key) && (!found || k < best) {
			found, best = true, k
		}
	}
	if !found {
		return nil
	}
	return m[best]
}

// normalize maps the accepted Go types onto the JSON-decoded set: nil, bool,
// float64, string, time.Time, []any and map[string]any.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint:
		return float64(x)
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case uint32:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case *time.Time:
		if x == nil {
			return nil
		}
		return *x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = m
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	}
	return v
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case time.Time:
		return "date-time"
	case []any:
		return "collection"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func evalCompare(x *Compare, root map[string]any, sc *scope) (any, error) {
	l, err := eval(x.Left, root, sc)
	if err != nil {
		return nil, err
	}
	r, err := eval(x.Right, root, sc)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "eq":
		return valuesEqual(l, r), nil
	case "ne":
		return !valuesEqual(l, r), nil
	}
	if l == nil || r == nil {
		// OData: ordering against null is false, except that null le/ge null holds.
		return l == nil && r == nil && (x.Op == "le" || x.Op == "ge"), nil
	}
	c, ok := compareValues(l, r)
	if !ok {
		return nil, evalErr(x, fmt.Sprintf("cannot compare %s with %s using %s", typeName(l), typeName(r), x.Op),
			quoteText(x.String()))
	}
	switch x.Op {
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	}
	return nil, evalErr(x, "unknown operator "+quoteText(x.Op), operatorHint)
}

// valuesEqual is OData eq on normalized values: null equals only null, and
// values of incompatible types are simply unequal.
func valuesEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	c, ok := compareValues(a, b)
	return ok && c == 0
}

// compareValues orders two non-null normalized values of compatible types.
// Strings compare case-insensitively, or as instants when both parse as
// date-times; a time.Time compares with a string that parses as one.
func compareValues(a, b any) (int, bool) {
	switch x := a.(type) {
	case bool:
		if y, ok := b.(bool); ok {
			return cmpBool(x, y), true
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y), true
		}
	case string:
		switch y := b.(type) {
		case string:
			return compareStrings(x, y), true
		case time.Time:
			if t, ok := parseTime(x); ok {
				return t.Compare(y), true
			}
		}
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			return x.Compare(y), true
		case string:
			if t, ok := parseTime(y); ok {
				return x.Compare(t), true
			}
		}
	}
	return 0, false
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func compareStrings(a, b string) int {
	if ta, ok := parseTime(a); ok {
		if tb, ok := parseTime(b); ok {
			return ta.Compare(tb)
		}
	}
	if strings.EqualFold(a, b) {
		return 0
	}
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func evalCall(x *Call, root map[string]any, sc *scope) (any, error) {
	args := make([]any, len(x.Args))
	for i, a := range x.Args {
		v, err := eval(a, root, sc)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	fn, ok := functions[x.Name]
	if !ok || len(args) != fn.arity {
		return nil, evalErr(x, "unknown function "+quoteText(x.Name)+fmt.Sprintf(" with %d arguments", len(args)),
			"supported functions: "+strings.Join(functionNames, ", "))
	}
	if x.Name == "length" {
		switch v := args[0].(type) {
		case nil:
			return nil, nil
		case string:
			return float64(utf8.RuneCountInString(v)), nil
		case []any:
			return float64(len(v)), nil
		}
		return nil, evalErr(x, "length needs a string or collection, got "+typeName(args[0]), "")
	}
	strs := make([]string, len(args))
	for i, v := range args {
		switch s := v.(type) {
		case nil:
			return nil, nil
		case string:
			strs[i] = s
		default:
			return nil, evalErr(x, fmt.Sprintf("%s needs a string as argument %d, got %s", x.Name, i+1, typeName(v)),
				quoteText(x.Args[i].String())+" is not a string")
		}
	}
	switch x.Name {
	case "startswith":
		return strings.HasPrefix(strings.ToLower(strs[0]), strings.ToLower(strs[1])), nil
	case "endswith":
		return strings.HasSuffix(strings.ToLower(strs[0]), strings.ToLower(strs[1])), nil
	case "contains":
		return strings.Contains(strings.ToLower(strs[0]), strings.ToLower(strs[1])), nil
	case "tolower":
		return strings.ToLower(strs[0]), nil
	case "toupper":
		return strings.ToUpper(strs[0]), nil
	case "trim":
		return strings.TrimSpace(strs[0]), nil
	}
	return nil, evalErr(x, "unknown function "+quoteText(x.Name), "")
}

func evalLambda(x *Lambda, root map[string]any, sc *scope) (any, error) {
	if x.Collection == nil {
		return nil, evalErr(x, x.Op+" has no collection", "")
	}
	cv, err := evalPath(x.Collection, root, sc)
	if err != nil {
		return nil, err
	}
	var items []any
	switch c := cv.(type) {
	case nil:
	case []any:
		items = c
	default:
		return nil, evalErr(x, fmt.Sprintf("%s needs a collection, but %s is %s", x.Op, quoteText(x.Collection.String()), typeName(cv)), "")
	}
	if x.Body == nil {
		return len(items) > 0, nil
	}
	for _, item := range items {
		v, err := evalBool(x.Body, root, &scope{name: x.Var, val: item, next: sc}, x.Op)
		if err != nil {
			return nil, err
		}
		if x.Op == "any" && v == true {
			return true, nil
		}
		if x.Op == "all" && v != true {
			return false, nil
		}
	}
	return x.Op == "all", nil
}

// Less reports whether a sorts before b under the order-by list, comparing
// each key in turn. Values compare like in $filter (numbers numerically,
// strings case-insensitively, date-time strings as instants); null sorts
// first ascending and last descending; values of different types sort by type
// (boolean < number < string < date-time < others). A path that cannot be
// read (e.g. it steps into a collection) counts as null. Less is meant for
// sort.SliceStable: it is a strict weak ordering for columns holding values of
// one kind (mixing date-time strings with other strings may not be transitive).
func Less(a, b map[string]any, by []OrderBy) bool {
	for _, o := range by {
		p := &Path{Segments: strings.Split(o.Path, "/")}
		va, _ := evalPath(p, a, nil)
		vb, _ := evalPath(p, b, nil)
		c := orderCompare(va, vb)
		if c == 0 {
			continue
		}
		if o.Desc {
			return c > 0
		}
		return c < 0
	}
	return false
}

func orderCompare(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	if c, ok := compareValues(a, b); ok {
		return c
	}
	return cmp.Compare(typeRank(a), typeRank(b))
}

func typeRank(v any) int {
	switch v.(type) {
	case bool:
		return 1
	case float64:
		return 2
	case string:
		return 3
	case time.Time:
		return 4
	}
	return 5
}

// Apply evaluates q.Filter against items, sorts the matches stably by
// q.OrderBy, and returns the page selected by q.Skip and q.Top (Top < 0 means
// no limit) together with the number of matches before paging. It does not
// apply $select or $expand, and it does not modify items or the objects in
// it. The first evaluation error aborts with that *Error.
func Apply(items []map[string]any, q Query) (page []map[string]any, total int, err error) {
	matched := make([]map[string]any, 0, len(items))
	for _, it := range items {
		ok, err := Match(q.Filter, it)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			matched = append(matched, it)
		}
	}
	if len(q.OrderBy) > 0 {
		sort.SliceStable(matched, func(i, j int) bool { return Less(matched[i], matched[j], q.OrderBy) })
	}
	total = len(matched)
	start := min(max(q.Skip, 0), total)
	end := total
	if q.Top >= 0 {
		end = min(start+q.Top, total)
	}
	return matched[start:end], total, nil
}
