package ldap_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/connector/ldap"
)

func TestSettingsValidate(t *testing.T) {
	good := ldap.Settings{URL: "ldap://ldap.example.com", BindDN: "cn=bestow,dc=example,dc=com",
		BindPassword: "s3cret", BaseDN: "dc=example,dc=com"}
	tests := []struct {
		name string
		mod  func(*ldap.Settings)
		want string // "" for valid
	}{
		{"good", func(*ldap.Settings) {}, ""},
		{"ldaps", func(s *ldap.Settings) { s.URL = "ldaps://ldap.example.com:636" }, ""},
		{"startTLS", func(s *ldap.Settings) { s.StartTLS = true }, ""},
		{"anonymous", func(s *ldap.Settings) { s.BindDN, s.BindPassword = "", "" }, ""},
		{"all options", func(s *ldap.Settings) {
			s.UserAttribute, s.UserProperty, s.MemberAttribute = "userPrincipalName", "userPrincipalName", "uniqueMember"
			s.GroupFilter, s.UserFilter, s.Timeout = "(objectClass=groupOfUniqueNames)", "(objectClass=person)", "30s"
		}, ""},
		{"no url", func(s *ldap.Settings) { s.URL = "" }, "url is missing"},
		{"bad scheme", func(s *ldap.Settings) { s.URL = "https://ldap.example.com" }, `has scheme "https": use ldap://`},
		{"no host", func(s *ldap.Settings) { s.URL = "ldap://" }, "names no host"},
		{"startTLS on ldaps", func(s *ldap.Settings) { s.URL, s.StartTLS = "ldaps://h", true }, "already TLS"},
		{"no baseDN", func(s *ldap.Settings) { s.BaseDN = "" }, "baseDN is missing"},
		{"bad baseDN", func(s *ldap.Settings) { s.BaseDN = "example.com" }, "is not a DN"},
		{"two passwords", func(s *ldap.Settings) { s.BindPasswordFile = "/run/secret" }, "both bindPassword and bindPasswordFile"},
		{"no password", func(s *ldap.Settings) { s.BindPassword = "" }, "has no password"},
		{"password without bindDN", func(s *ldap.Settings) { s.BindDN = "" }, "without bindDN"},
		{"unknown memberAttribute", func(s *ldap.Settings) { s.MemberAttribute = "members" }, `memberAttribute "members" is unknown: use member, uniqueMember or memberUid`},
		{"unknown userProperty", func(s *ldap.Settings) { s.UserProperty = "uid" }, `userProperty "uid" is unknown`},
		{"bad userAttribute", func(s *ldap.Settings) { s.UserAttribute = "mail=*" }, "not an attribute name"},
		{"bad groupFilter", func(s *ldap.Settings) { s.GroupFilter = "objectClass=group" }, "groupFilter \"objectClass=group\" is not an LDAP filter"},
		{"bad userFilter", func(s *ldap.Settings) { s.UserFilter = "(objectClass=person" }, "userFilter"},
		{"bad timeout", func(s *ldap.Settings) { s.Timeout = "10" }, `timeout "10" is not a positive Go duration`},
		{"negative timeout", func(s *ldap.Settings) { s.Timeout = "-1s" }, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			tt.mod(&s)
			err := s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := ldap.New(ldap.Settings{URL: "ldap://h", BaseDN: "dc=x"})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Settings()
	if s.UserAttribute != "mail" || s.UserProperty != "mail" || s.MemberAttribute != "member" || s.GroupFilter != ldap.DefaultGroupFilter {
		t.Fatalf("defaults = %+v", s)
	}
	if _, err := ldap.New(ldap.Settings{URL: "ldap://h"}); err == nil {
		t.Fatal("New without baseDN succeeded")
	}
	missing := filepath.Join(t.TempDir(), "missing")
	_, err = ldap.New(ldap.Settings{URL: "ldap://h", BaseDN: "dc=x", BindDN: "cn=a", BindPasswordFile: missing})
	if err == nil || !strings.Contains(err.Error(), "bindPasswordFile") {
		t.Fatalf("New with a missing password file: %v, want it to say bindPasswordFile", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ldap.New(ldap.Settings{URL: "ldap://h", BaseDN: "dc=x", BindDN: "cn=a", BindPasswordFile: empty})
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("New with an empty password file: %v, want it to say so", err)
	}
}
