package directory_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

// fixture is a World on SQLite and a directory connector of the test's own over a probe
// of the World's store.
type fixture struct {
	*accesstest.World
	probe *probe
	conn  *directory.Connector
}

func newFixture(t *testing.T) *fixture {
	w := accesstest.NewWorld(t, func(t *testing.T) access.Store { return sqlitetest.Open(t) })
	p := &probe{Store: w.Svc.Store()}
	return &fixture{World: w, probe: p, conn: directory.New(p, w.Clock, nil)}
}

// probe is a store that counts the connector's write transactions and its reads of users
// and groups, and fails Relate as relate says.
type probe struct {
	access.Store
	writes, userGets, groupGets int
	// relate, when set, returns the error that fails Relate of object in the n-th write
	// transaction (from 1), or nil to let it through.
	relate func(n int, objectID string) error
}

func (p *probe) Write(ctx context.Context, fn func(access.Tx) error) error {
	p.writes++
	n := p.writes
	return p.Store.Write(ctx, func(tx access.Tx) error { return fn(&probeTx{Tx: tx, p: p, n: n}) })
}

type probeTx struct {
	access.Tx
	p *probe
	n int
}

func (t *probeTx) Users() access.Collection[access.User] {
	return countGets[access.User]{t.Tx.Users(), &t.p.userGets}
}

func (t *probeTx) Groups() access.Collection[access.Group] {
	return countGets[access.Group]{t.Tx.Groups(), &t.p.groupGets}
}

func (t *probeTx) Relate(ctx context.Context, groupID string, rel access.Relation, objectID string) error {
	if t.p.relate != nil {
		if err := t.p.relate(t.n, objectID); err != nil {
			return err
		}
	}
	return t.Tx.Relate(ctx, groupID, rel, objectID)
}

// countGets counts the Get calls of a collection.
type countGets[T any] struct {
	access.Collection[T]
	n *int
}

func (c countGets[T]) Get(ctx context.Context, id string) (T, error) {
	*c.n++
	return c.Collection.Get(ctx, id)
}

// users writes n users straight to the store, in one transaction.
func users(tb testing.TB, store access.Store, n int) []access.User {
	tb.Helper()
	ctx := context.Background()
	out := make([]access.User, n)
	err := store.Write(ctx, func(tx access.Tx) error {
		for i := range out {
			name := fmt.Sprintf("user%04d@contoso.com", i)
			out[i] = access.User{ID: access.NewUUID(), DisplayName: name, UserPrincipalName: name, Mail: name, AccountEnabled: true, UserType: "Member"}
			if err := tx.Users().Put(ctx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// role is the grant of a group's role (member or owner) to a user.
func role(g access.Group, rel access.Relation, u access.User) access.RoleGrant {
	return access.RoleGrant{SubjectID: u.ID, OriginSystem: access.OriginGroup, ResourceOriginID: g.ID, RoleOriginID: access.GroupRole(g.ID, rel)}
}

func add(g access.RoleGrant) connector.Change    { return connector.Change{Grant: g, Add: true} }
func remove(g access.RoleGrant) connector.Change { return connector.Change{Grant: g} }

// summary says what each outcome is: "ok", "done" (AlreadyDone) or its error's kind.
func summary(out []connector.Outcome) []string {
	s := make([]string, len(out))
	for i, o := range out {
		switch {
		case o.Err != nil:
			s[i] = access.KindOf(o.Err).String()
		case o.Result.AlreadyDone:
			s[i] = "done"
		default:
			s[i] = "ok"
		}
	}
	return s
}

// members lists the ids of the group's members or owners.
func (f *fixture) members(g access.Group, rel access.Relation) []string {
	f.T.Helper()
	var ids []string
	f.Must(f.Svc.Store().Read(f.Ctx, func(tx access.Tx) error {
		var err error
		ids, err = tx.Related(f.Ctx, g.ID, rel)
		return err
	}))
	return ids
}

// TestApplyGrantsIntoGroup puts many users into one group with one Apply: one write
// transaction, the group read once; a user already a member is AlreadyDone, and a user who
// does not exist and a role the group does not have fail alone (REQ-8: permanent errors of
// their own change).
func TestApplyGrantsIntoGroup(t *testing.T) { // REQ-8
	f := newFixture(t)
	g := f.Group("Sales")
	us := users(t, f.Svc.Store(), 50)
	f.Must(f.Svc.AddRelation(f.Ctx, access.SystemActor, g.ID, access.RelMember, us[7].ID))

	var changes []connector.Change
	var want []string
	for i, u := range us {
		changes = append(changes, add(role(g, access.RelMember, u)))
		switch i {
		case 7:
			want = append(want, "done")
		default:
			want = append(want, "ok")
		}
	}
	missing := role(g, access.RelMember, access.User{ID: access.NewUUID()})
	unknownRole := role(g, access.RelMember, us[0])
	unknownRole.RoleOriginID = "Admin_" + g.ID
	changes = slices.Insert(changes, 20, add(missing), add(unknownRole))
	want = slices.Insert(want, 20, "notFound", "invalid")

	out := f.conn.Apply(f.Ctx, changes)
	if got := summary(out); !slices.Equal(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	if f.probe.writes != 1 || f.probe.groupGets != 1 {
		t.Errorf("%d write transactions and %d reads of the group, want 1 and 1", f.probe.writes, f.probe.groupGets)
	}
	if got := f.members(g, access.RelMember); len(got) != len(us) {
		t.Errorf("the group has %d members, want %d", len(got), len(us))
	}
	if got := out[21].Err.Error(); got != fmt.Sprintf("'Admin_%s' is not a role of group '%s'; its roles are Member_%[2]s and Owner_%[2]s", g.ID, g.ID) {
		t.Errorf("unknown role: %s", got)
	}
}

// TestApplyRevokesFromGroup takes many members out of a group with one Apply: a user who
// is no member is AlreadyDone, a role the group does not have fails alone (REQ-8), and
// revoking from a group that does not exist is AlreadyDone, as Revoke says.
func TestApplyRevokesFromGroup(t *testing.T) { // REQ-8
	f := newFixture(t)
	g := f.Group("Sales")
	us := users(t, f.Svc.Store(), 30)
	for _, u := range us[:29] {
		f.Must(f.Svc.AddRelation(f.Ctx, access.SystemActor, g.ID, access.RelMember, u.ID))
	}
	var changes []connector.Change
	var want []string
	for _, u := range us {
		changes = append(changes, remove(role(g, access.RelMember, u)))
		want = append(want, "ok")
	}
	want[29] = "done" // never a member
	unknownRole := role(g, access.RelMember, us[0])
	unknownRole.RoleOriginID = "Admin_" + g.ID
	gone := role(access.Group{ID: access.NewUUID()}, access.RelMember, us[1])
	changes = slices.Insert(changes, 3, remove(unknownRole), remove(gone))
	want = slices.Insert(want, 3, "invalid", "done")

	if got := summary(f.conn.Apply(f.Ctx, changes)); !slices.Equal(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	if f.probe.writes != 1 {
		t.Errorf("%d write transactions, want 1", f.probe.writes)
	}
	if got := f.members(g, access.RelMember); len(got) != 0 {
		t.Errorf("the group still has %d members", len(got))
	}
}

// TestApplyOutcomeOrder checks that each outcome is its change's, whatever the order of
// successes, AlreadyDone and failures in the batch, and that a change Apply refuses leaves
// the others of the transaction in place.
func TestApplyOutcomeOrder(t *testing.T) {
	f := newFixture(t)
	g, deleted := f.Group("Sales"), f.Group("Old")
	f.Must(f.Svc.DeleteGroup(f.Ctx, access.SystemActor, deleted.ID))
	us := users(t, f.Svc.Store(), 4)
	f.Must(f.Svc.AddRelation(f.Ctx, access.SystemActor, g.ID, access.RelOwner, us[1].ID))
	other := role(g, access.RelMember, us[0])
	other.OriginSystem = "corp-ldap"
	changes := []connector.Change{
		add(role(g, access.RelMember, us[0])),
		add(role(g, access.RelMember, access.User{ID: access.NewUUID()})),
		remove(role(g, access.RelMember, us[2])),
		add(role(deleted, access.RelMember, us[2])),
		add(role(g, access.RelOwner, us[1])),
		remove(other),
		add(role(g, access.RelOwner, us[3])),
		remove(role(g, access.RelOwner, us[1])),
		add(role(g, access.RelMember, us[0])), // the first change again, in the same transaction
	}
	want := []string{"ok", "notFound", "done", "notFound", "done", "invalid", "ok", "ok", "done"}
	out := f.conn.Apply(f.Ctx, changes)
	if got := summary(out); !slices.Equal(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	if got := out[3].Err.Error(); got != "group 'Old' is deleted: nothing is delivered into a deleted group" {
		t.Errorf("deleted group: %s", got)
	}
	if got := f.members(g, access.RelMember); !slices.Equal(got, []string{us[0].ID}) {
		t.Errorf("members %v, want %v", got, us[0].ID)
	}
	if got := f.members(g, access.RelOwner); !slices.Equal(got, []string{us[3].ID}) {
		t.Errorf("owners %v, want %v", got, us[3].ID)
	}
}

// TestApplyMixed makes one batch of group members and owners, app roles and site roles,
// granted and revoked, in one transaction that reads each user once; the same batch again
// is all AlreadyDone, and Grant and Revoke one by one agree with it.
func TestApplyMixed(t *testing.T) {
	f := newFixture(t)
	g := f.Group("Sales")
	site := f.Site("Intranet")
	sp, err := f.Svc.CreateServicePrincipal(f.Ctx, access.SystemActor, access.ServicePrincipal{AppID: access.NewUUID(), DisplayName: "CRM",
		ServicePrincipalType: "Application", AccountEnabled: true,
		AppRoles: []access.AppRole{{ID: access.NewUUID(), DisplayName: "Sales rep", Value: "rep", AllowedMemberTypes: []string{"User"}, IsEnabled: true}}})
	f.Must(err)
	us := users(t, f.Svc.Store(), 3)
	app := func(u access.User) access.RoleGrant {
		return access.RoleGrant{SubjectID: u.ID, OriginSystem: access.OriginApplication, ResourceOriginID: sp.ID, RoleOriginID: sp.AppRoles[0].ID}
	}
	siteRole := func(u access.User) access.RoleGrant {
		return access.RoleGrant{SubjectID: u.ID, OriginSystem: access.OriginSite, ResourceOriginID: site.ID, RoleOriginID: site.SiteRoles[0].ID}
	}
	var changes []connector.Change
	for _, u := range us {
		changes = append(changes, add(role(g, access.RelMember, u)), add(role(g, access.RelOwner, u)), add(app(u)), add(siteRole(u)))
	}
	// Revoked in the same batch: the first user's app role (granted above), the last's
	// site role (granted above), and the second's membership of a group they never had.
	changes = append(changes, remove(app(us[0])), remove(siteRole(us[2])), remove(role(f.Group("Other"), access.RelMember, us[1])))
	want := slices.Repeat([]string{"ok"}, len(changes))
	want[len(want)-1] = "done"

	if got := summary(f.conn.Apply(f.Ctx, changes)); !slices.Equal(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	if f.probe.writes != 1 || f.probe.userGets != len(us) {
		t.Errorf("%d write transactions and %d reads of users, want 1 and %d", f.probe.writes, f.probe.userGets, len(us))
	}
	held := func() (apps, sites []string) {
		f.Must(f.Svc.Store().Read(f.Ctx, func(tx access.Tx) error {
			as, err := tx.AppRoleAssignments().List(f.Ctx, access.By(access.KeyResource, sp.ID))
			for _, a := range as {
				apps = append(apps, a.PrincipalID)
			}
			if err != nil {
				return err
			}
			ss, err := tx.SiteRoleAssignments().List(f.Ctx, access.By(access.KeyResource, site.ID))
			for _, s := range ss {
				sites = append(sites, s.PrincipalID)
			}
			return err
		}))
		slices.Sort(apps)
		slices.Sort(sites)
		return apps, sites
	}
	apps, sites := held()
	wantApps, wantSites := []string{us[1].ID, us[2].ID}, []string{us[0].ID, us[1].ID}
	slices.Sort(wantApps)
	slices.Sort(wantSites)
	if !slices.Equal(apps, wantApps) || !slices.Equal(sites, wantSites) {
		t.Errorf("app role holders %v (want %v), site role holders %v (want %v)", apps, wantApps, sites, wantSites)
	}
	if len(f.members(g, access.RelMember)) != 3 || len(f.members(g, access.RelOwner)) != 3 {
		t.Errorf("members %v, owners %v", f.members(g, access.RelMember), f.members(g, access.RelOwner))
	}

	// Again: the grants that stand and the revocations are AlreadyDone; the first user's app
	// role and the last's site role were revoked after their grant, so granting them again
	// succeeds, and revoking them again right after is success too.
	want = slices.Repeat([]string{"done"}, len(changes))
	want[2], want[len(us)*4-1], want[len(us)*4], want[len(us)*4+1] = "ok", "ok", "ok", "ok"
	if got := summary(f.conn.Apply(f.Ctx, changes)); !slices.Equal(got, want) {
		t.Fatalf("outcomes of the same batch again\n got %v\nwant %v", got, want)
	}

	// One by one, Grant and Revoke say the same.
	if res, err := f.conn.Grant(f.Ctx, app(us[1])); err != nil || !res.AlreadyDone {
		t.Errorf("Grant of a held app role = %+v, %v", res, err)
	}
	if res, err := f.conn.Revoke(f.Ctx, siteRole(us[1])); err != nil || res.AlreadyDone {
		t.Errorf("Revoke of a held site role = %+v, %v", res, err)
	}
	if res, err := f.conn.Revoke(f.Ctx, siteRole(us[1])); err != nil || !res.AlreadyDone {
		t.Errorf("Revoke of a site role no longer held = %+v, %v", res, err)
	}
	if _, err := f.conn.Grant(f.Ctx, role(g, access.RelMember, access.User{ID: access.NewUUID()})); !access.IsKind(err, access.KindNotFound) {
		t.Errorf("Grant to a user who does not exist: %v", err)
	}
}

// TestApplyRetriesTransaction fails the batch's first transaction with a version conflict
// (as a concurrent write would): Apply tries the batch again, and it goes in whole in
// the second transaction (REQ-8: a failure of the transaction is no failure of a change).
func TestApplyRetriesTransaction(t *testing.T) { // REQ-8
	f := newFixture(t)
	g := f.Group("Sales")
	us := users(t, f.Svc.Store(), 10)
	f.probe.relate = func(n int, _ string) error {
		if n == 1 {
			return access.ErrVersionConflict
		}
		return nil
	}
	var changes []connector.Change
	for _, u := range us {
		changes = append(changes, add(role(g, access.RelMember, u)))
	}
	if got, want := summary(f.conn.Apply(f.Ctx, changes)), slices.Repeat([]string{"ok"}, len(us)); !slices.Equal(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	if f.probe.writes != 2 {
		t.Errorf("%d write transactions, want 2", f.probe.writes)
	}
	if got := f.members(g, access.RelMember); len(got) != len(us) {
		t.Errorf("the group has %d members, want %d", len(got), len(us))
	}
}

// TestApplyFallsBackToOneTransactionPerChange makes every transaction that relates one
// user fail with a busy database: after three tries of the batch, each change gets a
// transaction of its own, so only that user's change fails, with the transient error the
// worker retries later (REQ-8); the others are delivered.
func TestApplyFallsBackToOneTransactionPerChange(t *testing.T) { // REQ-8
	f := newFixture(t)
	g := f.Group("Sales")
	us := users(t, f.Svc.Store(), 10)
	bad := us[4]
	f.probe.relate = func(_ int, objectID string) error {
		if objectID == bad.ID {
			return access.E(access.KindTransient, "the database is busy; retry")
		}
		return nil
	}
	var changes []connector.Change
	for _, u := range us {
		changes = append(changes, add(role(g, access.RelMember, u)))
	}
	want := slices.Repeat([]string{"ok"}, len(us))
	want[4] = "transient"
	if got := summary(f.conn.Apply(f.Ctx, changes)); !slices.Equal(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	// Three tries of the batch, then one transaction for each good change and three tries
	// of the bad one.
	if want := 3 + (len(us) - 1) + 3; f.probe.writes != want {
		t.Errorf("%d write transactions, want %d", f.probe.writes, want)
	}
	got := f.members(g, access.RelMember)
	if len(got) != len(us)-1 || slices.Contains(got, bad.ID) {
		t.Errorf("the group has %d members (want %d, without the failed one)", len(got), len(us)-1)
	}
}

// BenchmarkDirectoryApply grants 1,000 users the membership of one group with one Apply,
// into a new group each iteration. Run it with
//
//	go test -run '^$' -bench DirectoryApply -benchtime 1x ./internal/connector/directory
func BenchmarkDirectoryApply(b *testing.B) {
	const n = 1000
	svc := sqlitetest.Service(b)
	ctx := context.Background()
	us := users(b, svc.Store(), n)
	conn := directory.New(svc.Store(), nil, nil)
	changes := make([]connector.Change, n)
	for i := range b.N {
		b.StopTimer()
		g, err := svc.CreateGroup(ctx, access.SystemActor, access.Group{DisplayName: fmt.Sprintf("Group %d", i), SecurityEnabled: true, MailNickname: fmt.Sprintf("g%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		for j, u := range us {
			changes[j] = add(role(g, access.RelMember, u))
		}
		b.StartTimer()
		for j, o := range conn.Apply(ctx, changes) {
			if o.Err != nil || o.Result.AlreadyDone {
				b.Fatalf("change %d: %+v", j, o)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/grant")
}
