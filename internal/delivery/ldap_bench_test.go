package delivery_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/configured"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
	"github.com/bestowhq/bestow/internal/delivery"
	"github.com/bestowhq/bestow/internal/notify"
	"github.com/bestowhq/bestow/internal/postgres/pgtest"
	"github.com/bestowhq/bestow/internal/sqlite"
)

// BenchmarkLDAPDelivery direct-assigns 10,000 users to a package holding one LDAP group
// on a real slapd and measures, after the assignments committed, the time until every one
// is delivered (s/deliver), and after they expire the time until every membership is
// revoked (s/revoke), with the worker's default options. The mail about them is sent
// afterwards and timed apart (the outbox is not delivery). Run it with
//
//	go test -run '^$' -bench LDAPDelivery -benchtime 1x ./internal/delivery
//
// On PostgreSQL too when BESTOW_TEST_POSTGRES is set (see internal/postgres/pgtest).
func BenchmarkLDAPDelivery(b *testing.B) {
	const n = 10000
	stores := map[string]func(b *testing.B) access.Store{
		"sqlite": func(b *testing.B) access.Store {
			store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { store.Close() })
			return store
		},
	}
	if os.Getenv("BESTOW_TEST_POSTGRES") != "" {
		stores["postgres"] = func(b *testing.B) access.Store { return pgtest.Open(b) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := stores[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				deliver, revoke := ldapDelivery(b, open(b), n)
				b.ReportMetric(deliver.Seconds(), "s/deliver")
				b.ReportMetric(revoke.Seconds(), "s/revoke")
			}
		})
	}
}

func ldapDelivery(b *testing.B, store access.Store, n int) (deliver, revoke time.Duration) {
	ldif, mails := ldaptest.Users(n)
	slapd := ldaptest.Start(b, ldaptest.WithLDIF(ldif))
	ctx := context.Background()
	clock := accesstest.NewClock()
	svc := access.NewService(store, clock, nil)
	if err := svc.Init(ctx); err != nil {
		b.Fatal(err)
	}
	builtin := connector.Registry{}
	directory.New(svc.Store(), nil, nil).Register(builtin)
	set := configured.New(builtin, map[string]configured.Factory{access.ConnectorLDAP: ldap.FromConfig}, svc.Connector)
	b.Cleanup(set.Close)
	svc.SetTargets(set)
	worker := delivery.New(svc, set, delivery.Options{Outbox: notify.NewOutbox(svc, nil)})
	sys := access.SystemActor
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	_, err := svc.CreateConnector(ctx, sys, access.ConnectorConfig{ID: "corp-ldap", Type: access.ConnectorLDAP, DisplayName: "LDAP",
		Settings: map[string]any{"url": slapd.URL, "bindDN": slapd.BindDN, "bindPassword": slapd.Password, "baseDN": slapd.BaseDN,
			"placeholderMember": slapd.BindDN}})
	must(err)
	cat, err := svc.CreateCatalog(ctx, sys, access.Catalog{DisplayName: "Bench", State: access.CatalogPublished})
	must(err)
	dn := ldaptest.GroupDN("engineering")
	_, _, err = svc.RequestResource(ctx, sys, access.ResourceChange{RequestType: access.ResourceAdminAdd, CatalogID: cat.ID, OriginSystem: "corp-ldap", OriginID: dn})
	must(err)
	p, err := svc.CreatePackage(ctx, sys, access.Package{DisplayName: "Engineering"}, cat.ID)
	must(err)
	_, err = svc.AddRoleScope(ctx, sys, p.ID, access.RoleRef{OriginSystem: "corp-ldap", ResourceOriginID: dn, RoleOriginID: "Member"})
	must(err)
	day := access.Duration(24 * time.Hour)
	pol, err := svc.CreatePolicy(ctx, sys, access.Policy{DisplayName: "Direct", AllowedTargetScope: access.ScopeNotSpecified,
		Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &day}}, p.ID)
	must(err)
	// The users are fixtures written straight to the store, a thousand per transaction.
	ids := make([]string, n)
	for start := 0; start < n; start += 1000 {
		must(svc.Store().Write(ctx, func(tx access.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				u := access.User{ID: access.NewUUID(), DisplayName: mails[i], UserPrincipalName: mails[i], Mail: mails[i], AccountEnabled: true, UserType: "Member"}
				if err := tx.Users().Put(ctx, &u); err != nil {
					return err
				}
				ids[i] = u.ID
			}
			return nil
		}))
	}
	for _, id := range ids {
		_, err := svc.SubmitRequest(ctx, sys, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: p.ID, PolicyID: pol.ID, TargetID: id})
		must(err)
	}
	b.StartTimer()
	start := time.Now()
	must(drain(ctx, worker.Deliver))
	deliver = time.Since(start)
	b.StopTimer()
	start = time.Now()
	must(worker.RunOnce(ctx)) // the mail of the delivered assignments
	mail := time.Since(start)
	if got := len(slapd.Members(dn)); got != n+1 { // and alice, there before
		b.Fatalf("after delivery the group has %d members, want %d", got, n+1)
	}
	delivered := count(b, svc, pol.ID, access.AsgDelivered)
	if delivered != n {
		b.Fatalf("%d of %d assignments delivered", delivered, n)
	}
	// Every assignment ends a day later; the sweep ends them and the worker revokes.
	clock.Advance(24*time.Hour + time.Minute)
	b.StartTimer()
	start = time.Now()
	must(drain(ctx, func(ctx context.Context) (int, error) {
		swept, err := svc.Sweep(ctx)
		if err != nil {
			return 0, err
		}
		delivered, err := worker.Deliver(ctx)
		return swept + delivered, err
	}))
	revoke = time.Since(start)
	b.StopTimer()
	start = time.Now()
	must(worker.RunOnce(ctx))
	mail += time.Since(start)
	if got := slapd.Members(dn); len(got) != 1 || got[0] != ldaptest.UserDN("alice") {
		b.Fatalf("after expiry the group has %d members, want only alice, who was there before", len(got))
	}
	if expired := count(b, svc, pol.ID, access.AsgExpired); expired != n {
		b.Fatalf("%d of %d assignments expired", expired, n)
	}
	fmt.Printf("ldap (%s): %d assignments delivered in %v, revoked on expiry in %v; their %d messages queued and sent in %v\n",
		b.Name(), n, deliver.Round(time.Millisecond), revoke.Round(time.Millisecond), 2*n, mail.Round(time.Millisecond))
	return deliver, revoke
}

// drain runs step until it finds nothing to do.
func drain(ctx context.Context, step func(context.Context) (int, error)) error {
	for {
		n, err := step(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// count counts a policy's assignments in a state.
func count(b *testing.B, svc *access.Service, policyID, state string) int {
	var n int
	err := svc.Store().Read(context.Background(), func(tx access.Tx) error {
		var err error
		n, err = tx.Assignments().Count(context.Background(), access.By(access.KeyPolicy, policyID), access.By(access.KeyState, state))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
