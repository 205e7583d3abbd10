package odata

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFilterRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"displayName eq 'Sales Reps'", "displayName eq 'Sales Reps'"},
		{"displayName  EQ   'x'", "displayName eq 'x'"},
		{"isHidden", "isHidden"},
		{"isHidden eq false", "isHidden eq false"},
		{"description eq null", "description eq null"},
		{"count gt 5 and count le -2.5", "count gt 5 and count le -2.5"},
		{"size ge 1e3", "size ge 1e3"},
		{"displayName eq 'O''Brien'", "displayName eq 'O''Brien'"},
		{"displayName eq ''", "displayName eq ''"},
		{"id eq 8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f", "id eq 8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f"},
		{"id eq ABCDEF01-0B0C-4D2E-9F10-1A2B3C4D5E6F", "id eq ABCDEF01-0B0C-4D2E-9F10-1A2B3C4D5E6F"},
		{"createdDateTime ge 2024-01-01T00:00:00Z", "createdDateTime ge 2024-01-01T00:00:00Z"},
		{"createdDateTime lt 2024-01-01T10:30:00.1234567+02:00", "createdDateTime lt 2024-01-01T10:30:00.1234567+02:00"},
		{"createdDateTime lt 2024-01-01", "createdDateTime lt 2024-01-01"},
		{"expiration eq duration'P1D'", "expiration eq duration'P1D'"},
		{"target/objectId eq 'u1'", "target/objectId eq 'u1'"},
		{"@odata.type eq '#microsoft.graph.group'", "@odata.type eq '#microsoft.graph.group'"},
		{"a eq 1 or b eq 2 and c eq 3", "a eq 1 or b eq 2 and c eq 3"},
		{"(a eq 1 or b eq 2) and c eq 3", "(a eq 1 or b eq 2) and c eq 3"},
		{"a eq 1 and (b eq 2 and c eq 3)", "a eq 1 and (b eq 2 and c eq 3)"},
		{"a eq 1 or (b eq 2 or c eq 3)", "a eq 1 or (b eq 2 or c eq 3)"},
		{"((a eq 1))", "a eq 1"},
		{"not isHidden", "not isHidden"},
		{"NOT isHidden", "not isHidden"},
		{"not a eq 1", "not (a eq 1)"},
		{"not(a eq 1) and b eq 2", "not (a eq 1) and b eq 2"},
		{"not (a eq 1 or b eq 2)", "not (a eq 1 or b eq 2)"},
		{"not not isHidden", "not not isHidden"},
		{"(not isHidden) eq true", "(not isHidden) eq true"},
		{"(a eq 1) eq false", "(a eq 1) eq false"},
		{"id in ('a', 'b')", "id in ('a', 'b')"},
		{"state IN ('delivered','expired')", "state in ('delivered', 'expired')"},
		{"not state in ('delivered')", "not (state in ('delivered'))"},
		{"startsWith(displayName, 'Sa')", "startswith(displayName, 'Sa')"},
		{"ENDSWITH(mail,'@contoso.com')", "endswith(mail, '@contoso.com')"},
		{"contains(tolower(displayName), 'sales')", "contains(tolower(displayName), 'sales')"},
		{"length(trim(displayName)) gt 3", "length(trim(displayName)) gt 3"},
		{"toupper(displayName) eq 'SALES'", "toupper(displayName) eq 'SALES'"},
		{"groupTypes/any(c:c eq 'Unified')", "groupTypes/any(c: c eq 'Unified')"},
		{"groupTypes/ANY(c:c eq 'Unified')", "groupTypes/any(c: c eq 'Unified')"},
		{"NOT groupTypes/any(c:c eq 'Unified')", "not groupTypes/any(c: c eq 'Unified')"},
		{"identitySources/any(s: s/domainName eq 'fabrikam.com')", "identitySources/any(s: s/domainName eq 'fabrikam.com')"},
		{"members/all(m: m/age gt 18 and m/active)", "members/all(m: m/age gt 18 and m/active)"},
		{"members/any()", "members/any()"},
		{"a/any(x: x/b/any(y: y eq x/c))", "a/any(x: x/b/any(y: y eq x/c))"},
		{"members/$count gt 2", "members/$count gt 2"},
		{"groupTypes/any(c: c eq 'Unified') eq true", "groupTypes/any(c: c eq 'Unified') eq true"},
		{"true", "true"},
		{"null", "null"},
		{"displayName eq 'naïve' and x eq 'ü'", "displayName eq 'naïve' and x eq 'ü'"},
		{"id in ('a', 'b' , 'c')", "id in ('a', 'b', 'c')"},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		got := e.String()
		if got != tt.want {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", tt.in, got, tt.want)
			continue
		}
		e2, err := ParseFilter(got)
		if err != nil {
			t.Errorf("reparse %q: %v", got, err)
			continue
		}
		if e2.String() != got {
			t.Errorf("reparse %q gave %q", got, e2.String())
		}
	}
}

func TestParseFilterTree(t *testing.T) {
	e, err := ParseFilter("a eq 1 or not b eq 'x' and c/any(v: v eq 2)")
	if err != nil {
		t.Fatal(err)
	}
	or, ok := e.(*Logical)
	if !ok || or.Op != "or" {
		t.Fatalf("top = %#v, want or", e)
	}
	and, ok := or.Right.(*Logical)
	if !ok || and.Op != "and" {
		t.Fatalf("right = %#v, want and", or.Right)
	}
	not, ok := and.Left.(*Not)
	if !ok {
		t.Fatalf("and.Left = %#v, want not", and.Left)
	}
	if c, ok := not.X.(*Compare); !ok || c.Op != "eq" {
		t.Fatalf("not.X = %#v, want eq", not.X)
	}
	lam, ok := and.Right.(*Lambda)
	if !ok || lam.Op != "any" || lam.Var != "v" || lam.Collection.String() != "c" {
		t.Fatalf("and.Right = %#v, want lambda", and.Right)
	}
	cmp := or.Left.(*Compare)
	lit := cmp.Right.(*Literal)
	if lit.Kind != NumberLiteral || lit.Value != 1.0 || lit.Pos != 6 || cmp.Pos != 3 {
		t.Fatalf("literal = %#v, compare pos %d", lit, cmp.Pos)
	}
	g, _ := ParseFilter("id eq 8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f")
	if l := g.(*Compare).Right.(*Literal); l.Kind != GUIDLiteral || l.Value != "8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f" {
		t.Fatalf("GUID literal = %#v", l)
	}
	s, _ := ParseFilter("x eq 'it''s'")
	if l := s.(*Compare).Right.(*Literal); l.Kind != StringLiteral || l.Value != "it's" {
		t.Fatalf("string literal = %#v", l)
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in      string
		pos     int
		msgHas  []string
		comment string
	}{
		{"", 0, []string{"empty filter"}, "empty"},
		{"   ", 0, []string{"empty filter"}, "blank"},
		{"displayName eq 'abc", 16, []string{"unterminated string"}, ""},
		{"displayName eq (a eq )", 22, []string{"unexpected ')'", "position 22", "expected a value"}, ""},
		{"(displayName eq 'x'", 20, []string{"missing ')'", "position 1"}, ""},
		{"displayName eq 'x')", 19, []string{"unexpected ')'", "no matching '('"}, ""},
		{"displayName equals 'x'", 13, []string{"unknown operator 'equals'", "use eq, ne, gt, ge, lt, le, in"}, ""},
		{"displayName eq 'x' foo", 20, []string{"unexpected 'foo'", "expected 'and', 'or' or end"}, "trailing garbage"},
		{"displayName 'x'", 13, []string{"missing operator"}, ""},
		{"displayName = 'x'", 13, []string{"unexpected character '='", "use eq"}, ""},
		{`displayName eq "x"`, 16, []string{"unexpected character", "single quotes"}, ""},
		{"startwith(displayName, 'a')", 1, []string{"unknown function 'startwith'", "startswith, endswith, contains, tolower, toupper, length, trim"}, ""},
		{"startswith(displayName)", 1, []string{"startswith takes 2 arguments, got 1"}, ""},
		{"startswith(displayName, 'a'", 28, []string{"missing ')'"}, ""},
		{"a eq 1 and", 11, []string{"unexpected end of input", "expected a value"}, ""},
		{"a eq 1 eq 2", 8, []string{"cannot be chained"}, ""},
		{"id in 'a'", 7, []string{"expected '(' after in"}, ""},
		{"id in ()", 8, []string{"empty list"}, ""},
		{"id in ('a' 'b')", 12, []string{"missing operator before string 'b'"}, ""},
		{"'abc'", 1, []string{"expected a boolean expression"}, ""},
		{"tolower(x)", 1, []string{"expected a boolean expression"}, ""},
		{"a eq 1 and 5", 12, []string{"expected a boolean expression"}, ""},
		{"groupTypes/any(c c eq 'x')", 18, []string{"expected ':'"}, ""},
		{"groupTypes/any(eq: 1)", 16, []string{"lambda variable"}, ""},
		{"groupTypes/all()", 15, []string{"all() needs a condition"}, ""},
		{"any(x: x eq 1)", 1, []string{"unknown function 'any'", "must follow a collection"}, ""},
		{"a/ eq 1", 4, []string{"expected a property name after '/'"}, ""},
		{"a eq 12abc", 6, []string{"invalid number"}, ""},
		{"a eq 1.", 6, []string{"invalid number"}, ""},
		{"a eq - 1", 6, []string{"unexpected '-'"}, ""},
		{"id eq abcdef01-0b0c-4d2e-9f10-1a2b3c4d5e6fz", 7, []string{"unexpected '-' after 'abcdef01'", "GUIDs"}, ""},
		{"id eq 1bcdef01-0b0c-4d2e-9f10-1a2b3c4d5e6", 7, []string{"invalid number"}, ""},
		{"d gt 2024-13-01", 6, []string{"invalid date-time"}, ""},
		{"d gt 2024-01-01T10:00:00 01:00", 25, []string{"%2B"}, "+ decoded as space"},
		{"a eq 1 and and b eq 2", 12, []string{"unexpected 'and'"}, ""},
		{"a/b(1) eq 2", 4, []string{"only any(…) and all(…)"}, ""},
		{"ü eq 'x' and ö", 14, nil, "unicode positions are in characters"},
		{strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), 0, []string{"nested too deeply"}, ""},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.in)
		if tt.comment == "unicode positions are in characters" {
			if err != nil {
				t.Errorf("ParseFilter(%q): %v", tt.in, err)
			}
			continue
		}
		var oe *Error
		if !errors.As(err, &oe) {
			t.Errorf("ParseFilter(%q) error = %v, want *Error", tt.in, err)
			continue
		}
		if oe.Option != "$filter" {
			t.Errorf("ParseFilter(%q) option = %q", tt.in, oe.Option)
		}
		if tt.pos != 0 && oe.Pos != tt.pos {
			t.Errorf("ParseFilter(%q) pos = %d, want %d (%v)", tt.in, oe.Pos, tt.pos, err)
		}
		for _, s := range tt.msgHas {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("ParseFilter(%q) error %q does not mention %q", tt.in, err, s)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := ParseFilter("displayName eq)")
	want := "$filter: unexpected ')' at position 15: expected a value"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	_, err = ParseFilter("displayName equals 'x'")
	want = "$filter: unknown operator 'equals' at position 13: use eq, ne, gt, ge, lt, le, in to compare and and, or, not to combine"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	_, err = ParseFilter("é eq 'x' )")
	if oe := (*Error)(nil); !errors.As(err, &oe) || oe.Pos != 10 {
		t.Fatalf("rune position: %v", err)
	}
}
