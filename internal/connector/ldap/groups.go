package ldap

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// maxGroups is how many groups Groups returns at most.
const maxGroups = 100

// pageSize is the page of paged searches over users.
const pageSize = 500

// Groups lists up to 100 groups under the base DN that match groupFilter and, when
// search is not empty, whose cn contains it. Errors are classified as for Grant.
func (c *Connector) Groups(ctx context.Context, search string) ([]connector.Resource, error) {
	filter := c.s.GroupFilter
	if search != "" {
		filter = fmt.Sprintf("(&%s(cn=*%s*))", filter, goldap.EscapeFilter(search))
	}
	var out []connector.Resource
	err := c.do(ctx, "list the groups under "+c.s.BaseDN, func(conn *goldap.Conn) error {
		req := c.search(c.s.BaseDN, goldap.ScopeWholeSubtree, filter, "cn", "description", "objectClass")
		req.SizeLimit = maxGroups
		res, err := conn.Search(req)
		if err != nil && resultCode(err) != goldap.LDAPResultSizeLimitExceeded {
			if resultCode(err) == goldap.LDAPResultNoSuchObject {
				return access.E(access.KindFailedPrecondition, "baseDN %s does not exist on the LDAP server: fix baseDN", c.s.BaseDN)
			}
			return c.classify(err, "list the groups under "+c.s.BaseDN)
		}
		out = make([]connector.Resource, 0, len(res.Entries))
		for _, e := range res.Entries {
			out = append(out, c.resource(e))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].DisplayName) < strings.ToLower(out[j].DisplayName) })
	return out, nil
}

// Resolve describes the group dn. It returns KindNotFound when there is no entry dn or
// the entry does not match groupFilter.
func (c *Connector) Resolve(ctx context.Context, dn string) (connector.Resource, error) {
	var out connector.Resource
	err := c.do(ctx, "read group '"+dn+"'", func(conn *goldap.Conn) error {
		e, err := c.readGroup(conn, dn, "cn", "description", "objectClass")
		if err == nil {
			out = c.resource(e)
		}
		return err
	})
	return out, err
}

// readGroup reads the attributes of the group dn in one search; KindNotFound when it is
// not a group. Its member and owner values are read with groupValues instead.
func (c *Connector) readGroup(s searcher, dn string, attrs ...string) (*goldap.Entry, error) {
	if _, err := goldap.ParseDN(dn); err != nil {
		return nil, access.Ec(access.KindNotFound, codeNoGroup, "'%s' is not an LDAP DN, so it names no group", dn)
	}
	res, err := s.Search(c.search(dn, goldap.ScopeBaseObject, c.s.GroupFilter, attrs...))
	switch {
	case resultCode(err) == goldap.LDAPResultNoSuchObject:
		return nil, groupNotFound(dn)
	case err != nil:
		return nil, c.classify(err, "read group '"+dn+"'")
	case len(res.Entries) == 0:
		return nil, access.Ec(access.KindNotFound, codeNoGroup,
			"LDAP entry '%s' is not a group: it does not match groupFilter %s", dn, c.s.GroupFilter)
	}
	return res.Entries[0], nil
}

// resource describes a group entry. It offers Owner besides Member when the object
// class has an owner attribute (groupOfNames, groupOfUniqueNames).
func (c *Connector) resource(e *goldap.Entry) connector.Resource {
	name := e.GetAttributeValue("cn")
	if name == "" {
		name = e.DN
	}
	r := connector.Resource{OriginID: e.DN, DisplayName: name, Description: e.GetAttributeValue("description"),
		Roles: []connector.Role{{OriginID: connector.RoleMember, DisplayName: "Member", Description: "Member of " + name}}}
	if slices.ContainsFunc(e.GetAttributeValues("objectClass"), func(oc string) bool {
		return strings.EqualFold(oc, "groupOfNames") || strings.EqualFold(oc, "groupOfUniqueNames")
	}) {
		r.Roles = append(r.Roles, connector.Role{OriginID: connector.RoleOwner, DisplayName: "Owner", Description: "Owner of " + name})
	}
	return r
}

// Members lists who holds the role in the group dn (ASG-6, RES-7), each named by the
// Bestow property their user attribute equals. It reads all the group's values, following
// Active Directory's ranged retrieval (groupValues). Members that are not users under the
// base DN with that attribute (nested groups, deleted entries, the placeholder) are left
// out.
// Errors: KindNotFound for a missing group, KindInvalid for an unknown role, those of
// groupValues for ranges that break the protocol, the rest as for Grant.
func (c *Connector) Members(ctx context.Context, dn, role string) ([]access.SubjectRef, error) {
	attr, err := c.roleAttribute(role)
	if err != nil {
		return nil, err
	}
	var out []access.SubjectRef
	err = c.do(ctx, "list the members of '"+dn+"'", func(conn *goldap.Conn) error {
		values, err := c.groupValues(conn, dn, attr)
		if err != nil {
			return err
		}
		var users []string
		if attr == "memberUid" {
			users, err = c.usersByUID(conn, values)
		} else {
			users, err = c.usersByDN(conn, values)
		}
		out = out[:0]
		for _, u := range users {
			out = append(out, c.subjectRef(u))
		}
		return err
	})
	return out, err
}

// usersByUID maps uids to user attribute values, searching 100 uids at a time.
func (c *Connector) usersByUID(conn *goldap.Conn, uids []string) ([]string, error) {
	var out []string
	for chunk := range slices.Chunk(uids, 100) {
		var f strings.Builder
		f.WriteString("(&(|")
		for _, u := range chunk {
			fmt.Fprintf(&f, "(uid=%s)", goldap.EscapeFilter(u))
		}
		fmt.Fprintf(&f, ")(%s=*)%s)", c.s.UserAttribute, c.s.UserFilter)
		res, err := conn.SearchWithPaging(c.search(c.s.BaseDN, goldap.ScopeWholeSubtree, f.String(), "uid", c.s.UserAttribute), pageSize)
		if err != nil {
			return nil, c.classify(err, "search the members' uids under "+c.s.BaseDN)
		}
		byUID := map[string][]string{}
		for _, e := range res.Entries {
			for _, u := range e.GetAttributeValues("uid") {
				byUID[u] = append(byUID[u], e.GetAttributeValue(c.s.UserAttribute))
			}
		}
		for _, u := range chunk {
			if vs := byUID[u]; len(vs) == 1 { // none or ambiguous: not mappable
				out = append(out, vs[0])
			}
		}
	}
	return out, nil
}

// fewMembers is the largest group whose members usersByDN reads one by one; for larger
// ones it reads all users under the base DN in one paged search.
const fewMembers = 50

// usersByDN maps member DNs to user attribute values.
func (c *Connector) usersByDN(conn *goldap.Conn, dns []string) ([]string, error) {
	var out []string
	if len(dns) <= fewMembers {
		filter := c.userFilterOnly()
		for _, dn := range dns {
			res, err := conn.Search(c.search(dn, goldap.ScopeBaseObject, filter, c.s.UserAttribute))
			switch {
			case resultCode(err) == goldap.LDAPResultNoSuchObject:
				continue
			case err != nil:
				return nil, c.classify(err, "read member '"+dn+"'")
			}
			if len(res.Entries) == 1 && c.underBase(res.Entries[0].DN) {
				if v := res.Entries[0].GetAttributeValue(c.s.UserAttribute); v != "" {
					out = append(out, v)
				}
			}
		}
		return out, nil
	}
	res, err := conn.SearchWithPaging(c.search(c.s.BaseDN, goldap.ScopeWholeSubtree,
		"(&("+c.s.UserAttribute+"=*)"+c.s.UserFilter+")", c.s.UserAttribute), pageSize)
	if err != nil {
		return nil, c.classify(err, "search the users under "+c.s.BaseDN)
	}
	byDN := make(map[string]string, len(res.Entries))
	for _, e := range res.Entries {
		byDN[dnKey(e.DN)] = e.GetAttributeValue(c.s.UserAttribute)
	}
	for _, dn := range dns {
		if v, ok := byDN[dnKey(dn)]; ok && v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// userFilterOnly is the filter an entry must match to be a user: it has the user
// attribute and matches userFilter.
func (c *Connector) userFilterOnly() string {
	return "(&(" + c.s.UserAttribute + "=*)" + c.s.UserFilter + ")"
}

// underBase reports whether dn is the base DN or below it.
func (c *Connector) underBase(dn string) bool {
	d, err1 := goldap.ParseDN(dn)
	b, err2 := goldap.ParseDN(c.s.BaseDN)
	return err1 == nil && err2 == nil && (b.AncestorOfFold(d) || b.EqualFold(d))
}

// dnKey is a comparable form of a DN: attribute types and values lower-cased, the
// attributes of a multi-valued RDN sorted. A DN that does not parse is its lower-cased
// text.
func dnKey(dn string) string {
	d, err := goldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(dn)
	}
	rdns := make([]string, len(d.RDNs))
	for i, r := range d.RDNs {
		parts := make([]string, len(r.Attributes))
		for j, a := range r.Attributes {
			parts[j] = strings.ToLower(a.Type) + "=" + strings.ToLower(a.Value)
		}
		sort.Strings(parts)
		rdns[i] = strings.Join(parts, "+")
	}
	return strings.Join(rdns, ",")
}
