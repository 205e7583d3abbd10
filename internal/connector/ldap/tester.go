package ldap

import (
	"context"
	"errors"
	"net"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
)

// Test checks the settings against the server: it dials (with TLS as configured), binds,
// and reads the base DN, on a new connection. The error says what failed: the server
// cannot be reached (KindTransient), the bind was refused or the base DN does not exist
// (KindFailedPrecondition).
func (c *Connector) Test(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return c.unreachable(err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	_, err = conn.Search(c.search(c.s.BaseDN, goldap.ScopeBaseObject, "(objectClass=*)", "1.1"))
	switch {
	case err == nil:
		return nil
	case resultCode(err) == goldap.LDAPResultNoSuchObject:
		return access.E(access.KindFailedPrecondition,
			"baseDN %s does not exist on the LDAP server at %s: fix baseDN", c.s.BaseDN, c.s.URL)
	case ctx.Err() != nil:
		return c.classify(ctx.Err(), "read the baseDN "+c.s.BaseDN)
	}
	return c.classify(err, "read the baseDN "+c.s.BaseDN)
}

// unreachable explains a failed dial or bind for Test.
func (c *Connector) unreachable(err error) error {
	var ae *access.Error
	if errors.As(err, &ae) {
		return err // a refused bind, an unreadable password file
	}
	if untrustedCert(err) {
		return c.certRefused(err)
	}
	var dns *net.DNSError
	hint := "check url, and that the server runs and this host can reach it"
	if errors.As(err, &dns) {
		hint = "the host name does not resolve: check url"
	}
	e := access.Ec(access.KindTransient, codeUnavailable, "cannot reach the LDAP server at %s: %s", c.s.URL, hint)
	e.Err = err
	return e
}
