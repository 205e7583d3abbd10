package odata

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTop is the largest $top accepted, matching Microsoft Graph's page cap.
const MaxTop = 999

// MaxExpandDepth is how many levels $expand may nest (SEC-4): accessPackages?$expand=
// catalog($expand=accessPackages($expand=assignmentPolicies)) is three. Deeper graphs
// are fetched by id.
const MaxExpandDepth = 3

// expandDepth returns how many levels es nests.
func expandDepth(es []Expand) int {
	d := 0
	for _, e := range es {
		d = max(d, 1+expandDepth(e.Query.Expand))
	}
	return d
}

// Query holds the parsed system query options of one request or of one
// $expand item. The zero value is not "no options": use NewQuery, which sets
// Top to -1.
type Query struct {
	Filter    Expr      // nil when absent
	Expand    []Expand  // nil when absent
	Select    []string  // property paths; nil means all properties ($select absent or "*")
	OrderBy   []OrderBy // nil when absent
	Top       int       // 0..MaxTop, or -1 when absent
	Skip      int       // >= 0; 0 when absent
	SkipToken string    // raw, opaque; "" when absent
	Count     bool      // $count=true
	Search    string    // raw $search value, e.g. "\"displayName:sales\""; "" when absent
}

// Expand is one $expand item: a navigation property (or "*") and the options
// nested in parentheses after it.
type Expand struct {
	Path  string // e.g. "roles", "resourceRoleScopes", "*"
	Query Query  // nested options; Top is -1 when absent
}

// OrderBy is one $orderby key.
type OrderBy struct {
	Path string // property path, e.g. "displayName" or "catalog/id"
	Desc bool   // true for "desc"
}

// NewQuery returns a Query with no options set (Top = -1).
func NewQuery() Query { return Query{Top: -1} }

// optionNames are the supported options without "$", in message order.
var optionNames = []string{"filter", "expand", "select", "orderby", "top", "skip", "skiptoken", "count", "search"}

func isOption(name string) bool {
	for _, n := range optionNames {
		if n == name {
			return true
		}
	}
	return false
}

func supportedOptions(nested bool) string {
	var out []string
	for _, n := range optionNames {
		if nested && n == "skiptoken" {
			continue
		}
		out = append(out, "$"+n)
	}
	return strings.Join(out, ", ")
}

// canonicalOption strips one leading "$" and lower-cases the key.
func canonicalOption(key string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(key), "$"))
}

// ParseQuery parses the system query options in v, whose keys and values are
// already URL-decoded. Keys are matched case-insensitively with or without
// the leading "$" ("$filter", "filter", "$Filter"). Unknown keys starting
// with "$" are an error; unknown keys without "$" are ignored as ordinary
// parameters. An option given twice (including "$top" together with "top")
// is an error. Errors are *Error.
func ParseQuery(v url.Values) (Query, error) {
	q := NewQuery()
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		name := canonicalOption(k)
		if !isOption(name) {
			if strings.HasPrefix(strings.TrimSpace(k), "$") {
				return q, &Error{Option: k, Msg: k + " is not a supported query option", Hint: "supported: " + supportedOptions(false)}
			}
			continue
		}
		vals := v[k]
		if seen[name] || len(vals) > 1 {
			return q, &Error{Option: "$" + name, Msg: "$" + name + " is specified more than once"}
		}
		seen[name] = true
		if len(vals) == 0 {
			continue
		}
		if err := q.set(name, vals[0]); err != nil {
			return q, err
		}
	}
	if d := expandDepth(q.Expand); d > MaxExpandDepth {
		return q, &Error{Option: "$expand", Msg: fmt.Sprintf("$expand nests %d levels; the limit is %d", d, MaxExpandDepth),
			Hint: "expand fewer levels and read the deeper objects by id"}
	}
	return q, nil
}

// set parses value as option name (without "$") into q. Errors are *Error
// with positions relative to value.
func (q *Query) set(name, value string) error {
	var err error
	switch name {
	case "filter":
		q.Filter, err = ParseFilter(value)
	case "expand":
		q.Expand, err = ParseExpand(value)
	case "select":
		q.Select, err = parseSelect(value)
	case "orderby":
		q.OrderBy, err = ParseOrderBy(value)
	case "top":
		q.Top, err = parseCount("$top", value)
		if err == nil && q.Top > MaxTop {
			err = &Error{Option: "$top", Msg: "$top must be at most " + strconv.Itoa(MaxTop) + ", got " + quoteText(value)}
		}
	case "skip":
		q.Skip, err = parseCount("$skip", value)
	case "skiptoken":
		q.SkipToken = value
	case "count":
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "true":
			q.Count = true
		case "false":
			q.Count = false
		default:
			err = &Error{Option: "$count", Msg: "$count must be true or false, got " + quoteText(value)}
		}
	case "search":
		q.Search = value
	default:
		err = &Error{Option: "$" + name, Msg: "unsupported query option " + quoteText("$"+name)}
	}
	return err
}

// parseCount parses a non-negative decimal integer.
func parseCount(option, value string) (int, error) {
	s := strings.TrimSpace(value)
	bad := &Error{Option: option, Msg: option + " must be a non-negative integer, got " + quoteText(value)}
	if s == "" {
		return 0, bad
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, bad
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<31-1 {
		return 0, &Error{Option: option, Msg: option + " is too large, got " + quoteText(value)}
	}
	return n, nil
}

// item is one comma-separated part of an option value, with whitespace
// trimmed; pos is its 1-based rune position.
type item struct {
	text string
	pos  int
}

// splitItems splits s on sep, trimming each part.
func splitItems(s string, sep byte) []item {
	var out []item
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != sep {
			continue
		}
		part := s[start:i]
		lead := len(part) - len(strings.TrimLeft(part, " \t\r\n"))
		out = append(out, item{text: strings.TrimSpace(part), pos: runePos(s, start+lead)})
		start = i + 1
	}
	return out
}

// validPath reports whether s is identifiers joined by '/'.
func validPath(s string) bool {
	if s == "" {
		return false
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "" {
			return false
		}
		for i, r := range seg {
			if (i == 0 && !isIdentStart(r)) || !isIdentPart(r) {
				return false
			}
		}
	}
	return utf8.ValidString(s)
}

// parseSelect parses a comma-separated $select list. "*" alone means all
// properties and yields nil.
func parseSelect(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Option: "$select", Msg: "empty $select", Hint: "list properties, e.g. id,displayName"}
	}
	items := splitItems(s, ',')
	var out []string
	for _, it := range items {
		switch {
		case it.text == "":
			return nil, &Error{Option: "$select", Pos: it.pos, Msg: "empty property name", Hint: "remove the extra ','"}
		case it.text == "*":
			if len(items) > 1 {
				return nil, &Error{Option: "$select", Pos: it.pos, Msg: "'*' cannot be combined with other properties"}
			}
			return nil, nil
		case !validPath(it.text):
			return nil, &Error{Option: "$select", Pos: it.pos, Msg: "invalid property name " + quoteText(it.text),
				Hint: "expected names such as id or displayName separated by ','"}
		}
		out = append(out, it.text)
	}
	return out, nil
}

// ParseOrderBy parses a $orderby list such as "displayName desc,
// createdDateTime": comma-separated property paths, each optionally followed
// by asc or desc (case-insensitive). Ordering by expressions (e.g. function
// calls) is not supported. Errors are *Error with Option "$orderby".
func ParseOrderBy(s string) ([]OrderBy, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Option: "$orderby", Msg: "empty $orderby", Hint: "expected e.g. displayName desc"}
	}
	var out []OrderBy
	for _, it := range splitItems(s, ',') {
		fields := strings.Fields(it.text)
		if len(fields) == 0 {
			return nil, &Error{Option: "$orderby", Pos: it.pos, Msg: "empty sort key", Hint: "remove the extra ','"}
		}
		if !validPath(fields[0]) {
			hint := "expected a property path such as displayName or catalog/id"
			if strings.ContainsAny(fields[0], "()") {
				hint = "ordering by expressions is not supported; " + hint
			}
			return nil, &Error{Option: "$orderby", Pos: it.pos, Msg: "invalid sort key " + quoteText(fields[0]), Hint: hint}
		}
		o := OrderBy{Path: fields[0]}
		if len(fields) > 1 {
			off := len(fields[0]) + strings.Index(it.text[len(fields[0]):], fields[1])
			dirPos := it.pos + utf8.RuneCountInString(it.text[:off])
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				o.Desc = true
			default:
				return nil, &Error{Option: "$orderby", Pos: dirPos, Msg: "unexpected " + quoteText(fields[1]) + " after " + quoteText(fields[0]),
					Hint: "expected asc, desc or ','"}
			}
		}
		if len(fields) > 2 {
			return nil, &Error{Option: "$orderby", Pos: it.pos, Msg: "unexpected " + quoteText(fields[2]) + " after " + quoteText(fields[0]+" "+fields[1]),
				Hint: "separate sort keys with ','"}
		}
		out = append(out, o)
	}
	return out, nil
}

// Validate checks the property paths of q's $filter, $orderby and $select
// against p (see Properties and the package-level Validate). Nested $expand
// options are not checked because they apply to other entity types. It
// returns nil when p is nil.
func (q Query) Validate(p *Properties) error {
	if p == nil {
		return nil
	}
	if err := Validate(q.Filter, "$filter", p); err != nil {
		return err
	}
	for _, o := range q.OrderBy {
		if !p.known(o.Path) {
			return p.unknown("$orderby", 0, o.Path, "")
		}
	}
	for _, s := range q.Select {
		if !p.known(s) {
			return p.unknown("$select", 0, s, "")
		}
	}
	return nil
}
