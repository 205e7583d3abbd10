package ldap

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
)

// The group the simulated servers answer for.
const rangeGroup = "cn=big,ou=groups,dc=ad,dc=test"

// step is one search a simulated server expects, by the one attribute asked for, and its
// answer: the group entry with attrs, or err.
type step struct {
	ask   string
	attrs []*goldap.EntryAttribute
	err   error
}

// script is a simulated server that answers the searches of steps in order. It fails the
// test on any other search, a search past the last step included, so a reader that would
// loop forever stops at the first search too many.
type script struct {
	t     *testing.T
	steps []step
	n     int // the searches done
}

func (s *script) Search(req *goldap.SearchRequest) (*goldap.SearchResult, error) {
	s.t.Helper()
	if s.n == len(s.steps) {
		s.t.Fatalf("search %d for %v: the simulated server expected only %d searches", s.n+1, req.Attributes, len(s.steps))
	}
	st := s.steps[s.n]
	s.n++
	if req.BaseDN != rangeGroup || req.Scope != goldap.ScopeBaseObject || !slices.Equal(req.Attributes, []string{st.ask}) {
		s.t.Fatalf("search %d = base %q scope %d attributes %v; the simulated server expected a base read of %s for %s",
			s.n, req.BaseDN, req.Scope, req.Attributes, rangeGroup, st.ask)
	}
	if st.err != nil {
		return nil, st.err
	}
	return &goldap.SearchResult{Entries: []*goldap.Entry{{DN: rangeGroup, Attributes: st.attrs}}}, nil
}

// attr is an attribute of an answer: its description, as the server names it, and values.
func attr(name string, values []string) *goldap.EntryAttribute {
	return &goldap.EntryAttribute{Name: name, Values: values}
}

// members returns the member DNs from index from to index to, inclusive, as a group of
// Active Directory lists them.
func members(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("CN=User %05d,OU=People,DC=ad,DC=test", i))
	}
	return out
}

// uids returns the memberUid values from index from to index to, inclusive.
func uids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("user%05d", i))
	}
	return out
}

// rangeCase is a read of attr from a simulated server: the values it must return, or the
// kind of error and what the error says.
type rangeCase struct {
	name  string
	attr  string
	steps []step
	want  []string
	kind  access.Kind
	parts []string // nil when no error is wanted
}

func TestGroupValues(t *testing.T) { // ASG-6, RES-7: Members and Apply read every value through groupValues
	c, err := New(Settings{URL: "ldap://ad.test", BaseDN: "dc=ad,dc=test"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []rangeCase{
		{name: "server without ranged retrieval answers the plain attribute", attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr("member", members(0, 2))}, nil}},
			want:  members(0, 2)},
		{name: "group without members", attr: "member",
			steps: []step{{"member", nil, nil}}},
		{name: "attribute name in another case", attr: "uniqueMember",
			steps: []step{{"uniqueMember", []*goldap.EntryAttribute{attr("uniquemember", members(0, 1))}, nil}},
			want:  members(0, 1)},
		{name: "AD group of 3,700 members in three ranges", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
				{"member;range=1500-*", []*goldap.EntryAttribute{attr("member;range=1500-2999", members(1500, 2999))}, nil},
				{"member;range=3000-*", []*goldap.EntryAttribute{attr("member;range=3000-*", members(3000, 3699))}, nil},
			},
			want: members(0, 3699)},
		{name: "AD: an empty member and member;range=0-*", attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr("member", nil), attr("member;range=0-*", members(0, 4))}, nil}},
			want:  members(0, 4)},
		{name: "AD: a last range without values", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
				{"member;range=1500-*", []*goldap.EntryAttribute{attr("member;range=1500-*", nil)}, nil},
			},
			want: members(0, 1499)},
		{name: "AD: Range in capitals and a smaller MaxValRange", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;Range=0-999", members(0, 999))}, nil},
				{"member;range=1000-*", []*goldap.EntryAttribute{attr("member;Range=1000-*", members(1000, 1200))}, nil},
			},
			want: members(0, 1200)},
		{name: "AD: uniqueMember in ranges", attr: "uniqueMember",
			steps: []step{
				{"uniqueMember", []*goldap.EntryAttribute{attr("uniqueMember;range=0-1499", members(0, 1499))}, nil},
				{"uniqueMember;range=1500-*", []*goldap.EntryAttribute{attr("uniqueMember;range=1500-*", members(1500, 1600))}, nil},
			},
			want: members(0, 1600)},
		{name: "AD: memberUid in ranges", attr: "memberUid",
			steps: []step{
				{"memberUid", []*goldap.EntryAttribute{attr("memberUid;range=0-1499", uids(0, 1499))}, nil},
				{"memberUid;range=1500-*", []*goldap.EntryAttribute{attr("memberUid;range=1500-2999", uids(1500, 2999))}, nil},
				{"memberUid;range=3000-*", []*goldap.EntryAttribute{attr("memberUid;range=3000-*", uids(3000, 3000))}, nil},
			},
			want: uids(0, 3000)},

		{name: "no progress: the same range again", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
				{"member;range=1500-*", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
			},
			kind:  access.KindFailedPrecondition,
			parts: []string{"member;range=1500-* of group '" + rangeGroup + "'", "member;range=0-1499 starts at index 0, but the values from index 1500 on were asked for"}},
		{name: "no progress: an empty range that is not the last", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
				{"member;range=1500-*", []*goldap.EntryAttribute{attr("member;range=1500-2999", nil)}, nil},
			},
			kind: access.KindFailedPrecondition, parts: []string{"member;range=1500-2999 holds no values yet does not end in *", "no progress"}},
		{name: "first range not at 0", attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr("member;range=100-*", members(100, 200))}, nil}},
			kind:  access.KindFailedPrecondition, parts: []string{"starts at index 100, but the values from index 0 on"}},
		{name: "count of values other than the bounds", attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 999))}, nil}},
			kind:  access.KindFailedPrecondition, parts: []string{"member;range=0-1499 holds 1000 values, not the 1500 its bounds say"}},
		{name: "values under the plain name and a range", attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr("member", members(0, 1)), attr("member;range=0-*", members(0, 1))}, nil}},
			kind:  access.KindFailedPrecondition, parts: []string{"values under both member and member;range=0-*"}},
		{name: "two ranges", attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr("member;range=0-1", members(0, 1)), attr("member;range=2-*", members(2, 3))}, nil}},
			kind:  access.KindFailedPrecondition, parts: []string{"two ranges, member;range=0-1 and member;range=2-*"}},
		{name: "follow-up read without a range", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
				{"member;range=1500-*", nil, nil},
			},
			kind: access.KindTransient, parts: []string{"no range of values, after announcing values from index 1500 on", "retries later"}},
		{name: "group deleted between two reads", attr: "member",
			steps: []step{
				{"member", []*goldap.EntryAttribute{attr("member;range=0-1499", members(0, 1499))}, nil},
				{"member;range=1500-*", nil, goldap.NewError(goldap.LDAPResultNoSuchObject, errors.New("no such object"))},
			},
			kind: access.KindNotFound, parts: []string{"LDAP group '" + rangeGroup + "' does not exist"}},
	}
	for _, bad := range []string{"member;range=0-", "member;range=-1", "member;range=x-1499", "member;range=+0-1499",
		"member;range=1499-0", "member;range=0-1499-2999", "member;range=0-1499;binary", "member;rang=0-1499", "member;range"} {
		tests = append(tests, rangeCase{name: "malformed " + bad, attr: "member",
			steps: []step{{"member", []*goldap.EntryAttribute{attr(bad, members(0, 1))}, nil}},
			kind:  access.KindFailedPrecondition,
			parts: []string{bad + " is not member;range=<low>-<high>", "check the server"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &script{t: t, steps: tt.steps}
			got, err := c.groupValues(srv, rangeGroup, tt.attr)
			if srv.n != len(tt.steps) {
				t.Errorf("%d searches, want %d", srv.n, len(tt.steps))
			}
			if tt.parts == nil {
				if err != nil {
					t.Fatalf("groupValues: %v", err)
				}
				if i := firstDifference(got, tt.want); i >= 0 {
					t.Fatalf("groupValues returned %d values, want %d; they differ first at index %d", len(got), len(tt.want), i)
				}
				return
			}
			var ae *access.Error
			if !errors.As(err, &ae) || ae.Kind != tt.kind {
				t.Fatalf("groupValues = %d values, %v; want an error of kind %v", len(got), err, tt.kind)
			}
			if ae.Code != codeRangedRetrieval && tt.kind != access.KindNotFound {
				t.Errorf("code = %q, want %q", ae.Code, codeRangedRetrieval)
			}
			for _, p := range tt.parts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not say %q", err, p)
				}
			}
		})
	}
}

// firstDifference returns the first index where a and b differ, or -1 when they are equal.
func firstDifference(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
