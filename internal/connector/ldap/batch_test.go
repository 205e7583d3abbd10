package ldap_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
)

// changes returns one change per mail for group cn.
func changes(cn string, add bool, mails ...string) []connector.Change {
	out := make([]connector.Change, len(mails))
	for i, m := range mails {
		out[i] = connector.Change{Grant: grant(cn, m), Add: add}
	}
	return out
}

// wantOutcomes fails unless every outcome succeeded with AlreadyDone as wantDone.
func wantOutcomes(t *testing.T, out []connector.Outcome, wantDone bool) {
	t.Helper()
	for i, o := range out {
		if o.Err != nil || o.Result.AlreadyDone != wantDone {
			t.Fatalf("outcome %d = %+v, want success with AlreadyDone=%v", i, o, wantDone)
		}
	}
}

func TestApplyMany(t *testing.T) { // CON-3 RES-7 (members already there), ASG-6 (Members of a large group)
	ldif, mails := ldaptest.Users(1200)
	srv := ldaptest.Start(t, ldaptest.WithLDIF(ldif))
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	// 1,200 adds across two groups, interleaved, with alice (already in engineering, RES-7).
	var chs []connector.Change
	for i, m := range mails {
		chs = append(chs, changes([]string{"engineering", "finance"}[i%2], true, m)...)
	}
	chs = append(chs, changes("engineering", true, "alice@bestow.test")...)
	out := c.Apply(ctx, chs)
	if len(out) != len(chs) {
		t.Fatalf("%d outcomes for %d changes", len(out), len(chs))
	}
	wantOutcomes(t, out[:1200], false)
	wantOutcomes(t, out[1200:], true)

	eng, fin := []string{ldaptest.UserDN("alice")}, []string{ldaptest.UserDN("bob")}
	for i := range mails {
		dn := ldaptest.UserDN(mails[i][:len("user00000")])
		if i%2 == 0 {
			eng = append(eng, dn)
		} else {
			fin = append(fin, dn)
		}
	}
	wantMembers(t, srv, "engineering", eng...)
	wantMembers(t, srv, "finance", fin...)

	// Members of a large group: the paged path (ASG-6).
	got, err := c.Members(ctx, ldaptest.GroupDN("finance"), connector.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 601 || !slices.Contains(got, access.SubjectRef{Mail: "bob@bestow.test"}) ||
		!slices.Contains(got, access.SubjectRef{Mail: mails[1199]}) {
		t.Fatalf("Members(finance) has %d members, want 601 with bob and %s", len(got), mails[1199])
	}

	// Adding again is AlreadyDone; removing removes; removing again is AlreadyDone.
	wantOutcomes(t, c.Apply(ctx, chs[:1200]), true)
	rm := slices.Clone(chs[:1200])
	for i := range rm {
		rm[i].Add = false
	}
	wantOutcomes(t, c.Apply(ctx, rm), false)
	wantOutcomes(t, c.Apply(ctx, rm), true)
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"))
	wantMembers(t, srv, "finance", ldaptest.UserDN("bob"))
}

func TestApplyIsolatesFailures(t *testing.T) { // CON-3 REQ-8: one permanent failure, the others delivered
	// jörg's uid is not IA5, so a posixGroup's memberUid refuses it: the multi-value modify
	// fails and the connector retries the values one by one.
	srv := ldaptest.Start(t, ldaptest.WithLDIF(ldaptest.UserLDIF("jörg", "jorg@bestow.test")))
	c := newConnector(t, srv, func(s *ldap.Settings) { s.MemberAttribute = "memberUid" })
	chs := changes("developers", true, "bob@bestow.test", "jorg@bestow.test", "nobody@bestow.test",
		"carol@bestow.test", "twin@bestow.test", "alice@bestow.test")
	chs = append(chs, changes("nosuchgroup", true, "dave@bestow.test")...)
	out := c.Apply(context.Background(), chs)

	for _, i := range []int{0, 3} {
		if out[i].Err != nil || out[i].Result.AlreadyDone {
			t.Errorf("outcome %d = %+v, want success", i, out[i])
		}
	}
	wantKind(t, out[1].Err, access.KindFailedPrecondition, "memberUid", "refused")
	wantKind(t, out[2].Err, access.KindNotFound, "no LDAP entry with mail=nobody@bestow.test")
	wantKind(t, out[4].Err, access.KindFailedPrecondition, "several LDAP entries")
	if out[5].Err != nil || !out[5].Result.AlreadyDone {
		t.Errorf("outcome 5 (alice, already a member) = %+v, want AlreadyDone", out[5])
	}
	wantKind(t, out[6].Err, access.KindNotFound, "LDAP group 'cn=nosuchgroup,ou=groups,dc=bestow,dc=test' does not exist")
	wantMembers(t, srv, "developers", "alice", "bob", "carol")
}

func TestApplyLastMembers(t *testing.T) {
	// Removing every member of a groupOfNames fails as a whole (objectClassViolation);
	// value by value, every member but the last goes, and the last one's outcome says why.
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	ctx := context.Background()
	wantOutcomes(t, c.Apply(ctx, changes("finance", true, "carol@bestow.test", "dave@bestow.test")), false)
	out := c.Apply(ctx, changes("finance", false, "bob@bestow.test", "carol@bestow.test", "dave@bestow.test"))
	wantOutcomes(t, out[:2], false)
	wantKind(t, out[2].Err, access.KindFailedPrecondition, "last member")
	wantMembers(t, srv, "finance", ldaptest.UserDN("dave"))
}

func TestApplyKeepsOrder(t *testing.T) {
	srv := ldaptest.Start(t)
	c := newConnector(t, srv, nil)
	chs := []connector.Change{
		{Grant: grant("engineering", "bob@bestow.test"), Add: true},
		{Grant: grant("engineering", "carol@bestow.test"), Add: true},
		{Grant: grant("engineering", "bob@bestow.test"), Add: false},
		{Grant: grant("engineering", "bob@bestow.test"), Add: true},
		{Grant: grant("engineering", "bob@bestow.test"), Add: false},
		{Grant: grant("engineering", "gone@bestow.test"), Add: false},
	}
	out := c.Apply(context.Background(), chs)
	wantOutcomes(t, out[:5], false)
	wantOutcomes(t, out[5:], true) // a user without an entry holds nothing
	wantMembers(t, srv, "engineering", ldaptest.UserDN("alice"), ldaptest.UserDN("carol"))
}
