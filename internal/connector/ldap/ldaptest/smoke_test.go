package ldaptest

import "testing"

func TestStart(t *testing.T) {
	s := Start(t)
	if got := s.Members(GroupDN("engineering")); len(got) != 1 || got[0] != UserDN("alice") {
		t.Fatalf("engineering members = %v, want [%s]", got, UserDN("alice"))
	}
	s.Stop()
	s.Restart()
	if got := s.Members(GroupDN("developers")); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("developers members = %v, want [alice]", got)
	}
}

func TestStartTLS(t *testing.T) {
	s := Start(t, WithTLS())
	if s.LDAPSURL == "" || len(s.CertPEM) == 0 {
		t.Fatalf("WithTLS server without LDAPS: %+v", s)
	}
}
