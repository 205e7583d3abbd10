package accesstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// runAudit checks the audit log (RPT-2): the store records every change, in the change's
// transaction, with the actor and time from the context; entries can be searched.
func runAudit(t *testing.T, open Opener) {
	ctx := context.Background()
	admin := access.Actor{UserID: "admin-1", DisplayName: "Ada Admin",
		Grants: access.NewGrants([]access.RoleAssignment{{PrincipalID: "admin-1", RoleDefinitionID: access.RoleGlobalAdmin, AppScopeID: "/"}})}

	t.Run("RPT-2 a change through the service records actor, time, before and after", func(t *testing.T) {
		svc, clock := NewService(t, open)
		actx := access.WithActor(ctx, admin)
		created := clock.Now()
		c, err := svc.CreateCatalog(actx, admin, access.Catalog{DisplayName: "Sales", State: access.CatalogPublished})
		must(t, err)
		clock.Advance(time.Hour)
		updated := clock.Now()
		_, err = svc.UpdateCatalog(actx, admin, c.ID, func(c *access.Catalog) error { c.DisplayName = "Sales EMEA"; return nil })
		must(t, err)
		clock.Advance(time.Hour)
		deleted := clock.Now()
		must(t, svc.DeleteCatalog(actx, admin, c.ID))

		got, err := svc.Audit(ctx, admin, access.AuditQuery{ObjectType: access.AuditCatalog, ObjectID: c.ID})
		must(t, err)
		if len(got) != 3 {
			t.Fatalf("got %d entries for the catalog, want 3 (create, update, delete): %+v", len(got), got)
		}
		want := []struct {
			action        string
			at            time.Time
			before, after string // a displayName, or "" for no document
		}{
			{access.AuditCreate, created, "", "Sales"},
			{access.AuditUpdate, updated, "Sales", "Sales EMEA"},
			{access.AuditDelete, deleted, "Sales EMEA", ""},
		}
		for i, w := range want {
			e := got[i]
			if e.Action != w.action || !e.Time.Equal(w.at) || e.ActorID != admin.UserID || e.ActorName != admin.DisplayName ||
				e.ObjectType != access.AuditCatalog || e.ObjectID != c.ID || e.ID == "" {
				t.Errorf("entry %d = %+v; want %s at %v by %s", i, e, w.action, w.at, admin.DisplayName)
			}
			if n := displayName(t, e.Before); n != w.before {
				t.Errorf("entry %d (%s): before has displayName %q, want %q (%s)", i, e.Action, n, w.before, e.Before)
			}
			if n := displayName(t, e.After); n != w.after {
				t.Errorf("entry %d (%s): after has displayName %q, want %q (%s)", i, e.Action, n, w.after, e.After)
			}
		}
		if got[0].ID == got[1].ID || got[1].ID == got[2].ID {
			t.Errorf("entry ids repeat: %s %s %s", got[0].ID, got[1].ID, got[2].ID)
		}
		// The catalog's creator became its owner in the same change, also recorded.
		ras, err := svc.Audit(ctx, admin, access.AuditQuery{ObjectType: access.AuditRoleAssignment, Action: access.AuditCreate})
		must(t, err)
		if len(ras) != 1 || ras[0].ActorID != admin.UserID || !ras[0].Time.Equal(created) {
			t.Errorf("owner role assignment entries = %+v", ras)
		}
	})

	t.Run("RPT-2 changes without an actor are Bestow's own", func(t *testing.T) {
		svc, _ := NewService(t, open) // Init creates the Default catalog and the settings
		got, err := svc.Audit(ctx, admin, access.AuditQuery{ObjectType: access.AuditSettings})
		must(t, err)
		if len(got) != 1 || got[0].ActorID != "" || got[0].ActorName != access.SystemActor.DisplayName || got[0].Action != access.AuditCreate {
			t.Errorf("settings entries = %+v, want one create by %s", got, access.SystemActor.DisplayName)
		}
	})

	t.Run("RPT-2 filters, order and paging", func(t *testing.T) {
		svc, clock := NewService(t, open)
		bob := access.Actor{UserID: "bob-1", DisplayName: "Bob", Grants: admin.Grants}
		start := clock.Now()
		var ids []string
		for i, who := range []access.Actor{admin, bob, admin, bob} {
			clock.Advance(time.Minute)
			g, err := svc.CreateGroup(access.WithActor(ctx, who), who, access.Group{DisplayName: fmt.Sprintf("G%d", i), SecurityEnabled: true, MailNickname: "g"})
			must(t, err)
			ids = append(ids, g.ID)
		}
		clock.Advance(time.Minute)
		_, err := svc.UpdateGroup(access.WithActor(ctx, bob), bob, ids[0], func(g *access.Group) error { g.Description = "x"; return nil })
		must(t, err)

		at := func(m int) *time.Time { t := start.Add(time.Duration(m) * time.Minute); return &t }
		groups := access.AuditQuery{ObjectType: access.AuditGroup}
		for _, tc := range []struct {
			name string
			q    access.AuditQuery
			want string // "group index/action" of each entry, in order
		}{
			{"all groups", groups, "0/create 1/create 2/create 3/create 0/update"},
			{"by actor", with(groups, func(q *access.AuditQuery) { q.ActorID = "bob-1" }), "1/create 3/create 0/update"},
			{"by object", with(groups, func(q *access.AuditQuery) { q.ObjectID = ids[0] }), "0/create 0/update"},
			{"by action", with(groups, func(q *access.AuditQuery) { q.Action = access.AuditUpdate }), "0/update"},
			{"since (inclusive)", with(groups, func(q *access.AuditQuery) { q.Since = at(3) }), "2/create 3/create 0/update"},
			{"until (exclusive)", with(groups, func(q *access.AuditQuery) { q.Until = at(3) }), "0/create 1/create"},
			{"between", with(groups, func(q *access.AuditQuery) { q.Since, q.Until = at(2), at(4) }), "1/create 2/create"},
			{"limit", with(groups, func(q *access.AuditQuery) { q.Limit = 2 }), "0/create 1/create"},
			{"offset", with(groups, func(q *access.AuditQuery) { q.Offset = 3 }), "3/create 0/update"},
			{"limit and offset", with(groups, func(q *access.AuditQuery) { q.Limit, q.Offset = 2, 1 }), "1/create 2/create"},
			{"nothing matches", with(groups, func(q *access.AuditQuery) { q.ActorID = "nobody" }), ""},
		} {
			got, err := svc.Audit(ctx, admin, tc.q)
			must(t, err)
			var desc []string
			for _, e := range got {
				desc = append(desc, fmt.Sprintf("%d/%s", indexOf(ids, e.ObjectID), e.Action))
			}
			if s := strings.Join(desc, " "); s != tc.want {
				t.Errorf("%s: got %q, want %q", tc.name, s, tc.want)
			}
		}
		_, err = svc.Audit(ctx, admin, access.AuditQuery{Action: "rename"})
		wantKind(t, err, access.KindInvalid)
		_, err = svc.Audit(ctx, admin, access.AuditQuery{ObjectType: "groups"})
		wantKind(t, err, access.KindInvalid)
	})

	t.Run("RPT-2 reading the audit log needs a tenant-wide role", func(t *testing.T) {
		svc, _ := NewService(t, open)
		for _, role := range []string{access.RoleGlobalAdmin, access.RoleGovernanceAdmin} {
			who := access.Actor{UserID: "x", Grants: access.NewGrants([]access.RoleAssignment{{PrincipalID: "x", RoleDefinitionID: role, AppScopeID: "/"}})}
			_, err := svc.Audit(ctx, who, access.AuditQuery{})
			must(t, err)
		}
		owner := access.Actor{UserID: "o", Grants: access.NewGrants([]access.RoleAssignment{{PrincipalID: "o", RoleDefinitionID: access.RoleCatalogOwner, AppScopeID: access.CatalogScope("c")}})}
		for _, who := range []access.Actor{{UserID: "plain"}, owner} {
			_, err := svc.Audit(ctx, who, access.AuditQuery{})
			wantKind(t, err, access.KindForbidden)
			if err != nil && !strings.Contains(err.Error(), "read the audit log") {
				t.Errorf("error does not say what was refused: %v", err)
			}
		}
	})

	t.Run("RPT-2 group relations and tokens are recorded, token hashes are not", func(t *testing.T) {
		svc, _ := NewService(t, open)
		actx := access.WithActor(ctx, admin)
		u, err := svc.CreateUser(actx, admin, access.User{DisplayName: "Cy", UserPrincipalName: "cy@contoso.com", AccountEnabled: true})
		must(t, err)
		g, err := svc.CreateGroup(actx, admin, access.Group{DisplayName: "Staff", SecurityEnabled: true, MailNickname: "staff"})
		must(t, err)
		must(t, svc.AddRelation(actx, admin, g.ID, access.RelMember, u.ID))
		must(t, svc.RemoveRelation(actx, admin, g.ID, access.RelMember, u.ID))
		got, err := svc.Audit(ctx, admin, access.AuditQuery{ObjectType: access.AuditGroupMember, ObjectID: g.ID})
		must(t, err)
		if len(got) != 2 || got[0].Action != access.AuditRelate || got[1].Action != access.AuditUnrelate ||
			!strings.Contains(string(got[0].After), u.ID) || got[0].Before != nil ||
			!strings.Contains(string(got[1].Before), u.ID) || got[1].After != nil || got[0].ActorID != admin.UserID {
			t.Errorf("membership entries = %s", entries(got))
		}

		secret, tok, err := svc.CreateToken(actx, u.ID, "ci", 0)
		must(t, err)
		must(t, svc.RevokeToken(actx, tok.ID))
		got, err = svc.Audit(ctx, admin, access.AuditQuery{ObjectType: access.AuditToken, ObjectID: tok.ID})
		must(t, err)
		if len(got) != 2 || got[0].Action != access.AuditCreate || got[1].Action != access.AuditUpdate ||
			!strings.Contains(string(got[1].After), "revokedDateTime") {
			t.Errorf("token entries = %s", entries(got))
		}
		for _, e := range got {
			for _, doc := range []json.RawMessage{e.Before, e.After} {
				if strings.Contains(string(doc), `"hash"`) || strings.Contains(string(doc), access.HashToken(secret)) || strings.Contains(string(doc), secret) {
					t.Errorf("token entry %s keeps the hash or the secret: %s", e.Action, doc)
				}
			}
		}
	})

	t.Run("RPT-2 entries share the fate of their transaction", func(t *testing.T) {
		s := open(t)
		count := func() int {
			var n int
			must(t, s.Read(ctx, func(tx access.Tx) error {
				list, err := tx.AuditLog(ctx, access.AuditQuery{})
				n = len(list)
				return err
			}))
			return n
		}
		actx := access.WithActor(access.WithTime(ctx, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)), admin)
		boom := errors.New("boom")
		err := s.Write(actx, func(tx access.Tx) error {
			g := access.Group{ID: "g", DisplayName: "one"}
			if err := tx.Groups().Put(actx, &g); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != 0 {
			t.Fatalf("a rolled-back change left %d audit entries (err %v)", count(), err)
		}
		g := access.Group{ID: "g", DisplayName: "one"}
		must(t, s.Write(actx, func(tx access.Tx) error { return tx.Groups().Put(actx, &g) }))
		stale := g
		g.DisplayName = "two"
		must(t, s.Write(actx, func(tx access.Tx) error { return tx.Groups().Put(actx, &g) }))
		must(t, s.Write(actx, func(tx access.Tx) error { return tx.Groups().Put(actx, &g) })) // no change: not recorded
		stale.DisplayName = "three"
		err = s.Write(actx, func(tx access.Tx) error { return tx.Groups().Put(actx, &stale) })
		if !errors.Is(err, access.ErrVersionConflict) {
			t.Fatalf("stale put: %v", err)
		}
		err = s.Write(actx, func(tx access.Tx) error { return tx.Groups().Delete(actx, "missing") })
		wantKind(t, err, access.KindNotFound)
		if n := count(); n != 2 {
			t.Errorf("%d entries after create, update, an unchanged put, a conflict and a failed delete; want 2", n)
		}
		// The ledger is delivery bookkeeping and is not recorded.
		must(t, s.Write(actx, func(tx access.Tx) error {
			e := access.LedgerEntry{ID: "l1", SubjectID: "u"}
			return tx.Ledger().Put(actx, &e)
		}))
		if n := count(); n != 2 {
			t.Errorf("a ledger entry was audited: %d entries", n)
		}
		// The store's contract offers no way to change or remove an entry: access.Tx has
		// only AuditLog, a read. (The tables also refuse UPDATE; see the migrations.)
	})
}

func with(q access.AuditQuery, f func(*access.AuditQuery)) access.AuditQuery { f(&q); return q }

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// displayName reads the displayName of an audit document; "" for no document.
func displayName(t *testing.T, doc json.RawMessage) string {
	t.Helper()
	if doc == nil {
		return ""
	}
	var v struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("audit document is not JSON: %v: %s", err, doc)
	}
	return v.DisplayName
}

func entries(list []access.AuditEntry) string {
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "\n  %s %s %s by %q before=%s after=%s", e.Action, e.ObjectType, e.ObjectID, e.ActorID, e.Before, e.After)
	}
	return b.String()
}
