// Package ldap is the connector that delivers group roles into an LDAP directory
// (OpenLDAP, 389 Directory Server, Active Directory): a Member role adds the user to a
// group's member attribute, an Owner role to its owner attribute. It finds the user's
// entry by an attribute equal to one of the Bestow user's properties (mail by default).
//
// Besides connector.Connector it offers connector.ResourceSource (the groups under the
// base DN), connector.MemberLister (a group's members mapped back to Bestow users),
// connector.Batcher (many changes as multi-value modifies) and connector.Tester.
// docs/connector-ldap.md describes the settings and the error classification.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// The capabilities the connector offers.
var (
	_ connector.Connector      = (*Connector)(nil)
	_ connector.ResourceSource = (*Connector)(nil)
	_ connector.MemberLister   = (*Connector)(nil)
	_ connector.Batcher        = (*Connector)(nil)
	_ connector.Tester         = (*Connector)(nil)
)

// Connector delivers group roles into one LDAP directory. It is safe for concurrent use;
// it keeps a few bound connections for reuse and reconnects when the server drops them.
type Connector struct {
	s       Settings
	timeout time.Duration
	addr    string // host:port
	ldaps   bool
	tls     *tls.Config
	idle    chan *goldap.Conn
}

// New validates the settings, applies the defaults and returns a connector. It does not
// contact the server (Test does). It fails when a configured bindPasswordFile cannot be
// read.
func New(s Settings) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	if _, err := s.password(); err != nil {
		return nil, fmt.Errorf("ldap connector settings: %w", err)
	}
	u, _ := url.Parse(s.URL) // Validate parsed it
	tc := &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: s.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if s.CAFile != "" {
		pool, err := certPool(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ldap connector settings: %w", err)
		}
		tc.RootCAs = pool
	}
	return &Connector{
		s:       s,
		timeout: s.timeout(),
		addr:    hostPort(u),
		ldaps:   u.Scheme == "ldaps",
		tls:     tc,
		idle:    make(chan *goldap.Conn, poolSize),
	}, nil
}

// certPool reads the certificate authorities of caFile (PEM).
func certPool(caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("caFile: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("caFile %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// Settings returns the connector's settings with the defaults applied.
func (c *Connector) Settings() Settings { return c.s }

var done = access.DeliveryResult{AlreadyDone: true}

// Grant adds the subject's entry to the group g.ResourceOriginID (a DN): to its member
// attribute for the Member role, to owner for Owner. A subject already there is success
// with AlreadyDone. Errors: KindNotFound when the user or the group does not exist,
// KindFailedPrecondition when several entries match the user or the server refuses the
// bind or the change, KindInvalid for an unknown role, KindTransient when the server
// cannot be reached or is busy (REQ-8).
func (c *Connector) Grant(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	attr, err := c.roleAttribute(g.RoleOriginID)
	if err != nil {
		return access.DeliveryResult{}, err
	}
	var res access.DeliveryResult
	err = c.do(ctx, "grant "+g.RoleOriginID+" of '"+g.ResourceOriginID+"'", func(conn *goldap.Conn) error {
		u, err := c.findUser(conn, g.Subject)
		if err != nil {
			return err
		}
		res, err = c.add(conn, g.ResourceOriginID, attr, c.memberValue(u, attr))
		return err
	})
	return res, err
}

// Revoke removes the subject's entry from the group's attribute for the role. A subject
// not there, or whose entry no longer exists, is success with AlreadyDone. Removing the
// last member of a group whose schema requires one (groupOfNames) writes the configured
// placeholderMember in the same modify (Grant and Apply remove it again when they add a
// member); without one it fails with a permanent KindFailedPrecondition error and the
// member stays. Other errors are those of Grant.
func (c *Connector) Revoke(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	attr, err := c.roleAttribute(g.RoleOriginID)
	if err != nil {
		return access.DeliveryResult{}, err
	}
	var res access.DeliveryResult
	err = c.do(ctx, "revoke "+g.RoleOriginID+" of '"+g.ResourceOriginID+"'", func(conn *goldap.Conn) error {
		u, err := c.findUser(conn, g.Subject)
		if access.IsKind(err, access.KindNotFound) {
			res = done // the entry is gone, and with it the access
			return nil
		}
		if err != nil {
			return err
		}
		res, err = c.remove(conn, g.ResourceOriginID, attr, c.memberValue(u, attr))
		return err
	})
	return res, err
}

// roleAttribute returns the group attribute that holds the role.
func (c *Connector) roleAttribute(role string) (string, error) {
	switch role {
	case connector.RoleMember:
		return c.s.MemberAttribute, nil
	case connector.RoleOwner:
		return "owner", nil
	}
	return "", access.E(access.KindInvalid, "the LDAP connector grants the roles %s and %s, not '%s'",
		connector.RoleMember, connector.RoleOwner, role)
}

// add adds value to attr of the group dn; a value already there is AlreadyDone.
func (c *Connector) add(conn *goldap.Conn, dn, attr, value string) (access.DeliveryResult, error) {
	err := modify(conn, dn, goldap.AddAttribute, attr, []string{value})
	switch resultCode(err) {
	case 0:
		if err == nil {
			err = c.dropPlaceholder(conn, dn, attr)
		}
		return access.DeliveryResult{}, c.classify(err, fmt.Sprintf("add %s to %s of '%s'", value, attr, dn))
	case goldap.LDAPResultAttributeOrValueExists:
		// A retry after a failed removal of the placeholder lands here: remove it now.
		return done, c.classify(c.dropPlaceholder(conn, dn, attr), "remove the placeholder member of '"+dn+"'")
	case goldap.LDAPResultNoSuchObject:
		return access.DeliveryResult{}, groupNotFound(dn)
	}
	return access.DeliveryResult{}, c.classify(err, fmt.Sprintf("add %s to %s of '%s'", value, attr, dn))
}

// remove removes value from attr of the group dn; a value not there is AlreadyDone. When
// the schema forbids removing the last value, it writes the placeholder in the same
// modify, or fails with codeLastMember when none is configured.
func (c *Connector) remove(conn *goldap.Conn, dn, attr, value string) (access.DeliveryResult, error) {
	what := fmt.Sprintf("remove %s from %s of '%s'", value, attr, dn)
	err := modify(conn, dn, goldap.DeleteAttribute, attr, []string{value})
	switch resultCode(err) {
	case 0:
		return access.DeliveryResult{}, c.classify(err, what)
	case goldap.LDAPResultNoSuchAttribute:
		return done, nil
	case goldap.LDAPResultNoSuchObject:
		return access.DeliveryResult{}, groupNotFound(dn)
	case goldap.LDAPResultObjectClassViolation:
		if attr == "member" || attr == "uniqueMember" {
			return c.removeLast(conn, dn, attr, value, err)
		}
	}
	return access.DeliveryResult{}, c.classify(err, what)
}

// removeLast removes the last value of a required member attribute by replacing it with
// the placeholder member; cause is the server's refusal of the plain removal.
func (c *Connector) removeLast(conn *goldap.Conn, dn, attr, value string, cause error) (access.DeliveryResult, error) {
	if c.s.PlaceholderMember == "" {
		e := access.Ec(access.KindFailedPrecondition, codeLastMember,
			"%s is the last %s of LDAP group '%s' and the group's object class requires one, so it was not removed: "+
				"add another member to the group, or set placeholderMember in the connector settings", value, attr, dn)
		e.Err = cause
		return access.DeliveryResult{}, e
	}
	req := goldap.NewModifyRequest(dn, nil)
	req.Delete(attr, []string{value})
	req.Add(attr, []string{c.s.PlaceholderMember})
	if err := conn.Modify(req); err != nil {
		return access.DeliveryResult{}, c.classify(err, fmt.Sprintf("replace the last %s of '%s' by the placeholder %s", attr, dn, c.s.PlaceholderMember))
	}
	return access.DeliveryResult{}, nil
}

// dropPlaceholder removes the placeholder member from attr of the group dn, if it is
// there, once the group has a real member again.
func (c *Connector) dropPlaceholder(conn *goldap.Conn, dn, attr string) error {
	if c.s.PlaceholderMember == "" || (attr != "member" && attr != "uniqueMember") {
		return nil
	}
	err := modify(conn, dn, goldap.DeleteAttribute, attr, []string{c.s.PlaceholderMember})
	if resultCode(err) == goldap.LDAPResultNoSuchAttribute {
		return nil
	}
	return err
}

// modify applies one change (add or delete of values) to one attribute of dn.
func modify(conn *goldap.Conn, dn string, op uint, attr string, values []string) error {
	req := goldap.NewModifyRequest(dn, nil)
	switch op {
	case goldap.AddAttribute:
		req.Add(attr, values)
	case goldap.DeleteAttribute:
		req.Delete(attr, values)
	}
	return conn.Modify(req)
}

// entry is a user's directory entry: its DN and uid.
type entry struct{ dn, uid string }

// subjectValue returns the Bestow user property the user attribute equals.
func (c *Connector) subjectValue(s access.SubjectRef) string {
	if c.s.UserProperty == PropertyUserPrincipalName {
		return s.UserPrincipalName
	}
	return s.Mail
}

// subjectRef names a user by the value of their user attribute.
func (c *Connector) subjectRef(value string) access.SubjectRef {
	if c.s.UserProperty == PropertyUserPrincipalName {
		return access.SubjectRef{UserPrincipalName: value}
	}
	return access.SubjectRef{Mail: value}
}

// userFilter returns the filter for users whose user attribute matches any of the
// values, with the configured userFilter ANDed in.
func (c *Connector) userFilter(values ...string) string {
	var f strings.Builder
	if len(values) > 1 {
		f.WriteString("(|")
	}
	for _, v := range values {
		fmt.Fprintf(&f, "(%s=%s)", c.s.UserAttribute, goldap.EscapeFilter(v))
	}
	if len(values) > 1 {
		f.WriteString(")")
	}
	if c.s.UserFilter == "" {
		return f.String()
	}
	return "(&" + f.String() + c.s.UserFilter + ")"
}

// findUser finds the one entry under the base DN whose user attribute equals the
// subject's property. Errors: KindNotFound for none, KindFailedPrecondition for several,
// for a subject without the property, or for a memberUid group and an entry without uid.
func (c *Connector) findUser(conn *goldap.Conn, s access.SubjectRef) (entry, error) {
	value := c.subjectValue(s)
	if value == "" {
		return entry{}, c.noProperty()
	}
	req := c.search(c.s.BaseDN, goldap.ScopeWholeSubtree, c.userFilter(value), "uid")
	req.SizeLimit = 2
	res, err := conn.Search(req)
	if err != nil && resultCode(err) != goldap.LDAPResultSizeLimitExceeded {
		return entry{}, c.classify(err, fmt.Sprintf("search for %s=%s under %s", c.s.UserAttribute, value, c.s.BaseDN))
	}
	switch len(res.Entries) {
	case 0:
		return entry{}, access.Ec(access.KindNotFound, codeNoUser,
			"no LDAP entry with %s=%s under %s; create the user in the directory or fix userAttribute/userProperty",
			c.s.UserAttribute, value, c.s.BaseDN)
	case 1:
	default:
		return entry{}, access.Ec(access.KindFailedPrecondition, codeAmbiguous,
			"several LDAP entries have %s=%s under %s (%s, %s): make the attribute unique or narrow userFilter",
			c.s.UserAttribute, value, c.s.BaseDN, res.Entries[0].DN, res.Entries[1].DN)
	}
	e := entry{dn: res.Entries[0].DN, uid: res.Entries[0].GetAttributeValue("uid")}
	if !c.s.memberIsDN() && e.uid == "" {
		return entry{}, access.Ec(access.KindFailedPrecondition, codeNoUser,
			"LDAP entry '%s' has no uid, which memberUid groups list: give the entry a uid", e.dn)
	}
	return e, nil
}

// noProperty is the error for a subject without the property the connector matches.
func (c *Connector) noProperty() error {
	return access.Ec(access.KindFailedPrecondition, codeNoUser,
		"the user has no %s, which the LDAP connector matches to %s: set it on the Bestow user or change userProperty",
		c.s.UserProperty, c.s.UserAttribute)
}

// memberValue is what attr of a group stores for the user: the uid for memberUid, the
// DN otherwise.
func (c *Connector) memberValue(u entry, attr string) string {
	if attr == "memberUid" {
		return u.uid
	}
	return u.dn
}

// search builds a search request bounded by the connector's timeout.
func (c *Connector) search(base string, scope int, filter string, attrs ...string) *goldap.SearchRequest {
	return goldap.NewSearchRequest(base, scope, goldap.NeverDerefAliases, 0,
		int(c.timeout/time.Second), false, filter, attrs, nil)
}
