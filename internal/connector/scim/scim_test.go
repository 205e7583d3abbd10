package scim_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/scim"
	"github.com/bestowhq/bestow/internal/connector/scim/scimtest"
)

// newConnector returns a connector to srv with the settings changed by mods.
func newConnector(t *testing.T, srv *scimtest.Server, mods ...func(*scim.Settings)) *scim.Connector {
	t.Helper()
	s := scim.Settings{URL: srv.URL, Token: srv.Token, Timeout: "5s"}
	for _, m := range mods {
		m(&s)
	}
	c, err := scim.New(s, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// grant is a Member grant of group gid to the subject with that userPrincipalName.
func grant(gid, upn string) access.RoleGrant {
	return access.RoleGrant{Key: "k-" + gid + "-" + upn, SubjectID: "subj-" + upn, OriginSystem: "scim",
		ResourceOriginID: gid, RoleOriginID: connector.RoleMember, Subject: access.SubjectRef{UserPrincipalName: upn}}
}

// wantErr fails unless err is an *access.Error of kind k whose message contains msg.
func wantErr(t *testing.T, err error, k access.Kind, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v containing %q", k, msg)
	}
	if got := access.KindOf(err); got != k || !strings.Contains(err.Error(), msg) {
		t.Fatalf("got %v error %q, want %v containing %q", got, err, k, msg)
	}
}

func wantMembers(t *testing.T, srv *scimtest.Server, gid string, want ...string) {
	t.Helper()
	got := srv.Members(gid)
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("members of %s: got %v, want %v", gid, got, want)
	}
}

func wantResult(t *testing.T, what string, res access.DeliveryResult, err error, alreadyDone bool) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if res.AlreadyDone != alreadyDone {
		t.Fatalf("%s: AlreadyDone = %v, want %v", what, res.AlreadyDone, alreadyDone)
	}
}

func TestGrantRevoke(t *testing.T) { // CON-4 REQ-8: Grant and Revoke are idempotent
	srv := scimtest.Start(t)
	ctx := context.Background()
	ann := srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	bob := srv.AddUser(scimtest.User{UserName: "bob@example.com"})
	gid := srv.AddGroup("Engineers", bob)
	c := newConnector(t, srv)

	res, err := c.Grant(ctx, grant(gid, "ann@example.com"))
	wantResult(t, "grant", res, err, false)
	wantMembers(t, srv, gid, bob, ann)
	res, err = c.Grant(ctx, grant(gid, "ann@example.com"))
	wantResult(t, "grant again", res, err, true)
	wantMembers(t, srv, gid, bob, ann)

	res, err = c.Revoke(ctx, grant(gid, "ann@example.com"))
	wantResult(t, "revoke", res, err, false)
	wantMembers(t, srv, gid, bob)
	res, err = c.Revoke(ctx, grant(gid, "ann@example.com"))
	wantResult(t, "revoke again", res, err, true)
	wantMembers(t, srv, gid, bob)

	// bob was a member before: granting is AlreadyDone (the ledger marks it pre-existing).
	res, err = c.Grant(ctx, grant(gid, "bob@example.com"))
	wantResult(t, "grant to a member", res, err, true)

	// A user deleted from the target has nothing left to revoke.
	srv.DeleteUser(bob)
	res, err = c.Revoke(ctx, grant(gid, "bob@example.com"))
	wantResult(t, "revoke a deleted user", res, err, true)
}

func TestGrantWrongRole(t *testing.T) {
	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	gid := srv.AddGroup("Engineers")
	g := grant(gid, "ann@example.com")
	g.RoleOriginID = connector.RoleOwner
	_, err := newConnector(t, srv).Grant(context.Background(), g)
	wantErr(t, err, access.KindInvalid, "only the Member role")
}

func TestUnknownUser(t *testing.T) { // REQ-8: a user missing in the target is a permanent error
	srv := scimtest.Start(t)
	gid := srv.AddGroup("Engineers")
	c := newConnector(t, srv)
	_, err := c.Grant(context.Background(), grant(gid, "nobody@example.com"))
	wantErr(t, err, access.KindNotFound, `no SCIM user with userName eq "nobody@example.com"; provision the user`)
	res, err := c.Revoke(context.Background(), grant(gid, "nobody@example.com"))
	wantResult(t, "revoke for an unknown user", res, err, true)

	_, err = c.Grant(context.Background(), access.RoleGrant{ResourceOriginID: gid, RoleOriginID: connector.RoleMember})
	wantErr(t, err, access.KindFailedPrecondition, "the user has no userPrincipalName")
}

func TestAmbiguousUser(t *testing.T) { // REQ-8
	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "a1", Emails: []string{"shared@example.com"}})
	srv.AddUser(scimtest.User{UserName: "a2", Emails: []string{"shared@example.com"}})
	gid := srv.AddGroup("Engineers")
	c := newConnector(t, srv, func(s *scim.Settings) { s.UserAttribute, s.UserProperty = "emails.value", "mail" })
	g := grant(gid, "")
	g.Subject.Mail = "shared@example.com"
	_, err := c.Grant(context.Background(), g)
	wantErr(t, err, access.KindFailedPrecondition, `several SCIM users have emails.value eq "shared@example.com"`)
}

func TestFilterEscaping(t *testing.T) {
	srv := scimtest.Start(t)
	odd := `o"brien\x`
	srv.AddUser(scimtest.User{UserName: `o"brien`})
	id := srv.AddUser(scimtest.User{UserName: odd})
	gid := srv.AddGroup("Engineers")
	res, err := newConnector(t, srv).Grant(context.Background(), grant(gid, odd))
	wantResult(t, "grant", res, err, false)
	wantMembers(t, srv, gid, id)
}

func TestUnknownGroup(t *testing.T) { // REQ-8
	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	c := newConnector(t, srv)
	_, err := c.Grant(context.Background(), grant("Group-99999", "ann@example.com"))
	wantErr(t, err, access.KindNotFound, "SCIM group 'Group-99999' does not exist")
	_, err = c.Revoke(context.Background(), grant("Group-99999", "ann@example.com"))
	wantErr(t, err, access.KindNotFound, "SCIM group 'Group-99999' does not exist")
	_, err = c.Resolve(context.Background(), "Group-99999")
	wantErr(t, err, access.KindNotFound, "SCIM group 'Group-99999' does not exist")
	_, err = c.Members(context.Background(), "Group-99999", connector.RoleMember)
	wantErr(t, err, access.KindNotFound, "SCIM group 'Group-99999' does not exist")
}

func TestWrongToken(t *testing.T) { // REQ-8: a refused token is permanent
	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	gid := srv.AddGroup("Engineers")
	c := newConnector(t, srv, func(s *scim.Settings) { s.Token = "wrong" })
	_, err := c.Grant(context.Background(), grant(gid, "ann@example.com"))
	wantErr(t, err, access.KindFailedPrecondition, "the SCIM server refused the token: the bearer token is missing or not valid")
	wantMembers(t, srv, gid)
}

func TestUnavailableThenRecovers(t *testing.T) { // CON-4 REQ-8: 503 is transient
	srv := scimtest.Start(t)
	ann := srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	gid := srv.AddGroup("Engineers")
	c := newConnector(t, srv)
	srv.SetUnavailable(true)
	_, err := c.Grant(context.Background(), grant(gid, "ann@example.com"))
	wantErr(t, err, access.KindTransient, "the SCIM server is unavailable: the service is down for maintenance (503")
	wantMembers(t, srv, gid)

	srv.SetUnavailable(false)
	res, err := c.Grant(context.Background(), grant(gid, "ann@example.com"))
	wantResult(t, "grant after recovery", res, err, false)
	wantMembers(t, srv, gid, ann)
}

func TestThrottled(t *testing.T) { // CON-4 REQ-8: 429 is transient
	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	gid := srv.AddGroup("Engineers")
	c := newConnector(t, srv)
	srv.SetThrottled(true)
	_, err := c.Grant(context.Background(), grant(gid, "ann@example.com"))
	wantErr(t, err, access.KindTransient, "429")
	srv.SetThrottled(false)
	res, err := c.Grant(context.Background(), grant(gid, "ann@example.com"))
	wantResult(t, "grant after the throttle", res, err, false)
}

func TestServerGone(t *testing.T) { // REQ-8: an unreachable server is transient
	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	gid := srv.AddGroup("Engineers")
	c := newConnector(t, srv)
	srv.Close()
	_, err := c.Grant(context.Background(), grant(gid, "ann@example.com"))
	wantErr(t, err, access.KindTransient, "cannot reach the SCIM server at 127.0.0.1")
	_, err = c.Revoke(context.Background(), grant(gid, "ann@example.com"))
	wantErr(t, err, access.KindTransient, "cannot reach the SCIM server")
}

func TestTimeout(t *testing.T) { // REQ-8: a server that does not answer in time is transient
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts connections, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	c, err := scim.New(scim.Settings{URL: "http://" + l.Addr().String() + "/scim/v2", Token: "t", Timeout: "200ms"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Grant(context.Background(), grant("g", "ann@example.com"))
	wantErr(t, err, access.KindTransient, "did not answer GET /Users within 200ms")
}

func TestGroupsPaging(t *testing.T) { // CON-4: paging follows totalResults through the server's pages
	srv := scimtest.Start(t, scimtest.PageSize(30))
	for i := range 250 {
		srv.AddGroup(fmt.Sprintf("team-%03d", i))
	}
	c := newConnector(t, srv)
	srv.Requests()
	all, err := c.Groups(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 100 {
		t.Fatalf("Groups(\"\"): got %d groups, want the first 100", len(all))
	}
	for i, r := range all {
		if want := fmt.Sprintf("team-%03d", i); r.DisplayName != want || r.OriginID == "" ||
			len(r.Roles) != 1 || r.Roles[0].OriginID != connector.RoleMember {
			t.Fatalf("group %d: got %+v, want %s with the role Member", i, r, want)
		}
	}
	if got := srv.Requests(); len(got) != 4 { // 30 + 30 + 30 + 10
		t.Fatalf("Groups(\"\") sent %d requests, want 4 pages: %v", len(got), got)
	}

	found, err := c.Groups(context.Background(), "24")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range found {
		names = append(names, r.DisplayName)
	}
	want := []string{"team-024", "team-124", "team-224"}
	for i := range 10 {
		want = append(want, fmt.Sprintf("team-24%d", i))
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("Groups(\"24\"): got %v, want %v", names, want)
	}

	none, err := c.Groups(context.Background(), `no "such" group`)
	if err != nil || len(none) != 0 {
		t.Fatalf("Groups(no such group): got %v, %v; want none", none, err)
	}

	r, err := c.Resolve(context.Background(), all[7].OriginID)
	if err != nil || r.DisplayName != "team-007" {
		t.Fatalf("Resolve: got %+v, %v; want team-007", r, err)
	}
}

func TestMembers(t *testing.T) { // ASG-6: members mapped back to subjects, through paged lookups
	srv := scimtest.Start(t, scimtest.PageSize(7))
	var ids, want []string
	for i := range 250 {
		name := fmt.Sprintf("user%03d@example.com", i)
		ids = append(ids, srv.AddUser(scimtest.User{UserName: name}))
		want = append(want, name)
	}
	nested := srv.AddGroup("Nested")
	gid := srv.AddGroup("Everyone", append(ids, nested)...)
	c := newConnector(t, srv)

	got, err := c.Members(context.Background(), gid, connector.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		if s.Mail != "" || s.ID != "" {
			t.Fatalf("member %+v: want only userPrincipalName filled", s)
		}
		names = append(names, s.UserPrincipalName)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("Members: got %d %v..., want %d", len(names), names[:min(3, len(names))], len(want))
	}

	_, err = c.Members(context.Background(), gid, connector.RoleOwner)
	wantErr(t, err, access.KindInvalid, "only the Member role")
}

func TestUserAttributes(t *testing.T) { // CON-4 ASG-6 for the mapping back
	srv := scimtest.Start(t)
	ann := srv.AddUser(scimtest.User{UserName: "ann", ExternalID: "ann@corp.example", Emails: []string{"ann@example.com", "a@other.example"}})
	noMail := srv.AddUser(scimtest.User{UserName: "svc", ExternalID: "svc@corp.example"})
	ctx := context.Background()

	t.Run("emails.value", func(t *testing.T) {
		gid := srv.AddGroup("Mail", noMail)
		c := newConnector(t, srv, func(s *scim.Settings) { s.UserAttribute, s.UserProperty = "emails.value", "mail" })
		g := grant(gid, "")
		g.Subject.Mail = "ann@example.com"
		res, err := c.Grant(ctx, g)
		wantResult(t, "grant", res, err, false)
		wantMembers(t, srv, gid, noMail, ann)
		got, err := c.Members(ctx, gid, connector.RoleMember)
		if err != nil || !slices.Equal(got, []access.SubjectRef{{Mail: "ann@example.com"}}) {
			t.Fatalf("Members: got %v, %v; want ann's mail only (svc has no email)", got, err)
		}
		g.Subject.Mail = "a@other.example" // a secondary address matches too
		res, err = c.Grant(ctx, g)
		wantResult(t, "grant by secondary address", res, err, true)
	})
	t.Run("externalId", func(t *testing.T) {
		gid := srv.AddGroup("External")
		c := newConnector(t, srv, func(s *scim.Settings) { s.UserAttribute = "externalId" })
		res, err := c.Grant(ctx, grant(gid, "svc@corp.example"))
		wantResult(t, "grant", res, err, false)
		wantMembers(t, srv, gid, noMail)
		_, err = c.Grant(ctx, grant(gid, "svc")) // the userName is not the externalId
		wantErr(t, err, access.KindNotFound, `no SCIM user with externalId eq "svc"`)
		got, err := c.Members(ctx, gid, connector.RoleMember)
		if err != nil || !slices.Equal(got, []access.SubjectRef{{UserPrincipalName: "svc@corp.example"}}) {
			t.Fatalf("Members: got %v, %v", got, err)
		}
	})
}

func TestApply(t *testing.T) { // REQ-8: a failing change in a batch leaves the others done
	srv := scimtest.Start(t)
	ctx := context.Background()
	var users []string
	for i := range 160 {
		users = append(users, srv.AddUser(scimtest.User{UserName: fmt.Sprintf("u%03d", i)}))
	}
	inactive := srv.AddUser(scimtest.User{UserName: "inactive", Inactive: true})
	ga := srv.AddGroup("A", users[0], users[1])
	gb := srv.AddGroup("B")

	var changes []connector.Change
	add := func(gid, name string, add bool) {
		changes = append(changes, connector.Change{Grant: grant(gid, name), Add: add})
	}
	for i := 2; i < 150; i++ { // 148 adds to A: two PATCH requests
		add(ga, fmt.Sprintf("u%03d", i), true)
	}
	add(ga, "u000", true)     // 148: already a member
	add(ga, "u001", false)    // 149: revoked
	add(ga, "nobody", true)   // 150: unknown user
	add(ga, "inactive", true) // 151: the server refuses it
	add(ga, "u155", false)    // 152: not a member
	add(ga, "nobody", false)  // 153: unknown user, revoke
	for i := 150; i < 160; i++ {
		add(gb, fmt.Sprintf("u%03d", i), true) // 154..163
	}
	add(ga, "u002", true) // 164: repeats change 0
	add("Group-99999", "u003", true)

	srv.Requests()
	out := c(t, srv).Apply(ctx, changes)
	if len(out) != len(changes) {
		t.Fatalf("got %d outcomes for %d changes", len(out), len(changes))
	}
	for i, o := range out {
		switch i {
		case 148, 152, 153:
			wantResult(t, fmt.Sprintf("change %d", i), o.Result, o.Err, true)
		case 150:
			wantErr(t, o.Err, access.KindNotFound, `no SCIM user with userName eq "nobody"`)
		case 151:
			wantErr(t, o.Err, access.KindInvalid, fmt.Sprintf("user '%s' is inactive", inactive))
		case 165:
			wantErr(t, o.Err, access.KindNotFound, "SCIM group 'Group-99999' does not exist")
		default:
			wantResult(t, fmt.Sprintf("change %d", i), o.Result, o.Err, false)
		}
	}
	wantA := append([]string{users[0]}, users[2:150]...)
	wantMembers(t, srv, ga, wantA...)
	wantMembers(t, srv, gb, users[150:160]...)

	var patches []string
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r, "PATCH") {
			patches = append(patches, r)
		}
	}
	// A has 150 operations: 100 together, then 50 refused together (one is the inactive
	// user) and sent one by one; B: 10 together.
	if want := 1 + 1 + 50 + 1; len(patches) != want {
		t.Fatalf("sent %d PATCH requests, want %d", len(patches), want)
	}
}

// c is newConnector with default settings.
func c(t *testing.T, srv *scimtest.Server) *scim.Connector { return newConnector(t, srv) }

func TestTest(t *testing.T) { // the Tester says what is wrong
	srv := scimtest.Start(t)
	ctx := context.Background()
	if err := newConnector(t, srv).Test(ctx); err != nil {
		t.Fatalf("Test: %v", err)
	}
	bad := newConnector(t, srv, func(s *scim.Settings) { s.URL = strings.TrimSuffix(srv.URL, "/scim/v2") + "/api" })
	wantErr(t, bad.Test(ctx), access.KindInvalid, "no SCIM service at")
	wantErr(t, newConnector(t, srv, func(s *scim.Settings) { s.Token = "wrong" }).Test(ctx),
		access.KindFailedPrecondition, "the SCIM server refused the token")
	gone := scimtest.Start(t)
	unreachable := newConnector(t, gone)
	gone.Close()
	wantErr(t, unreachable.Test(ctx), access.KindTransient, "cannot reach the SCIM server")
}

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		s    scim.Settings
		want string // "" for valid
	}{
		{"valid", scim.Settings{URL: "https://idp.example.com/scim/v2", Token: "t"}, ""},
		{"all set", scim.Settings{URL: "http://idp/scim", TokenFile: "/run/token", UserAttribute: "emails.value", UserProperty: "mail", Timeout: "30s"}, ""},
		{"no url", scim.Settings{Token: "t"}, "url is missing"},
		{"ftp", scim.Settings{URL: "ftp://idp/scim", Token: "t"}, "must start with https://"},
		{"no host", scim.Settings{URL: "https:///scim", Token: "t"}, "has no host"},
		{"query", scim.Settings{URL: "https://idp/scim?x=1", Token: "t"}, "must not have a query"},
		{"no token", scim.Settings{URL: "https://idp/scim"}, "no bearer token: set token, or tokenFile"},
		{"two tokens", scim.Settings{URL: "https://idp/scim", Token: "t", TokenFile: "/f"}, "keep one of them"},
		{"attribute", scim.Settings{URL: "https://idp/scim", Token: "t", UserAttribute: "mail"}, "userAttribute 'mail' is not supported: use userName, externalId or emails.value"},
		{"property", scim.Settings{URL: "https://idp/scim", Token: "t", UserProperty: "upn"}, "userProperty 'upn' is not supported"},
		{"timeout", scim.Settings{URL: "https://idp/scim", Token: "t", Timeout: "10"}, "timeout '10' is not a positive Go duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if tc.want == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate: got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	srv := scimtest.Start(t)
	srv.AddUser(scimtest.User{UserName: "ann@example.com"})
	gid := srv.AddGroup("Engineers")
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  "+srv.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, srv, func(s *scim.Settings) { s.Token, s.TokenFile = "", file })
	if _, err := c.Grant(context.Background(), grant(gid, "ann@example.com")); err != nil {
		t.Fatalf("grant with tokenFile: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := scim.New(scim.Settings{URL: srv.URL, TokenFile: empty}, nil); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("New with an empty tokenFile: got %v", err)
	}
	if _, err := scim.New(scim.Settings{URL: srv.URL, TokenFile: filepath.Join(dir, "missing")}, nil); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("New with a missing tokenFile: got %v", err)
	}
}

func TestCanceled(t *testing.T) { // REQ-8: a canceled request is retried later
	srv := scimtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newConnector(t, srv).Grant(ctx, grant("g", "ann@example.com"))
	wantErr(t, err, access.KindTransient, "was canceled")
}
