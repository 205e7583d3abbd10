package ldap_test

import (
	"context"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
)

func TestTLS(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.WithTLS())
	ctx := context.Background()
	tests := []struct {
		name string
		mod  func(*ldap.Settings)
		ok   bool
	}{
		{"startTLS", func(s *ldap.Settings) { s.StartTLS, s.InsecureSkipVerify = true, true }, true},
		{"ldaps", func(s *ldap.Settings) { s.URL, s.InsecureSkipVerify = srv.LDAPSURL, true }, true},
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
}
