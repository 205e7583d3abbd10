package ldap_test

import (
	"context"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
)

// benchUsers is how many users the benchmarks add to one group and remove again.
const benchUsers = 10000

// BenchmarkApply10000 adds 10,000 users to one group through Apply and removes them
// again, against slapd. It reports the seconds of each half.
//
//	go test -run '^$' -bench 10000 -benchtime 1x ./internal/connector/ldap/
func BenchmarkApply10000(b *testing.B) {
	ldif, mails := ldaptest.Users(benchUsers)
	srv := ldaptest.Start(b, ldaptest.WithLDIF(ldif))
	c := newConnector(b, srv, nil)
	ctx := context.Background()
	add, remove := changes("engineering", true, mails...), changes("engineering", false, mails...)
	var addTime, removeTime time.Duration
	for b.Loop() {
		start := time.Now()
		checkOutcomes(b, c.Apply(ctx, add))
		mid := time.Now()
		checkOutcomes(b, c.Apply(ctx, remove))
		addTime, removeTime = addTime+mid.Sub(start), removeTime+time.Since(mid)
	}
	b.ReportMetric(addTime.Seconds()/float64(b.N), "s-add/op")
	b.ReportMetric(removeTime.Seconds()/float64(b.N), "s-remove/op")
	if n := len(srv.Members(ldaptest.GroupDN("engineering"))); n != 1 {
		b.Fatalf("engineering has %d members after the benchmark, want 1 (alice)", n)
	}
}

// BenchmarkGrant10000 does the same with one Grant and one Revoke call per user, for
// comparison with BenchmarkApply10000.
func BenchmarkGrant10000(b *testing.B) {
	ldif, mails := ldaptest.Users(benchUsers)
	srv := ldaptest.Start(b, ldaptest.WithLDIF(ldif))
	c := newConnector(b, srv, nil)
	ctx := context.Background()
	var addTime, removeTime time.Duration
	for b.Loop() {
		start := time.Now()
		for _, m := range mails {
			if _, err := c.Grant(ctx, grant("engineering", m)); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		for _, m := range mails {
			if _, err := c.Revoke(ctx, grant("engineering", m)); err != nil {
				b.Fatal(err)
			}
		}
		addTime, removeTime = addTime+mid.Sub(start), removeTime+time.Since(mid)
	}
	b.ReportMetric(addTime.Seconds()/float64(b.N), "s-add/op")
	b.ReportMetric(removeTime.Seconds()/float64(b.N), "s-remove/op")
}

func checkOutcomes(b *testing.B, out []connector.Outcome) {
	b.Helper()
	for i, o := range out {
		if o.Err != nil || o.Result.AlreadyDone {
			b.Fatalf("outcome %d = %+v, want a change", i, o)
		}
	}
}
