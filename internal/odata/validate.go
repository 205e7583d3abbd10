package odata

import (
	"fmt"
	"strings"
)

// Properties lists the properties a $filter, $orderby or $select may
// reference on one entity type. A nil *Properties allows everything.
//
// Names are paths with '/' between segments, e.g. "id", "catalog/id",
// "target/objectId". Matching is case-insensitive. A path is known when it is
// listed itself or when one of its prefixes is listed: listing "catalog"
// allows "catalog/id" and anything else below catalog, so list only the leaf
// paths (e.g. "catalog/id") to have sub-properties checked. A collection that
// is only the prefix of listed paths (e.g. "identitySources" when
// "identitySources/domainName" is listed) may still be used as the source of
// any/all and with $count.
type Properties struct {
	TypeName string   // entity type named in error messages, e.g. "accessPackage"
	Names    []string // known property paths
}

// known reports whether path is listed or lies below a listed path.
func (p *Properties) known(path string) bool {
	for _, n := range p.Names {
		if strings.EqualFold(n, path) || hasPathPrefix(path, n) {
			return true
		}
	}
	return false
}

// knownCollection is known, or a prefix of a listed path.
func (p *Properties) knownCollection(path string) bool {
	if p.known(path) {
		return true
	}
	for _, n := range p.Names {
		if hasPathPrefix(n, path) {
			return true
		}
	}
	return false
}

// hasPathPrefix reports whether path lies strictly below prefix, ignoring case.
func hasPathPrefix(path, prefix string) bool {
	return len(path) > len(prefix) && path[len(prefix)] == '/' && strings.EqualFold(path[:len(prefix)], prefix)
}

// unknown builds the error for an unknown property path.
func (p *Properties) unknown(option string, pos int, path, written string) error {
	msg := "unknown property " + quoteText(path)
	if written != "" && written != path {
		msg += " (written " + quoteText(written) + ")"
	}
	if p.TypeName != "" {
		msg += " on " + p.TypeName
	}
	hint := "known properties: " + strings.Join(p.Names, ", ")
	if s := p.suggest(path); s != "" {
		hint = "did you mean " + quoteText(s) + "? " + hint
	}
	if len(p.Names) == 0 {
		hint = "no properties can be used here"
	}
	return &Error{Option: option, Pos: pos, Msg: msg, Hint: hint}
}

// suggest returns the listed name closest to path if it is a likely typo.
func (p *Properties) suggest(path string) string {
	best, bestD := "", 3
	lp := strings.ToLower(path)
	for _, n := range p.Names {
		if d := editDistance(lp, strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Validate checks every property path in e against p and returns an *Error
// (with the given option, e.g. "$filter", and the path's position) naming the
// first unknown one in source order. It returns nil when e or p is nil.
//
// Lambda variables are resolved against the collection they range over: in
// "identitySources/any(s: s/domainName eq 'x')" the path s/domainName is
// checked as "identitySources/domainName", which is known when it or
// "identitySources" is listed. A bare variable (groupTypes/any(c: c eq 'x'))
// needs no further check. A trailing $count segment is checked like a lambda
// collection.
func Validate(e Expr, option string, p *Properties) error {
	if e == nil || p == nil {
		return nil
	}
	return validate(e, option, p, nil)
}

// varScope maps lambda variables to the resolved collection paths.
type varScope struct {
	name, path string
	next       *varScope
}

// resolve returns the full property path of a path in scope, and whether it
// is exactly a lambda variable.
func (s *varScope) resolve(segs []string) (string, bool) {
	for ; s != nil; s = s.next {
		if len(segs) > 0 && s.name == segs[0] {
			if len(segs) == 1 {
				return s.path, true
			}
			return s.path + "/" + strings.Join(segs[1:], "/"), false
		}
	}
	return strings.Join(segs, "/"), false
}

func validate(e Expr, option string, p *Properties, sc *varScope) error {
	switch x := e.(type) {
	case nil, *Literal:
		return nil
	case *Path:
		segs := x.Segments
		collection := false
		if n := len(segs); n > 1 && segs[n-1] == "$count" {
			segs, collection = segs[:n-1], true
		}
		full, isVar := sc.resolve(segs)
		if isVar {
			return nil
		}
		if (collection && !p.knownCollection(full)) || (!collection && !p.known(full)) {
			return p.unknown(option, x.Pos, full, x.String())
		}
		return nil
	case *Compare:
		return validateAll(option, p, sc, x.Left, x.Right)
	case *In:
		return validateAll(option, p, sc, append([]Expr{x.Left}, x.List...)...)
	case *Logical:
		return validateAll(option, p, sc, x.Left, x.Right)
	case *Not:
		return validate(x.X, option, p, sc)
	case *Call:
		return validateAll(option, p, sc, x.Args...)
	case *Lambda:
		if x.Collection == nil {
			return nil
		}
		full, isVar := sc.resolve(x.Collection.Segments)
		if !isVar && !p.knownCollection(full) {
			return p.unknown(option, x.Collection.Pos, full, x.Collection.String())
		}
		if x.Body == nil {
			return nil
		}
		return validate(x.Body, option, p, &varScope{name: x.Var, path: full, next: sc})
	}
	return &Error{Option: option, Msg: fmt.Sprintf("unsupported expression type %T", e)}
}

func validateAll(option string, p *Properties, sc *varScope, es ...Expr) error {
	for _, e := range es {
		if err := validate(e, option, p, sc); err != nil {
			return err
		}
	}
	return nil
}
