package odata

import "strings"

// Hint is a condition every match of a filter must meet: property equals Value, or
// (Prefix) starts with it. Stores use hints to narrow the candidates before the whole
// filter is evaluated; they never replace the evaluation.
type Hint struct {
	Property string
	Value    string
	Prefix   bool
}

// Hints returns the conditions on the given top-level properties that e implies: the
// operands of its top-level "and" chain that are `p eq 'v'`, `'v' eq p` or
// `startswith(p, 'v')`. Anything under or, not or a lambda is ignored.
func Hints(e Expr, properties ...string) []Hint {
	var out []Hint
	var walk func(Expr)
	walk = func(e Expr) {
		switch x := e.(type) {
		case *Logical:
			if x.Op == "and" {
				walk(x.Left)
				walk(x.Right)
			}
		case *Compare:
			if x.Op != "eq" {
				return
			}
			if h, ok := hint(x.Left, x.Right, properties); ok {
				out = append(out, h)
			} else if h, ok := hint(x.Right, x.Left, properties); ok {
				out = append(out, h)
			}
		case *Call:
			if x.Name == "startswith" && len(x.Args) == 2 {
				if h, ok := hint(x.Args[0], x.Args[1], properties); ok {
					h.Prefix = true
					out = append(out, h)
				}
			}
		}
	}
	walk(e)
	return out
}

func hint(path, lit Expr, properties []string) (Hint, bool) {
	p, ok := path.(*Path)
	if !ok || len(p.Segments) != 1 {
		return Hint{}, false
	}
	l, ok := lit.(*Literal)
	if !ok || l.Kind != StringLiteral {
		return Hint{}, false
	}
	for _, name := range properties {
		if strings.EqualFold(name, p.Segments[0]) {
			return Hint{Property: name, Value: l.Value.(string)}, true
		}
	}
	return Hint{}, false
}
