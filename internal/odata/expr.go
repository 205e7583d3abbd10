package odata

import (
	"strconv"
	"strings"
	"time"
)

// Expr is a parsed $filter expression.
//
// String returns the canonical form: keywords and function names in lower
// case, single spaces around operators, string literals in single quotes
// (a quote inside is doubled), and parentheses exactly where needed to keep the tree's shape.
// Parsing the canonical form yields an expression with the same String.
//
// The concrete node types are *Literal, *Path, *Compare, *In, *Logical, *Not,
// *Call and *Lambda.
type Expr interface {
	String() string
}

// LiteralKind says which OData literal syntax a Literal came from.
type LiteralKind int

// Literal kinds.
const (
	NullLiteral     LiteralKind = iota // null; Value is nil
	BoolLiteral                        // true/false; Value is bool
	NumberLiteral                      // 42, -1.5, 1e3; Value is float64
	StringLiteral                      // 'text'; Value is the unescaped string
	GUIDLiteral                        // unquoted 8-4-4-4-12 GUID; Value is the string
	DateTimeLiteral                    // unquoted ISO 8601 date-time; Value is time.Time
	DateLiteral                        // unquoted 2024-01-01; Value is time.Time (midnight UTC)
	DurationLiteral                    // duration'P1D'; Value is the string inside the quotes
)

// Literal is a constant. Raw is the source text for number, GUID, date and
// date-time literals (String prints it back verbatim when set).
type Literal struct {
	Kind  LiteralKind
	Value any
	Raw   string
	Pos   int // 1-based source position; 0 when constructed
}

// Path is a property path such as "displayName" or "target/objectId". In a
// lambda body the first segment may be the lambda variable.
type Path struct {
	Segments []string
	Pos      int // 1-based source position; 0 when constructed
}

// Compare is a binary comparison. Op is one of "eq", "ne", "gt", "ge", "lt",
// "le".
type Compare struct {
	Op          string
	Left, Right Expr
	Pos         int // 1-based position of the operator; 0 when constructed
}

// In is "Left in (List...)": true when Left equals any element.
type In struct {
	Left Expr
	List []Expr
	Pos  int // 1-based position of "in"; 0 when constructed
}

// Logical is a conjunction or disjunction. Op is "and" or "or".
type Logical struct {
	Op          string
	Left, Right Expr
	Pos         int // 1-based position of the operator; 0 when constructed
}

// Not is logical negation.
type Not struct {
	X   Expr
	Pos int // 1-based position of "not"; 0 when constructed
}

// Call is a function call. Name is lower case and one of the supported
// functions (see SupportedFunctions).
type Call struct {
	Name string
	Args []Expr
	Pos  int // 1-based position of the name; 0 when constructed
}

// Lambda is "Collection/any(Var: Body)" or "Collection/all(Var: Body)". For
// the argument-less "Collection/any()" Var is empty and Body is nil; it is true
// when the collection is non-empty.
type Lambda struct {
	Collection *Path
	Op         string // "any" or "all"
	Var        string
	Body       Expr
	Pos        int // 1-based position of the collection path; 0 when constructed
}

// String returns the literal in OData syntax.
func (l *Literal) String() string {
	switch l.Kind {
	case NullLiteral:
		return "null"
	case BoolLiteral:
		if b, _ := l.Value.(bool); b {
			return "true"
		}
		return "false"
	case StringLiteral:
		s, _ := l.Value.(string)
		return quoteString(s)
	case DurationLiteral:
		s, _ := l.Value.(string)
		return "duration" + quoteString(s)
	}
	if l.Raw != "" {
		return l.Raw
	}
	switch v := l.Value.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	case time.Time:
		if l.Kind == DateLiteral {
			return v.Format("2006-01-02")
		}
		return v.Format(time.RFC3339Nano)
	}
	return "null"
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// String returns the segments joined by '/'.
func (p *Path) String() string { return strings.Join(p.Segments, "/") }

// String returns "left op right".
func (c *Compare) String() string {
	return operand(c.Left) + " " + c.Op + " " + operand(c.Right)
}

// String returns "left in (a, b, ...)".
func (n *In) String() string {
	parts := make([]string, len(n.List))
	for i, e := range n.List {
		parts[i] = e.String()
	}
	return operand(n.Left) + " in (" + strings.Join(parts, ", ") + ")"
}

// String returns "left and right" or "left or right", parenthesizing
// operands only where precedence or associativity requires it.
func (l *Logical) String() string {
	left, right := l.Left.String(), l.Right.String()
	if ll, ok := l.Left.(*Logical); ok && ll.Op == "or" && l.Op == "and" {
		left = "(" + left + ")"
	}
	if rl, ok := l.Right.(*Logical); ok && (rl.Op == "or" || rl.Op == l.Op) {
		right = "(" + right + ")"
	}
	return left + " " + l.Op + " " + right
}

// String returns "not x", parenthesizing x unless it is a single term.
func (n *Not) String() string {
	switch n.X.(type) {
	case *Literal, *Path, *Call, *Lambda, *Not:
		return "not " + n.X.String()
	}
	return "not (" + n.X.String() + ")"
}

// String returns "name(arg, ...)".
func (c *Call) String() string {
	parts := make([]string, len(c.Args))
	for i, e := range c.Args {
		parts[i] = e.String()
	}
	return c.Name + "(" + strings.Join(parts, ", ") + ")"
}

// String returns "collection/op(var: body)" or "collection/any()".
func (l *Lambda) String() string {
	coll := ""
	if l.Collection != nil {
		coll = l.Collection.String() + "/"
	}
	if l.Body == nil {
		return coll + l.Op + "()"
	}
	return coll + l.Op + "(" + l.Var + ": " + l.Body.String() + ")"
}

// operand renders e as the operand of a comparison or "in".
func operand(e Expr) string {
	switch e.(type) {
	case *Literal, *Path, *Call, *Lambda:
		return e.String()
	}
	return "(" + e.String() + ")"
}
