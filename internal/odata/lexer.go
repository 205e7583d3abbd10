package odata

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokLParen
	tokRParen
	tokComma
	tokColon
	tokSlash
	tokIdent
	tokString
	tokNumber
	tokGUID
	tokDateTime
	tokDate
	tokDuration
)

// token is one lexical element of a $filter expression.
type token struct {
	kind tokenKind
	raw  string // source text of the token
	pos  int    // 1-based rune position of the first character
	val  any    // string (string, GUID, duration), float64 (number), time.Time (date, date-time)
}

// describe renders the token for "unexpected ..." messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return "string " + t.raw
	}
	return quoteText(t.raw)
}

type lexer struct {
	src    string
	option string
	i      int // current byte offset
	// incremental byte→rune position cache
	cacheByte, cacheRune int
}

// lex splits src into tokens, ending with a tokEOF token.
func lex(src, option string) ([]token, error) {
	l := &lexer{src: src, option: option}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tokEOF {
			return toks, nil
		}
	}
}

func (l *lexer) posAt(b int) int {
	if b < l.cacheByte {
		l.cacheByte, l.cacheRune = 0, 0
	}
	l.cacheRune += utf8.RuneCountInString(l.src[l.cacheByte:b])
	l.cacheByte = b
	return l.cacheRune + 1
}

func (l *lexer) errAt(b int, msg, hint string) error {
	return &Error{Option: l.option, Pos: l.posAt(b), Msg: msg, Hint: hint}
}

func (l *lexer) tok(kind tokenKind, start, end int, val any) token {
	return token{kind: kind, raw: l.src[start:end], pos: l.posAt(start), val: val}
}

var punctuation = map[byte]tokenKind{'(': tokLParen, ')': tokRParen, ',': tokComma, ':': tokColon, '/': tokSlash}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isIdentStart(r rune) bool {
	return r == '_' || r == '@' || r == '$' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || unicode.IsDigit(r)
}

// identPartAt reports whether the character at byte offset i continues an
// identifier (false at end of input).
func identPartAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isIdentPart(r)
}

func (l *lexer) next() (token, error) {
	for l.i < len(l.src) && isSpace(l.src[l.i]) {
		l.i++
	}
	start := l.i
	if start >= len(l.src) {
		return token{kind: tokEOF, pos: l.posAt(start)}, nil
	}
	c := l.src[start]
	if k, ok := punctuation[c]; ok {
		l.i++
		return l.tok(k, start, l.i, nil), nil
	}
	if c == '\'' {
		s, err := l.scanQuoted(start)
		if err != nil {
			return token{}, err
		}
		return l.tok(tokString, start, l.i, s), nil
	}
	if n := matchGUID(l.src[start:]); n > 0 {
		l.i += n
		return l.tok(tokGUID, start, l.i, l.src[start:l.i]), nil
	}
	if c == '-' || isDigit(c) {
		return l.lexNumeric(start)
	}
	r, w := utf8.DecodeRuneInString(l.src[start:])
	if isIdentStart(r) {
		return l.lexIdent(start)
	}
	return token{}, l.errAt(start, "unexpected character "+quoteText(l.src[start:start+w]), charHint(l.src[start:]))
}

// charHint suggests the OData spelling for characters people commonly try.
func charHint(s string) string {
	switch {
	case strings.HasPrefix(s, "=="), strings.HasPrefix(s, "="):
		return "use eq for equality, e.g. displayName eq 'x'"
	case strings.HasPrefix(s, "!="), strings.HasPrefix(s, "<>"):
		return "use ne for inequality"
	case strings.HasPrefix(s, "<="):
		return "use le"
	case strings.HasPrefix(s, ">="):
		return "use ge"
	case strings.HasPrefix(s, "<"):
		return "use lt"
	case strings.HasPrefix(s, ">"):
		return "use gt"
	case strings.HasPrefix(s, "&&"), strings.HasPrefix(s, "&"):
		return "use and"
	case strings.HasPrefix(s, "||"), strings.HasPrefix(s, "|"):
		return "use or"
	case strings.HasPrefix(s, "!"):
		return "use not"
	case strings.HasPrefix(s, `"`):
		return "string literals use single quotes, e.g. 'Sales'"
	}
	return "expected a property, literal, operator or parenthesis"
}

// scanQuoted scans the single-quoted string whose opening quote is at
// l.src[start] and returns its unescaped value (a doubled quote stands for
// one quote).
func (l *lexer) scanQuoted(start int) (string, error) {
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(l.src) {
			return "", l.errAt(start, "unterminated string literal", "add a closing ' (write '' for a quote inside a string)")
		}
		c := l.src[i]
		if c == '\'' {
			if i+1 < len(l.src) && l.src[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			l.i = i + 1
			return b.String(), nil
		}
		b.WriteByte(c)
		i++
	}
}

func (l *lexer) lexIdent(start int) (token, error) {
	i := start
	for i < len(l.src) {
		r, w := utf8.DecodeRuneInString(l.src[i:])
		if !isIdentPart(r) {
			break
		}
		i += w
	}
	name := l.src[start:i]
	if i < len(l.src) && l.src[i] == '\'' && strings.EqualFold(name, "duration") {
		l.i = i
		s, err := l.scanQuoted(i)
		if err != nil {
			return token{}, err
		}
		return l.tok(tokDuration, start, l.i, s), nil
	}
	if i < len(l.src) && l.src[i] == '-' {
		return token{}, l.errAt(start, "unexpected '-' after "+quoteText(name),
			"GUIDs are written unquoted as 8-4-4-4-12 hex digits; strings need single quotes; arithmetic is not supported")
	}
	l.i = i
	return l.tok(tokIdent, start, i, nil), nil
}

func (l *lexer) lexNumeric(start int) (token, error) {
	s := l.src[start:]
	if n, hasTime := matchDateTime(s); n > 0 {
		end := start + n
		raw := l.src[start:end]
		if w := l.wordEnd(end); w > end {
			return token{}, l.errAt(start, "invalid date-time literal "+quoteText(l.src[start:w]),
				"use an ISO 8601 form such as 2024-01-01T00:00:00Z or 2024-01-01")
		}
		t, ok := parseTime(raw)
		if !ok {
			return token{}, l.errAt(start, "invalid date-time literal "+quoteText(raw),
				"use an ISO 8601 form such as 2024-01-01T00:00:00Z or 2024-01-01")
		}
		if hasTime && !hasZone(raw) && end+6 <= len(l.src) && l.src[end] == ' ' &&
			isDigit(l.src[end+1]) && isDigit(l.src[end+2]) && l.src[end+3] == ':' {
			return token{}, l.errAt(end, "unexpected space in date-time offset",
				"a '+' in a URL decodes to a space; encode it as %2B")
		}
		l.i = end
		if hasTime {
			return l.tok(tokDateTime, start, end, t), nil
		}
		return l.tok(tokDate, start, end, t), nil
	}
	i := start
	if l.src[i] == '-' {
		i++
		if i >= len(l.src) || !isDigit(l.src[i]) {
			return token{}, l.errAt(start, "unexpected '-'", "negative numbers are written like -5; arithmetic is not supported")
		}
	}
	digits := func() {
		for i < len(l.src) && isDigit(l.src[i]) {
			i++
		}
	}
	digits()
	bad := false
	if i < len(l.src) && l.src[i] == '.' {
		i++
		if i >= len(l.src) || !isDigit(l.src[i]) {
			bad = true
		}
		digits()
	}
	if !bad && i < len(l.src) && (l.src[i] == 'e' || l.src[i] == 'E') {
		j := i + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && isDigit(l.src[j]) {
			i = j
			digits()
		}
	}
	if w := l.wordEnd(i); bad || w > i {
		return token{}, l.errAt(start, "invalid number "+quoteText(l.src[start:w]),
			"numbers look like 42, -1.5 or 1e3; GUIDs like 00000000-0000-0000-0000-000000000000; strings need single quotes")
	}
	raw := l.src[start:i]
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return token{}, l.errAt(start, "number out of range "+quoteText(raw), "")
	}
	l.i = i
	return l.tok(tokNumber, start, i, f), nil
}

// wordEnd returns the end of the run of identifier characters, '-', ':' and
// '.' starting at byte offset i; it returns i when there is none. It is used
// to show the whole malformed word in literal errors.
func (l *lexer) wordEnd(i int) int {
	for i < len(l.src) {
		r, w := utf8.DecodeRuneInString(l.src[i:])
		if !isIdentPart(r) && r != '-' && r != ':' {
			break
		}
		i += w
	}
	return i
}

// matchGUID returns 36 when s starts with an 8-4-4-4-12 hex GUID that is not
// followed by another identifier character, else 0.
func matchGUID(s string) int {
	if len(s) < 36 {
		return 0
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return 0
			}
		default:
			if !isHex(s[i]) {
				return 0
			}
		}
	}
	if identPartAt(s, 36) || (len(s) > 36 && s[36] == '-') {
		return 0
	}
	return 36
}

// matchDateTime returns the length of an ISO 8601 date or date-time prefix of
// s (0 if none) and whether it includes a time part. The shape is
// YYYY-MM-DD[THH:MM[:SS[.fff]][Z|±HH:MM]].
func matchDateTime(s string) (n int, hasTime bool) {
	digitsAt := func(i, k int) bool {
		if i+k > len(s) {
			return false
		}
		for j := i; j < i+k; j++ {
			if !isDigit(s[j]) {
				return false
			}
		}
		return true
	}
	byteAt := func(i int, c byte) bool { return i < len(s) && s[i] == c }
	if !(digitsAt(0, 4) && byteAt(4, '-') && digitsAt(5, 2) && byteAt(7, '-') && digitsAt(8, 2)) {
		return 0, false
	}
	n = 10
	if !(byteAt(n, 'T') && digitsAt(n+1, 2) && byteAt(n+3, ':') && digitsAt(n+4, 2)) {
		return n, false
	}
	n += 6
	if byteAt(n, ':') && digitsAt(n+1, 2) {
		n += 3
		if byteAt(n, '.') && digitsAt(n+1, 1) {
			n++
			for n < len(s) && isDigit(s[n]) {
				n++
			}
		}
	}
	switch {
	case byteAt(n, 'Z'):
		n++
	case (byteAt(n, '+') || byteAt(n, '-')) && digitsAt(n+1, 2) && byteAt(n+3, ':') && digitsAt(n+4, 2):
		n += 6
	}
	return n, true
}

func hasZone(raw string) bool {
	if strings.HasSuffix(raw, "Z") {
		return true
	}
	t := strings.IndexByte(raw, 'T')
	return t >= 0 && strings.ContainsAny(raw[t:], "+-")
}

var timeLayouts = []string{
	time.RFC3339, // also accepts fractional seconds when parsing
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime parses an RFC 3339 date-time (seconds optional, offset optional
// meaning UTC) or a plain date (midnight UTC).
func parseTime(s string) (time.Time, bool) {
	if len(s) < 10 || !isDigit(s[0]) || !isDigit(s[3]) || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
