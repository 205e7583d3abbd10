package ldap_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
)

func TestTLS(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.WithTLS())
	ctx := context.Background()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		mod  func(*ldap.Settings)
		ok   bool
	}{
		{"startTLS", func(s *ldap.Settings) { s.StartTLS, s.InsecureSkipVerify = true, true }, true},
		{"ldaps", func(s *ldap.Settings) { s.URL, s.InsecureSkipVerify = srv.LDAPSURL, true }, true},
		{"ldaps with caFile", func(s *ldap.Settings) { s.URL, s.CAFile = srv.LDAPSURL, ca }, true},
		{"startTLS with caFile", func(s *ldap.Settings) { s.StartTLS, s.CAFile = true, ca }, true},
		{"startTLS untrusted", func(s *ldap.Settings) { s.StartTLS = true }, false},
		{"ldaps untrusted", func(s *ldap.Settings) { s.URL = srv.LDAPSURL }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConnector(t, srv, tt.mod)
			err := c.Test(ctx)
			_, gerr := c.Grant(ctx, grant("engineering", "bob@bestow.test"))
			if tt.ok {
				if err != nil || gerr != nil {
					t.Fatalf("Test = %v, Grant = %v; want both to succeed", err, gerr)
				}
				return
			}
			wantKind(t, err, access.KindFailedPrecondition, "certificate this host does not trust", "insecureSkipVerify")
			wantKind(t, gerr, access.KindFailedPrecondition, "certificate this host does not trust")
		})
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := ldap.Settings{URL: srv.LDAPSURL, BaseDN: srv.BaseDN, CAFile: empty}
	if _, err := ldap.New(s); err == nil {
		t.Error("a caFile without a certificate was accepted")
	}
}
