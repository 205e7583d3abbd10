package odata

import (
	"fmt"
	"strings"
)

// maxDepth bounds nesting (parentheses, not, lambdas, calls) so hostile input
// cannot exhaust the stack.
const maxDepth = 100

// function describes one supported $filter function.
type function struct {
	arity   int
	boolean bool // returns a boolean
}

var functions = map[string]function{
	"startswith": {2, true},
	"endswith":   {2, true},
	"contains":   {2, true},
	"tolower":    {1, false},
	"toupper":    {1, false},
	"length":     {1, false},
	"trim":       {1, false},
}

var functionNames = []string{"startswith", "endswith", "contains", "tolower", "toupper", "length", "trim"}

// SupportedFunctions returns the names of the supported $filter functions, in
// the order used by error messages. The caller may modify the result.
func SupportedFunctions() []string { return append([]string(nil), functionNames...) }

var compareOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

// reserved words that can never start a value.
var reserved = map[string]bool{
	"and": true, "or": true, "not": true, "in": true,
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
}

const operatorHint = "use eq, ne, gt, ge, lt, le, in to compare and and, or, not to combine"

// ParseFilter parses a $filter expression. Errors are *Error with Option
// "$filter" and a 1-based position. The expression must be boolean: a
// comparison, in, and/or/not, a lambda, a boolean function, a property path
// (a boolean property) or true/false/null.
//
// Precedence from tightest to loosest is: function calls, lambdas and
// parentheses; comparisons (eq, ne, gt, ge, lt, le, in; not chainable); not;
// and; or. The operand of not is a whole comparison, so "not a eq b" means
// "not (a eq b)", as in the OData ABNF; "not(…)" works as well.
func ParseFilter(s string) (Expr, error) {
	return parseFilter(s, "$filter")
}

func parseFilter(s, option string) (Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Option: option, Msg: "empty filter expression", Hint: "expected a condition such as displayName eq 'Sales'"}
	}
	toks, err := lex(s, option)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, option: option}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokRParen {
			return nil, p.errTok(t, "no matching '('")
		}
		return nil, p.errTok(t, "expected 'and', 'or' or end of expression")
	}
	if err := p.checkBool(e); err != nil {
		return nil, err
	}
	return e, nil
}

type parser struct {
	toks   []token
	i      int
	option string
	depth  int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.raw, word)
}

func (p *parser) errAt(pos int, msg, hint string) error {
	return &Error{Option: p.option, Pos: pos, Msg: msg, Hint: hint}
}

func (p *parser) errTok(t token, hint string) error {
	return p.errAt(t.pos, "unexpected "+t.describe(), hint)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(p.peek().pos, "expression nested too deeply", fmt.Sprintf("at most %d levels are allowed", maxDepth))
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expect consumes a closing ')' that matches the '(' at openPos.
func (p *parser) expectClose(openPos int, what string) error {
	t := p.peek()
	if t.kind == tokRParen {
		p.advance()
		return nil
	}
	hint := fmt.Sprintf("expected ')' to close the '(' at position %d%s", openPos, what)
	if t.kind == tokEOF {
		return p.errAt(t.pos, "missing ')'", hint)
	}
	return p.errTok(t, hint)
}

// checkBool rejects operands of and/or/not (and whole filters) that can
// never be boolean.
func (p *parser) checkBool(e Expr) error {
	switch x := e.(type) {
	case *Literal:
		if x.Kind == BoolLiteral || x.Kind == NullLiteral {
			return nil
		}
		return p.errAt(x.Pos, "expected a boolean expression, got the value "+quoteText(x.String()),
			"compare it with a property, e.g. displayName eq "+x.String())
	case *Call:
		if functions[x.Name].boolean {
			return nil
		}
		return p.errAt(x.Pos, "expected a boolean expression, got "+x.Name+"(…)",
			"compare its result, e.g. "+x.Name+"(…) eq …")
	}
	return nil
}

func (p *parser) parseOr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.parseLogical("or", p.parseAnd)
}

func (p *parser) parseAnd() (Expr, error) { return p.parseLogical("and", p.parseUnary) }

// parseLogical parses operands joined by the keyword op ("and" or "or"), left to right.
func (p *parser) parseLogical(op string, operand func() (Expr, error)) (Expr, error) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	for p.isKeyword(op) {
		tok := p.advance()
		right, err := operand()
		if err != nil {
			return nil, err
		}
		if err := p.checkBool(left); err != nil {
			return nil, err
		}
		if err := p.checkBool(right); err != nil {
			return nil, err
		}
		left = &Logical{Op: op, Left: left, Right: right, Pos: tok.pos}
	}
	return left, nil
}

// parseUnary parses "not x". The operand of not is a whole comparison, so
// "not a eq b" means "not (a eq b)".
func (p *parser) parseUnary() (Expr, error) {
	if !p.isKeyword("not") {
		return p.parseComparison()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.advance()
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	if err := p.checkBool(x); err != nil {
		return nil, err
	}
	return &Not{X: x, Pos: t.pos}, nil
}

func (p *parser) parseComparison() (Expr, error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	var e Expr
	switch t.kind {
	case tokIdent:
		kw := strings.ToLower(t.raw)
		switch {
		case compareOps[kw]:
			p.advance()
			right, err := p.parsePrimary()
			if err != nil {
				return nil, err
			}
			e = &Compare{Op: kw, Left: left, Right: right, Pos: t.pos}
		case kw == "in":
			p.advance()
			list, err := p.parseList()
			if err != nil {
				return nil, err
			}
			e = &In{Left: left, List: list, Pos: t.pos}
		case kw == "and" || kw == "or":
			return left, nil
		default:
			return nil, p.errAt(t.pos, "unknown operator "+quoteText(t.raw), operatorHint)
		}
	case tokString, tokNumber, tokGUID, tokDate, tokDateTime, tokDuration, tokLParen:
		return nil, p.errAt(t.pos, "missing operator before "+t.describe(), operatorHint)
	default:
		return left, nil
	}
	if n := p.peek(); n.kind == tokIdent && (compareOps[strings.ToLower(n.raw)] || strings.EqualFold(n.raw, "in")) {
		return nil, p.errTok(n, "comparisons cannot be chained; combine them with and/or or use parentheses")
	}
	return e, nil
}

// parseList parses "(e1, e2, ...)" after "in".
func (p *parser) parseList() ([]Expr, error) {
	open := p.peek()
	if open.kind != tokLParen {
		return nil, p.errTok(open, "expected '(' after in, e.g. id in ('a', 'b')")
	}
	p.advance()
	if p.peek().kind == tokRParen {
		return nil, p.errAt(p.peek().pos, "empty list after in", "list at least one value, e.g. id in ('a', 'b')")
	}
	var list []Expr
	for {
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if p.peek().kind == tokComma {
			p.advance()
			continue
		}
		if err := p.expectClose(open.pos, " or ',' to separate values"); err != nil {
			return nil, err
		}
		return list, nil
	}
}

func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tokLParen:
		p.advance()
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if err := p.expectClose(t.pos, ""); err != nil {
			return nil, err
		}
		return e, nil
	case tokString:
		p.advance()
		return &Literal{Kind: StringLiteral, Value: t.val, Pos: t.pos}, nil
	case tokNumber:
		p.advance()
		return &Literal{Kind: NumberLiteral, Value: t.val, Raw: t.raw, Pos: t.pos}, nil
	case tokGUID:
		p.advance()
		return &Literal{Kind: GUIDLiteral, Value: t.val, Raw: t.raw, Pos: t.pos}, nil
	case tokDate:
		p.advance()
		return &Literal{Kind: DateLiteral, Value: t.val, Raw: t.raw, Pos: t.pos}, nil
	case tokDateTime:
		p.advance()
		return &Literal{Kind: DateTimeLiteral, Value: t.val, Raw: t.raw, Pos: t.pos}, nil
	case tokDuration:
		p.advance()
		return &Literal{Kind: DurationLiteral, Value: t.val, Pos: t.pos}, nil
	case tokIdent:
		kw := strings.ToLower(t.raw)
		switch kw {
		case "true", "false":
			p.advance()
			return &Literal{Kind: BoolLiteral, Value: kw == "true", Pos: t.pos}, nil
		case "null":
			p.advance()
			return &Literal{Kind: NullLiteral, Pos: t.pos}, nil
		}
		if reserved[kw] {
			return nil, p.errTok(t, "expected a value")
		}
		if p.peekAt(1).kind == tokLParen {
			return p.parseCall()
		}
		return p.parsePath()
	}
	return nil, p.errTok(t, "expected a value")
}

func (p *parser) parseCall() (Expr, error) {
	name := p.advance()
	lname := strings.ToLower(name.raw)
	fn, ok := functions[lname]
	if !ok {
		hint := "supported functions: " + strings.Join(functionNames, ", ")
		if lname == "any" || lname == "all" {
			hint = lname + " must follow a collection, e.g. members/" + lname + "(m: m/id eq '1')"
		}
		return nil, p.errAt(name.pos, "unknown function "+quoteText(name.raw), hint)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	open := p.advance()
	var args []Expr
	if p.peek().kind == tokRParen {
		p.advance()
	} else {
		for {
			e, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			if p.peek().kind == tokComma {
				p.advance()
				continue
			}
			if err := p.expectClose(open.pos, " or ',' to separate arguments"); err != nil {
				return nil, err
			}
			break
		}
	}
	if len(args) != fn.arity {
		return nil, p.errAt(name.pos, fmt.Sprintf("function %s takes %d argument%s, got %d", lname, fn.arity, plural(fn.arity), len(args)), "")
	}
	return &Call{Name: lname, Args: args, Pos: name.pos}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// parsePath parses "a/b/c", ending in a lambda when a segment is any/all
// followed by '('.
func (p *parser) parsePath() (Expr, error) {
	first := p.advance()
	path := &Path{Segments: []string{first.raw}, Pos: first.pos}
	for p.peek().kind == tokSlash {
		p.advance()
		seg := p.peek()
		if seg.kind != tokIdent || reserved[strings.ToLower(seg.raw)] || isLiteralWord(seg.raw) {
			return nil, p.errTok(seg, "expected a property name after '/'")
		}
		p.advance()
		if op := strings.ToLower(seg.raw); (op == "any" || op == "all") && p.peek().kind == tokLParen {
			return p.parseLambda(path, op)
		}
		path.Segments = append(path.Segments, seg.raw)
	}
	if t := p.peek(); t.kind == tokLParen && len(path.Segments) > 1 {
		return nil, p.errTok(t, "only any(…) and all(…) can follow a property path")
	}
	return path, nil
}

// parseLambda parses "(var: body)" or "()" after collection/any.
func (p *parser) parseLambda(coll *Path, op string) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	open := p.advance()
	lam := &Lambda{Collection: coll, Op: op, Pos: coll.Pos}
	if p.peek().kind == tokRParen {
		p.advance()
		if op == "all" {
			return nil, p.errAt(open.pos, "all() needs a condition", "write e.g. "+coll.String()+"/all(x: x eq 'a')")
		}
		return lam, nil
	}
	v := p.peek()
	example := fmt.Sprintf("write e.g. %s/%s(x: x/id eq '1')", coll.String(), op)
	if v.kind != tokIdent || reserved[strings.ToLower(v.raw)] || isLiteralWord(v.raw) || strings.ContainsRune(v.raw, '.') {
		return nil, p.errTok(v, "expected a lambda variable name; "+example)
	}
	p.advance()
	if c := p.peek(); c.kind != tokColon {
		return nil, p.errTok(c, "expected ':' after the lambda variable; "+example)
	}
	p.advance()
	body, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if err := p.checkBool(body); err != nil {
		return nil, err
	}
	if err := p.expectClose(open.pos, ""); err != nil {
		return nil, err
	}
	lam.Var, lam.Body = v.raw, body
	return lam, nil
}

func isLiteralWord(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "null":
		return true
	}
	return false
}
