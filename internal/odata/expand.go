package odata

import (
	"errors"
	"strings"
)

// ParseExpand parses a $expand value: items separated by top-level commas,
// each a navigation property path (or "*") optionally followed by nested
// options in parentheses separated by ';', for example
//
//	resourceRoleScopes($expand=role($select=id,displayName),scope;$select=id),assignmentPolicies
//
// Nested option keys may omit the "$" and are matched case-insensitively;
// every option except $skiptoken may be nested, including $expand to any
// depth. Commas, semicolons and parentheses inside quoted strings ('…' or
// "…") do not split. Errors are *Error with Option "$expand" and a position
// within s; an error in a nested option names the expanded property and keeps
// the nested option's message and hint.
func ParseExpand(s string) ([]Expand, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Option: "$expand", Msg: "empty $expand", Hint: "expected navigation properties such as roles,scopes"}
	}
	spans, err := splitTop(s, 0, len(s), ',')
	if err != nil {
		return nil, err
	}
	out := make([]Expand, 0, len(spans))
	for _, sp := range spans {
		e, err := parseExpandItem(s, sp)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

type span struct{ start, end int } // byte offsets into the whole $expand value

// trim narrows sp to exclude surrounding whitespace.
func (sp span) trim(s string) span {
	for sp.start < sp.end && isSpace(s[sp.start]) {
		sp.start++
	}
	for sp.end > sp.start && isSpace(s[sp.end-1]) {
		sp.end--
	}
	return sp
}

func expandErr(s string, byteOff int, msg, hint string) error {
	return &Error{Option: "$expand", Pos: runePos(s, byteOff), Msg: msg, Hint: hint}
}

// splitTop splits s[from:to] on sep at parenthesis depth 0, outside quotes.
func splitTop(s string, from, to int, sep byte) ([]span, error) {
	var spans []span
	var opens []int // byte offsets of unmatched '('
	var quote byte  // active quote character, or 0
	quoteAt := 0
	start := from
	for i := from; i < to; i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote, quoteAt = c, i
		case '(':
			opens = append(opens, i)
		case ')':
			if len(opens) == 0 {
				return nil, expandErr(s, i, "unexpected ')'", "no matching '('")
			}
			opens = opens[:len(opens)-1]
		case sep:
			if len(opens) == 0 {
				spans = append(spans, span{start, i})
				start = i + 1
			}
		}
	}
	if quote != 0 {
		return nil, expandErr(s, quoteAt, "unterminated string literal", "add the closing "+string(quote))
	}
	if len(opens) > 0 {
		return nil, expandErr(s, opens[len(opens)-1], "missing ')'", "the '(' here is never closed")
	}
	return append(spans, span{start, to}), nil
}

func parseExpandItem(s string, sp span) (Expand, error) {
	sp = sp.trim(s)
	if sp.start == sp.end {
		return Expand{}, expandErr(s, sp.start, "empty item", "remove the extra ',' or name a navigation property")
	}
	text := s[sp.start:sp.end]
	e := Expand{Query: NewQuery()}
	paren := strings.IndexByte(text, '(')
	pathEnd := sp.end
	if paren >= 0 {
		pathEnd = sp.start + paren
	}
	path := span{sp.start, pathEnd}.trim(s)
	e.Path = s[path.start:path.end]
	if e.Path != "*" && !validPath(e.Path) {
		if e.Path == "" {
			return e, expandErr(s, sp.start, "missing navigation property before '('", "")
		}
		return e, expandErr(s, path.start, "invalid navigation property "+quoteText(e.Path),
			"expected a name such as roles or resourceRoleScopes")
	}
	if paren < 0 {
		return e, nil
	}
	// The item is "path(options)"; splitTop guaranteed balanced parentheses,
	// so find the ')' matching the first '(' and require it to end the item.
	open := sp.start + paren
	closeAt := matchParen(s, open, sp.end)
	if closeAt != sp.end-1 {
		return e, expandErr(s, closeAt+1, "unexpected "+quoteText(strings.TrimSpace(s[closeAt+1:sp.end]))+" after ')'",
			"separate expanded properties with ','")
	}
	q, err := parseNested(s, open+1, closeAt, e.Path)
	if err != nil {
		return e, err
	}
	e.Query = q
	return e, nil
}

// matchParen returns the offset of the ')' matching the '(' at open, skipping
// quoted text; the input is known to be balanced.
func matchParen(s string, open, end int) int {
	depth := 0
	var quote byte
	for i := open; i < end; i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return end - 1
}

// parseNested parses the ';'-separated options in s[from:to] for the
// expanded property path.
func parseNested(s string, from, to int, path string) (Query, error) {
	q := NewQuery()
	spans, err := splitTop(s, from, to, ';')
	if err != nil {
		return q, err
	}
	seen := map[string]bool{}
	for _, sp := range spans {
		sp = sp.trim(s)
		if sp.start == sp.end {
			continue // tolerate "a($select=id;)"
		}
		text := s[sp.start:sp.end]
		eq := strings.IndexByte(text, '=')
		if eq < 0 {
			return q, expandErr(s, sp.start, "expected $option=value in the options of "+quoteText(path)+", got "+quoteText(text),
				"separate nested options with ';', e.g. "+path+"($select=id;$expand=role)")
		}
		key := strings.TrimSpace(text[:eq])
		name := canonicalOption(key)
		if !isOption(name) || name == "skiptoken" {
			return q, expandErr(s, sp.start, "unsupported nested option "+quoteText(key)+" in "+quoteText(path),
				"supported: "+supportedOptions(true))
		}
		if seen[name] {
			return q, expandErr(s, sp.start, "$"+name+" is specified more than once in "+quoteText(path), "")
		}
		seen[name] = true
		valueStart := sp.start + eq + 1
		if err := q.set(name, s[valueStart:sp.end]); err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				return q, err
			}
			pos := runePos(s, valueStart)
			if oe.Pos > 0 {
				pos += oe.Pos - 1
			}
			body := oe.bodyText()
			if oe.Option == "$expand" {
				body = oe.Msg
			}
			return q, &Error{Option: "$expand", Pos: pos, Msg: "in " + quoteText(path) + ": " + body, Hint: oe.Hint}
		}
	}
	return q, nil
}
