package odata

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a syntax, validation or evaluation error in one query option.
//
// Its Error text has the form
//
//	<Option>: <Msg> at position <Pos>: <Hint>
//
// where the position part is omitted when Pos is 0, the hint part when Hint is
// empty, and the "<Option>: " prefix when Msg already starts with Option (so
// messages such as "$top must be a non-negative integer, got 'abc'" do not
// stutter).
type Error struct {
	// Option is the query option the error belongs to, including the "$",
	// e.g. "$filter". Errors inside a nested $expand option are reported with
	// Option "$expand" and a Msg that names the expanded property.
	Option string
	// Pos is the 1-based character (rune) position of the problem within the
	// option's value, or 0 when no single position applies.
	Pos int
	// Msg says what is wrong, e.g. "unexpected ')'".
	Msg string
	// Hint optionally says what was expected or how to fix it.
	Hint string
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Option != "" && !strings.HasPrefix(e.Msg, e.Option) {
		b.WriteString(e.Option)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Pos > 0 {
		fmt.Fprintf(&b, " at position %d", e.Pos)
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// bodyText is the error text without the option prefix, position and hint,
// used when wrapping a nested option's error.
func (e *Error) bodyText() string {
	if e.Option == "" || strings.HasPrefix(e.Msg, e.Option) {
		return e.Msg
	}
	return e.Option + ": " + e.Msg
}

// runePos converts a byte offset in s to a 1-based rune position.
func runePos(s string, byteOff int) int {
	if byteOff > len(s) {
		byteOff = len(s)
	}
	if byteOff < 0 {
		byteOff = 0
	}
	return utf8.RuneCountInString(s[:byteOff]) + 1
}

// quoteText renders s for an error message, shortening long values.
func quoteText(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return "'" + s + "'"
}
