package ldap_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
)

// newConnector returns a connector to srv with its default settings, changed by mod.
func newConnector(t testing.TB, srv *ldaptest.Server, mod func(*ldap.Settings)) *ldap.Connector {
	t.Helper()
	s := ldap.Settings{URL: srv.URL, BindDN: srv.BindDN, BindPassword: srv.Password, BaseDN: srv.BaseDN, Timeout: "5s"}
	if mod != nil {
		mod(&s)
	}
	c, err := ldap.New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// grant is a Member grant of group cn for the user with that mail.
func grant(cn, mail string) access.RoleGrant {
	return access.RoleGrant{Key: cn + "|" + mail, SubjectID: mail, OriginSystem: "ldap",
		ResourceOriginID: ldaptest.GroupDN(cn), RoleOriginID: connector.RoleMember,
		Subject: access.SubjectRef{ID: mail, Mail: mail}}
}

// wantKind fails the test unless err is an *access.Error of kind k whose message
// contains each of parts.
func wantKind(t *testing.T, err error, k access.Kind, parts ...string) {
	t.Helper()
	var ae *access.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want an *access.Error of kind %v", err, err, k)
	}
	if ae.Kind != k {
		t.Fatalf("kind = %v, want %v (err: %v)", ae.Kind, k, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

func wantMembers(t *testing.T, srv *ldaptest.Server, cn string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := srv.Members(ldaptest.GroupDN(cn)); !slices.Equal(got, want) {
		t.Fatalf("members of %s = %v, want %v", cn, got, want)
	}
}

func TestGrantRevoke(t *testing.T) { // CON-3
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	g := grant("engineering", "bob@bestow.test")

	steps := []struct {
		name     string
		do       func(context.Context, access.RoleGrant) (access.DeliveryResult, error)
		wantDone bool
		want     []string
	}{
		{"grant", c.Grant, false, []string{ldaptest.UserDN("alice"), ldaptest.UserDN("bob")}},
		{"grant again", c.Grant, true, []string{ldaptest.UserDN("alice"), ldaptest.UserDN("bob")}},
		{"revoke", c.Revoke, false, []string{ldaptest.UserDN("alice")}},
		{"revoke again", c.Revoke, true, []string{ldaptest.UserDN("alice")}},
	}
	for _, st := range steps {
		res, err := st.do(ctx, g)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.AlreadyDone != st.wantDone {
			t.Errorf("%s: AlreadyDone = %v, want %v", st.name, res.AlreadyDone, st.wantDone)
		}
		wantMembers(t, srv, "engineering", st.want...)
	}
}

func TestGrantPreExistingMember(t *testing.T) { // RES-7
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	res, err := c.Grant(context.Background(), grant("engineering", "alice@bestow.test"))
	if err != nil || !res.AlreadyDone {
		t.Fatalf("Grant of a member already there = %+v, %v; want AlreadyDone", res, err)
	}
}

func TestGrantOwner(t *testing.T) {
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	g := grant("engineering", "carol@bestow.test")
	g.RoleOriginID = connector.RoleOwner
	if _, err := c.Grant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	if got := srv.Values(ldaptest.GroupDN("engineering"), "owner"); !slices.Equal(got, []string{ldaptest.UserDN("carol")}) {
		t.Fatalf("owner = %v, want carol's DN", got)
	}
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice")) // members unchanged
	if res, err := c.Revoke(context.Background(), g); err != nil || res.AlreadyDone {
		t.Fatalf("Revoke owner = %+v, %v", res, err)
	}
	if got := srv.Values(ldaptest.GroupDN("engineering"), "owner"); len(got) != 0 {
		t.Fatalf("owner after revoke = %v, want none", got)
	}
}

func TestGrantErrors(t *testing.T) {
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	bad := grant("engineering", "carol@bestow.test")
	bad.RoleOriginID = "Admin"
	noMail := grant("engineering", "")
	tests := []struct {
		name  string
		g     access.RoleGrant
		kind  access.Kind
		parts []string
	}{
		{"unknown user", grant("engineering", "nobody@bestow.test"), access.KindNotFound,
			[]string{"no LDAP entry with mail=nobody@bestow.test under dc=bestow,dc=test", "create the user"}},
		{"unknown group", grant("nosuchgroup", "carol@bestow.test"), access.KindNotFound,
			[]string{"LDAP group 'cn=nosuchgroup,ou=groups,dc=bestow,dc=test' does not exist"}},
		{"ambiguous user", grant("engineering", "twin@bestow.test"), access.KindFailedPrecondition,
			[]string{"several LDAP entries have mail=twin@bestow.test"}},
		{"unknown role", bad, access.KindInvalid, []string{"not 'Admin'"}},
		{"subject without mail", noMail, access.KindFailedPrecondition, []string{"the user has no mail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Grant(ctx, tt.g)
			wantKind(t, err, tt.kind, tt.parts...)
		})
	}
	// A filter special character in the mail is escaped, not interpreted.
	_, err := c.Grant(ctx, grant("engineering", "*"))
	wantKind(t, err, access.KindNotFound, `mail=* `)
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"))
}

func TestRevokeMissingUserOrGroup(t *testing.T) {
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	res, err := c.Revoke(context.Background(), grant("engineering", "gone@bestow.test"))
	if err != nil || !res.AlreadyDone {
		t.Fatalf("Revoke of a user with no entry = %+v, %v; want AlreadyDone", res, err)
	}
	_, err = c.Revoke(context.Background(), grant("nosuchgroup", "alice@bestow.test"))
	wantKind(t, err, access.KindNotFound, "does not exist")
}

func TestRevokeLastMember(t *testing.T) {
	srv := ldaptest.Start(t)
	ctx := context.Background()
	g := grant("finance", "bob@bestow.test") // bob is finance's only member

	_, err := newConnector(t, srv, nil).Revoke(ctx, g)
	wantKind(t, err, access.KindFailedPrecondition, "last member", "placeholderMember")
	wantMembers(t, srv, "finance", ldaptest.UserDN("bob"))

	placeholder := "cn=nobody," + ldaptest.BaseDN
	c := newConnector(t, srv, func(s *ldap.Settings) { s.PlaceholderMember = placeholder })
	if res, err := c.Revoke(ctx, g); err != nil || res.AlreadyDone {
		t.Fatalf("Revoke with a placeholder = %+v, %v", res, err)
	}
	wantMembers(t, srv, "finance", placeholder)
	if m, err := c.Members(ctx, ldaptest.GroupDN("finance"), connector.RoleMember); err != nil || len(m) != 0 {
		t.Fatalf("Members of a group holding only the placeholder = %v, %v; want none", m, err)
	}

	// A real member replaces the placeholder, through Grant and through Apply.
	if _, err := c.Grant(ctx, g); err != nil {
		t.Fatal(err)
	}
	wantMembers(t, srv, "finance", ldaptest.UserDN("bob"))
	if _, err := c.Revoke(ctx, g); err != nil {
		t.Fatal(err)
	}
	out := c.Apply(ctx, []connector.Change{{Grant: grant("finance", "carol@bestow.test"), Add: true}})
	if out[0].Err != nil {
		t.Fatal(out[0].Err)
	}
	wantMembers(t, srv, "finance", ldaptest.UserDN("carol"))
}

func TestWrongPassword(t *testing.T) { // REQ-8: a refused bind is permanent
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, func(s *ldap.Settings) { s.BindPassword = "wrong" })
	_, err := c.Grant(context.Background(), grant("engineering", "bob@bestow.test"))
	wantKind(t, err, access.KindFailedPrecondition,
		"the LDAP server refused the bind of cn=admin,dc=bestow,dc=test: check bindDN and bindPassword")
}

func TestBindPasswordFile(t *testing.T) {
	srv := ldaptest.Start(t)
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("  "+srv.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, srv, func(s *ldap.Settings) { s.BindPassword, s.BindPasswordFile = "", file })
	if _, err := c.Grant(context.Background(), grant("engineering", "bob@bestow.test")); err != nil {
		t.Fatal(err)
	}
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"), ldaptest.UserDN("bob"))
}

func TestServerStopped(t *testing.T) { // REQ-8: an unreachable server is transient
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	if _, err := c.Grant(ctx, grant("engineering", "bob@bestow.test")); err != nil {
		t.Fatal(err) // leaves a pooled connection that the restart breaks
	}
	srv.Stop()
	_, err := c.Grant(ctx, grant("engineering", "carol@bestow.test"))
	wantKind(t, err, access.KindTransient, "the LDAP server at "+srv.URL+" is unavailable", "retries later", "connection refused")
	out := c.Apply(ctx, []connector.Change{{Grant: grant("engineering", "carol@bestow.test"), Add: true}})
	wantKind(t, out[0].Err, access.KindTransient)
	_, err = c.Groups(ctx, "")
	wantKind(t, err, access.KindTransient)

	srv.Restart()
	if _, err := c.Grant(ctx, grant("engineering", "carol@bestow.test")); err != nil {
		t.Fatalf("Grant after the restart: %v", err)
	}
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"), ldaptest.UserDN("bob"), ldaptest.UserDN("carol"))
}

func TestCancelledContext(t *testing.T) { // REQ-8
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Grant(ctx, grant("engineering", "bob@bestow.test"))
	wantKind(t, err, access.KindTransient)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"))
}

func TestGroups(t *testing.T) {
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	all, err := c.Groups(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range all {
		names = append(names, g.DisplayName)
	}
	if want := []string{"auditors", "developers", "engineering", "finance"}; !slices.Equal(names, want) {
		t.Fatalf("Groups(\"\") = %v, want %v", names, want)
	}
	eng, err := c.Groups(ctx, "ngin")
	if err != nil {
		t.Fatal(err)
	}
	want := connector.Resource{OriginID: ldaptest.GroupDN("engineering"), DisplayName: "engineering", Description: "Engineers",
		Roles: []connector.Role{{OriginID: connector.RoleMember, DisplayName: "Member", Description: "Member of engineering"},
			{OriginID: connector.RoleOwner, DisplayName: "Owner", Description: "Owner of engineering"}}}
	if len(eng) != 1 || fmt.Sprint(eng[0]) != fmt.Sprint(want) {
		t.Fatalf("Groups(\"ngin\") = %+v, want [%+v]", eng, want)
	}
	if none, err := c.Groups(ctx, "*)(cn=*"); err != nil || len(none) != 0 {
		t.Fatalf("Groups with filter characters = %v, %v; want none (escaped)", none, err)
	}
}

func TestGroupsLimit(t *testing.T) {
	var b strings.Builder
	for i := range 120 {
		fmt.Fprintf(&b, "\ndn: cn=team%03d,%s\nobjectClass: groupOfNames\ncn: team%03d\nmember: %s\n",
			i, ldaptest.Groups, i, ldaptest.UserDN("alice"))
	}
	srv := ldaptest.Start(t, ldaptest.WithLDIF(b.String()))
	got, err := newConnector(t, srv, nil).Groups(context.Background(), "team")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("Groups over 120 teams returned %d, want 100", len(got))
	}
}

func TestResolve(t *testing.T) {
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	dev, err := c.Resolve(ctx, ldaptest.GroupDN("developers"))
	if err != nil {
		t.Fatal(err)
	}
	if dev.OriginID != ldaptest.GroupDN("developers") || dev.DisplayName != "developers" || len(dev.Roles) != 1 {
		t.Fatalf("Resolve(developers) = %+v, want the posixGroup with the Member role only", dev)
	}
	for _, dn := range []string{ldaptest.GroupDN("missing"), ldaptest.UserDN("alice"), "not a dn"} {
		_, err := c.Resolve(ctx, dn)
		wantKind(t, err, access.KindNotFound)
	}
}

func TestMembers(t *testing.T) { // ASG-6, RES-7
	srv := ldaptest.Start(t, ldaptest.WithLDIF(`
dn: cn=mixed,ou=groups,dc=bestow,dc=test
objectClass: groupOfNames
cn: mixed
member: uid=alice,ou=people,dc=bestow,dc=test
member: UID=Carol,OU=People,DC=bestow,DC=test
member: uid=deleted,ou=people,dc=bestow,dc=test
member: cn=engineering,ou=groups,dc=bestow,dc=test
`))
	c := newConnector(t, srv, nil)
	got, err := c.Members(context.Background(), ldaptest.GroupDN("mixed"), connector.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	want := []access.SubjectRef{{Mail: "alice@bestow.test"}, {Mail: "carol@bestow.test"}}
	if !slices.Equal(got, want) {
		t.Fatalf("Members(mixed) = %+v, want %+v (the deleted user and the nested group left out)", got, want)
	}
	_, err = c.Members(context.Background(), ldaptest.GroupDN("missing"), connector.RoleMember)
	wantKind(t, err, access.KindNotFound)
}

func TestLargeGroup(t *testing.T) { // ASG-6, RES-7
	// A group of 3,000 members, twice Active Directory's default MaxValRange: slapd answers
	// the plain member attribute with every value, and Members and Apply, which read the
	// values through the range-following groupValues, see all of them.
	ldif, mails := ldaptest.Users(3001)
	var group strings.Builder
	group.WriteString("\ndn: " + ldaptest.GroupDN("big") + "\nobjectClass: groupOfNames\ncn: big\n")
	for _, m := range mails[:3000] {
		group.WriteString("member: " + ldaptest.UserDN(strings.TrimSuffix(m, "@bestow.test")) + "\n")
	}
	srv := ldaptest.Start(t, ldaptest.WithLDIF(ldif), ldaptest.WithLDIF(group.String()))
	c := newConnector(t, srv, nil)
	ctx := context.Background()

	got, err := c.Members(ctx, ldaptest.GroupDN("big"), connector.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3000 || !slices.Contains(got, access.SubjectRef{Mail: mails[0]}) ||
		!slices.Contains(got, access.SubjectRef{Mail: mails[2999]}) {
		t.Fatalf("Members(big) has %d members, want 3000 with %s and %s", len(got), mails[0], mails[2999])
	}

	// The last of the 3,000 is there already (RES-7: AlreadyDone); the others change.
	out := c.Apply(ctx, []connector.Change{
		{Grant: grant("big", mails[2999]), Add: true},
		{Grant: grant("big", mails[3000]), Add: true},
		{Grant: grant("big", mails[0]), Add: false},
	})
	wantOutcomes(t, out[:1], true)
	wantOutcomes(t, out[1:], false)
	all := srv.Members(ldaptest.GroupDN("big"))
	if len(all) != 3000 || !slices.Contains(all, ldaptest.UserDN("user03001")) || slices.Contains(all, ldaptest.UserDN("user00001")) {
		t.Fatalf("big has %d members after Apply, want 3000 with user03001 and without user00001", len(all))
	}
}

func TestUserPrincipalName(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.WithLDIF(`
dn: uid=erin,ou=people,dc=bestow,dc=test
objectClass: inetOrgPerson
uid: erin
cn: erin
sn: erin
mail: erin.mail@bestow.test
description: erin@corp.bestow.test
`))
	// description stands in for an attribute holding the userPrincipalName.
	c := newConnector(t, srv, func(s *ldap.Settings) {
		s.UserAttribute, s.UserProperty, s.UserFilter = "description", ldap.PropertyUserPrincipalName, "(objectClass=inetOrgPerson)"
	})
	g := grant("engineering", "")
	g.Subject.UserPrincipalName = "erin@corp.bestow.test"
	if _, err := c.Grant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"), ldaptest.UserDN("erin"))
	got, err := c.Members(context.Background(), ldaptest.GroupDN("engineering"), connector.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if want := []access.SubjectRef{{UserPrincipalName: "erin@corp.bestow.test"}}; !slices.Equal(got, want) {
		t.Fatalf("Members = %+v, want %+v (alice has no description)", got, want)
	}
}

func TestPosixGroup(t *testing.T) { // ASG-6 (Members of a memberUid group)
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, func(s *ldap.Settings) { s.MemberAttribute = "memberUid" })
	ctx := context.Background()
	g := grant("developers", "bob@bestow.test")
	if res, err := c.Grant(ctx, g); err != nil || res.AlreadyDone {
		t.Fatalf("Grant = %+v, %v", res, err)
	}
	wantMembers(t, srv, "developers", "alice", "bob")
	if res, err := c.Grant(ctx, g); err != nil || !res.AlreadyDone {
		t.Fatalf("second Grant = %+v, %v; want AlreadyDone", res, err)
	}
	got, err := c.Members(ctx, ldaptest.GroupDN("developers"), connector.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if want := []access.SubjectRef{{Mail: "alice@bestow.test"}, {Mail: "bob@bestow.test"}}; !slices.Equal(got, want) {
		t.Fatalf("Members = %+v, want %+v", got, want)
	}
	if res, err := c.Revoke(ctx, g); err != nil || res.AlreadyDone {
		t.Fatalf("Revoke = %+v, %v", res, err)
	}
	if res, err := c.Revoke(ctx, g); err != nil || !res.AlreadyDone {
		t.Fatalf("second Revoke = %+v, %v; want AlreadyDone", res, err)
	}
	// The last memberUid can go: posixGroup does not require one.
	if _, err := c.Revoke(ctx, grant("developers", "alice@bestow.test")); err != nil {
		t.Fatal(err)
	}
	wantMembers(t, srv, "developers")
}

func TestTest(t *testing.T) {
	srv := ldaptest.Start(t)
	ctx := context.Background()
	if err := newConnector(t, srv, nil).Test(ctx); err != nil {
		t.Fatalf("Test with good settings: %v", err)
	}
	closed := ldaptest.Start(t)
	closed.Stop() // a port where nothing listens
	err := newConnector(t, srv, func(s *ldap.Settings) { s.URL = closed.URL }).Test(ctx)
	wantKind(t, err, access.KindTransient, "cannot reach the LDAP server at "+closed.URL, "connection refused")
	err = newConnector(t, srv, func(s *ldap.Settings) { s.BindPassword = "wrong" }).Test(ctx)
	wantKind(t, err, access.KindFailedPrecondition, "refused the bind of "+srv.BindDN)
	err = newConnector(t, srv, func(s *ldap.Settings) { s.BaseDN = "dc=other,dc=test" }).Test(ctx)
	wantKind(t, err, access.KindFailedPrecondition, "baseDN dc=other,dc=test does not exist")
	_, err = ldap.New(ldap.Settings{URL: "http://" + srv.URL[len("ldap://"):], BaseDN: srv.BaseDN})
	if err == nil || !strings.Contains(err.Error(), `has scheme "http": use ldap://`) {
		t.Fatalf("New with an http URL: %v, want the scheme explained", err)
	}
}
