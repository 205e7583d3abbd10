package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
)

// The machine codes of the connector's errors.
const (
	codeUnavailable     = "LdapServerUnavailable"
	codeBindRefused     = "LdapBindRefused"
	codeNoUser          = "LdapUserNotFound"
	codeAmbiguous       = "LdapUserAmbiguous"
	codeNoGroup         = "LdapGroupNotFound"
	codeLastMember      = "LdapLastMember"
	codeRefused         = "LdapOperationRefused"
	codeUntrustedCert   = "LdapUntrustedCertificate"
	codeRangedRetrieval = "LdapRangedRetrieval"
)

// transientCodes are the LDAP results that say "try again later" (REQ-8): busy,
// unavailable, server down, timeouts, connect errors, and the library's own network and
// timeout failures (ErrorNetwork).
var transientCodes = map[uint16]bool{
	goldap.LDAPResultBusy:              true,
	goldap.LDAPResultUnavailable:       true,
	goldap.LDAPResultServerDown:        true,
	goldap.LDAPResultTimeout:           true,
	goldap.LDAPResultTimeLimitExceeded: true,
	goldap.LDAPResultConnectError:      true,
	goldap.ErrorNetwork:                true,
}

// isTransient reports whether err is worth retrying: a network failure, a timeout, a
// cancelled call, or an LDAP result in transientCodes.
func isTransient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var le *goldap.Error
	return errors.As(err, &le) && transientCodes[le.ResultCode]
}

// resultCode returns the LDAP result code of err, or 0 when it has none.
// An *access.Error has none even when it wraps an LDAP error: it is already classified.
func resultCode(err error) uint16 {
	if _, ok := err.(*access.Error); ok {
		return 0
	}
	var le *goldap.Error
	if errors.As(err, &le) {
		return le.ResultCode
	}
	return 0
}

// serverMessage returns the server's diagnostic message of an LDAP error, with the name
// of its result code: `noSuchAttribute (16): modify/delete: member: no such value`.
func serverMessage(err error) string {
	var le *goldap.Error
	if !errors.As(err, &le) {
		return err.Error()
	}
	name := goldap.LDAPResultCodeMap[le.ResultCode]
	if le.Err == nil || le.Err.Error() == "" {
		return fmt.Sprintf("%s (%d)", name, le.ResultCode)
	}
	return fmt.Sprintf("%s (%d): %s", name, le.ResultCode, le.Err.Error())
}

// classify turns an error from the directory into an *access.Error (REQ-8): transient
// failures become KindTransient, which the worker retries with backoff; the rest become
// permanent errors carrying the server's message. what names the operation for the
// message ("modify group 'cn=x,...'"). An *access.Error passes through unchanged.
func (c *Connector) classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *access.Error
	if errors.As(err, &ae) {
		return err
	}
	if untrustedCert(err) {
		return c.certRefused(err)
	}
	if isTransient(err) {
		e := access.Ec(access.KindTransient, codeUnavailable,
			"the LDAP server at %s is unavailable, so Bestow could not %s; it retries later", c.s.URL, what)
		e.Err = err
		return e
	}
	switch resultCode(err) {
	case goldap.LDAPResultInvalidCredentials:
		return c.bindRefused()
	case goldap.LDAPResultInsufficientAccessRights:
		return access.Ec(access.KindFailedPrecondition, codeRefused,
			"the LDAP server does not allow %s to %s: grant that account write access (%s)",
			c.bindName(), what, serverMessage(err))
	}
	return access.Ec(access.KindFailedPrecondition, codeRefused,
		"the LDAP server refused to %s: %s", what, serverMessage(err))
}

// untrustedCert reports whether err is the failure to verify the server's certificate.
// go-ldap's StartTLS reports it as a network error with the cause's text only, so that
// case is recognised by its text.
func untrustedCert(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
	)
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake failed") && strings.Contains(msg, "x509:")
}

// certRefused is the error of an untrusted server certificate: permanent, since the
// certificate does not change by retrying.
func (c *Connector) certRefused(err error) error {
	e := access.Ec(access.KindFailedPrecondition, codeUntrustedCert,
		"the LDAP server at %s presented a certificate this host does not trust: add its CA to the system's "+
			"trusted certificates, or, for tests only, set insecureSkipVerify", c.s.URL)
	e.Err = err
	return e
}

// bindRefused is the error of a refused bind: permanent, since retrying the same
// credentials cannot succeed.
// The server's message (result 49, usually empty) adds nothing, so it is left out.
func (c *Connector) bindRefused() error {
	return access.Ec(access.KindFailedPrecondition, codeBindRefused,
		"the LDAP server refused the bind of %s: check bindDN and bindPassword", c.bindName())
}

func (c *Connector) bindName() string {
	if c.s.BindDN == "" {
		return "the anonymous user"
	}
	return c.s.BindDN
}

// groupNotFound is the error for a group DN that does not exist.
func groupNotFound(dn string) error {
	return access.Ec(access.KindNotFound, codeNoGroup, "LDAP group '%s' does not exist", dn)
}
