package ldap

import (
	"fmt"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
)

// searcher performs one LDAP search. *goldap.Conn is one; the tests of ranged retrieval
// put a simulated Active Directory in its place.
type searcher interface {
	Search(req *goldap.SearchRequest) (*goldap.SearchResult, error)
}

// groupValues returns every value of attr (member, uniqueMember, memberUid or owner) of
// the group dn. Every read of a group's member or owner values goes through it.
//
// It first asks for attr by its plain name, which a server without ranged retrieval
// (OpenLDAP, 389 DS) answers with all the values, as before. Active Directory answers an
// attribute with more values than its MaxValRange policy (1,500 by default) with the first
// ones under attr;range=0-1499 (or with an empty attr and attr;range=0-*); groupValues then
// asks for attr;range=1500-* and so on, until an answer's range ends in "*".
//
// Errors: those of readGroup (KindNotFound when dn is not a group, also when it stops
// being one between two reads); KindFailedPrecondition (codeRangedRetrieval) when the
// answers do not follow the protocol: a malformed range, a range that does not start where
// the previous one ended, one that is not the last yet holds no values or a count of
// values other than its bounds say, values under both the plain name and a range. So every
// read brings new values, and a broken server cannot make groupValues loop. KindTransient
// when a follow-up read answers no range at all, as it may when the group changed while
// it was read.
func (c *Connector) groupValues(s searcher, dn, attr string) ([]string, error) {
	ask := attr
	var values []string
	for {
		g, err := c.readGroup(s, dn, ask)
		if err != nil {
			return nil, err
		}
		a, err := readAnswer(g, attr)
		if err != nil {
			return nil, badRange(dn, ask, err)
		}
		next := len(values) // the index of the first value not read yet
		switch {
		case a.ranged == nil && ask == attr: // no ranged retrieval: these are all the values
			return a.plain, nil
		case a.ranged == nil:
			return nil, access.Ec(access.KindTransient, codeRangedRetrieval,
				"the LDAP server answered the read of %s of group '%s' with no range of values, after announcing values "+
					"from index %d on: the group may have changed while Bestow read it; Bestow retries later", ask, dn, next)
		case len(a.plain) > 0:
			return nil, badRange(dn, ask, fmt.Errorf("it holds values under both %s and %s", attr, a.ranged.Name))
		case a.low != next:
			return nil, badRange(dn, ask, fmt.Errorf("%s starts at index %d, but the values from index %d on were asked for",
				a.ranged.Name, a.low, next))
		case a.last: // the last range may hold any number of values, none included
		case len(a.ranged.Values) == 0:
			return nil, badRange(dn, ask, fmt.Errorf("%s holds no values yet does not end in *, so reading on would make no progress",
				a.ranged.Name))
		case len(a.ranged.Values) != a.high-a.low+1:
			return nil, badRange(dn, ask, fmt.Errorf("%s holds %d values, not the %d its bounds say",
				a.ranged.Name, len(a.ranged.Values), a.high-a.low+1))
		}
		values = append(values, a.ranged.Values...)
		if a.last {
			return values, nil
		}
		ask = fmt.Sprintf("%s;range=%d-*", attr, a.high+1)
	}
}

// answer is what one read of a group returned for an attribute: the values under its
// plain name and, when the server used ranged retrieval, the ranged attribute and its
// bounds (high is meaningless when last, the range ending in "*").
type answer struct {
	plain     []string
	ranged    *goldap.EntryAttribute
	low, high int
	last      bool
}

// readAnswer finds attr in the entry, by its plain name or as attr;range=low-high,
// comparing names without regard to case (Active Directory may write Range). Other
// attributes are ignored. It is an error for attr to come with an option other than one
// range, or with two ranges.
func readAnswer(e *goldap.Entry, attr string) (answer, error) {
	var a answer
	for _, ea := range e.Attributes {
		name, opts, hasOpts := strings.Cut(ea.Name, ";")
		switch {
		case !strings.EqualFold(name, attr):
			continue
		case !hasOpts:
			a.plain = append(a.plain, ea.Values...)
			continue
		case a.ranged != nil:
			return answer{}, fmt.Errorf("it holds two ranges, %s and %s", a.ranged.Name, ea.Name)
		}
		low, high, last, ok := parseRange(opts)
		if !ok {
			return answer{}, fmt.Errorf("%s is not %s;range=<low>-<high> with <high> a number or *", ea.Name, attr)
		}
		a.ranged, a.low, a.high, a.last = ea, low, high, last
	}
	return a, nil
}

// parseRange parses the option range=low-high (the option name in any case), where low is
// a number and high a number no less than low or "*" (last).
func parseRange(opt string) (low, high int, last, ok bool) {
	key, spec, found := strings.Cut(opt, "=")
	if !found || !strings.EqualFold(key, "range") {
		return 0, 0, false, false
	}
	l, h, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, false
	}
	low, ok = index(l)
	if !ok {
		return 0, 0, false, false
	}
	if h == "*" {
		return low, 0, true, true
	}
	high, ok = index(h)
	return low, high, false, ok && high >= low
}

// index parses a zero-based index written in decimal digits only.
func index(s string) (int, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// badRange is the error of an answer that does not follow ranged retrieval: retrying does
// not help, since the server answers the same way.
func badRange(dn, ask string, why error) error {
	return access.Ec(access.KindFailedPrecondition, codeRangedRetrieval,
		"the LDAP server's answer to the read of %s of group '%s' does not follow Active Directory's ranged retrieval (%v), "+
			"so Bestow cannot read all the values: check the server, and any LDAP proxy in front of it", ask, dn, why)
}
