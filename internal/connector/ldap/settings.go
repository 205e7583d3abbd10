package ldap

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Settings configure a connector to one LDAP directory. The zero values of the optional
// fields mean the defaults that New applies.
type Settings struct {
	// URL is the server, ldap://host[:port] or ldaps://host[:port].
	URL string `json:"url"`
	// BindDN and BindPassword are the credentials of the account that writes the groups;
	// BindPasswordFile names a file holding the password instead (read at every bind,
	// surrounding white space trimmed). An empty BindDN binds anonymously.
	BindDN           string `json:"bindDN"`
	BindPassword     string `json:"bindPassword,omitempty"`
	BindPasswordFile string `json:"bindPasswordFile,omitempty"`
	// BaseDN is the subtree searched for users and groups.
	BaseDN string `json:"baseDN"`
	// UserAttribute is the LDAP attribute that identifies a Bestow user (default mail).
	UserAttribute string `json:"userAttribute,omitempty"`
	// UserProperty is the Bestow user property UserAttribute equals: mail or
	// userPrincipalName (default mail).
	UserProperty string `json:"userProperty,omitempty"`
	// MemberAttribute is the group attribute that lists members: member or uniqueMember
	// (values are user DNs) or memberUid (values are the users' uid). Default member.
	MemberAttribute string `json:"memberAttribute,omitempty"`
	// GroupFilter selects the groups a catalog can offer (default: groupOfNames,
	// groupOfUniqueNames, posixGroup and Active Directory's group).
	GroupFilter string `json:"groupFilter,omitempty"`
	// UserFilter, when set, is ANDed into every user lookup, e.g. (objectClass=person).
	UserFilter string `json:"userFilter,omitempty"`
	// PlaceholderMember, when set, is the value written into a group when Bestow removes
	// its last member and the schema requires one (groupOfNames, groupOfUniqueNames). When
	// it is empty, such a removal fails with a permanent error that says so.
	PlaceholderMember string `json:"placeholderMember,omitempty"`
	// StartTLS upgrades an ldap:// connection to TLS before binding.
	StartTLS bool `json:"startTLS,omitempty"`
	// InsecureSkipVerify accepts any server certificate (for tests only).
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
	// CAFile names a PEM file of the certificate authorities to trust for the server's
	// certificate (LDAPS and StartTLS), instead of the system's; for a directory with its
	// own CA.
	CAFile string `json:"caFile,omitempty"`
	// Timeout bounds each connection attempt and each request, a Go duration such as
	// "10s" (default 10s).
	Timeout string `json:"timeout,omitempty"`
}

// The defaults New applies.
const (
	DefaultUserAttribute   = "mail"
	DefaultUserProperty    = PropertyMail
	DefaultMemberAttribute = "member"
	DefaultGroupFilter     = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)(objectClass=group))"
	DefaultTimeout         = 10 * time.Second
)

// The Bestow user properties a directory attribute can equal.
const (
	PropertyMail              = "mail"
	PropertyUserPrincipalName = "userPrincipalName"
)

// Validate reports every problem with the settings in one error; each message says what
// is wrong and what to do. It does not contact the server or read files.
func (s Settings) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch u, err := url.Parse(s.URL); {
	case s.URL == "":
		bad("url is missing: set it to ldap://host:389 or ldaps://host:636")
	case err != nil:
		bad("url %q is not a URL (%v): write it as ldap://host:389 or ldaps://host:636", s.URL, err)
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		bad("url %q has scheme %q: use ldap:// (optionally with startTLS) or ldaps://", s.URL, u.Scheme)
	case u.Host == "":
		bad("url %q names no host: write it as %s://host:port", s.URL, u.Scheme)
	case s.StartTLS && u.Scheme == "ldaps":
		bad("startTLS is set with an ldaps:// url, which is already TLS: drop startTLS or use ldap://")
	}
	if s.BaseDN == "" {
		bad("baseDN is missing: set it to the subtree holding the users and groups, e.g. dc=example,dc=com")
	} else if _, err := goldap.ParseDN(s.BaseDN); err != nil {
		bad("baseDN %q is not a DN (%v)", s.BaseDN, err)
	}
	if s.BindDN != "" {
		if _, err := goldap.ParseDN(s.BindDN); err != nil {
			bad("bindDN %q is not a DN (%v)", s.BindDN, err)
		}
	}
	switch {
	case s.BindPassword != "" && s.BindPasswordFile != "":
		bad("both bindPassword and bindPasswordFile are set: keep one")
	case s.BindDN != "" && s.BindPassword == "" && s.BindPasswordFile == "":
		bad("bindDN %q has no password: set bindPassword or bindPasswordFile", s.BindDN)
	case s.BindDN == "" && (s.BindPassword != "" || s.BindPasswordFile != ""):
		bad("a bind password is set without bindDN: set bindDN to the account it belongs to")
	}
	if strings.ContainsAny(s.UserAttribute, "()=*\\ ") {
		bad("userAttribute %q is not an attribute name", s.UserAttribute)
	}
	switch s.UserProperty {
	case "", PropertyMail, PropertyUserPrincipalName:
	default:
		bad("userProperty %q is unknown: use mail or userPrincipalName", s.UserProperty)
	}
	switch s.MemberAttribute {
	case "", "member", "uniqueMember", "memberUid":
	default:
		bad("memberAttribute %q is unknown: use member, uniqueMember or memberUid", s.MemberAttribute)
	}
	for _, f := range []struct{ name, filter string }{{"groupFilter", s.GroupFilter}, {"userFilter", s.UserFilter}} {
		if f.filter == "" {
			continue
		}
		if _, err := goldap.CompileFilter(f.filter); err != nil {
			bad("%s %q is not an LDAP filter (%v): write it in parentheses, e.g. (objectClass=person)", f.name, f.filter, err)
		}
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d <= 0 {
			bad("timeout %q is not a positive Go duration: write it as 10s or 1m", s.Timeout)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("ldap connector settings: %w", errors.Join(errs...))
}

// withDefaults returns the settings with every empty optional field set to its default.
func (s Settings) withDefaults() Settings {
	if s.UserAttribute == "" {
		s.UserAttribute = DefaultUserAttribute
	}
	if s.UserProperty == "" {
		s.UserProperty = DefaultUserProperty
	}
	if s.MemberAttribute == "" {
		s.MemberAttribute = DefaultMemberAttribute
	}
	if s.GroupFilter == "" {
		s.GroupFilter = DefaultGroupFilter
	}
	return s
}

// timeout returns the configured timeout (Validate has checked it).
func (s Settings) timeout() time.Duration {
	if d, err := time.ParseDuration(s.Timeout); err == nil && d > 0 {
		return d
	}
	return DefaultTimeout
}

// password returns the bind password, from the file when one is configured.
func (s Settings) password() (string, error) {
	if s.BindPasswordFile == "" {
		return s.BindPassword, nil
	}
	b, err := os.ReadFile(s.BindPasswordFile)
	if err != nil {
		return "", fmt.Errorf("reading bindPasswordFile: %w", err)
	}
	p := strings.TrimSpace(string(b))
	if p == "" {
		return "", fmt.Errorf("bindPasswordFile %s is empty: write the bind password into it", s.BindPasswordFile)
	}
	return p, nil
}

// memberIsDN reports whether member values are DNs (member, uniqueMember) rather than
// uids (memberUid).
func (s Settings) memberIsDN() bool { return s.MemberAttribute != "memberUid" }
