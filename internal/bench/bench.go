// Package bench builds a large organization through the service layer and measures the
// API's latency on it. It backs the "bestow bench" command.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/bestowhq/bestow/internal/web"
)

// Size says how much to create.
type Size struct {
	Users, Groups, Catalogs, Packages, Policies int
	Samples                                     int // requests per measured query
}

// Default is the size the foundation issue asks for.
var Default = Size{Users: 10000, Groups: 1000, Catalogs: 200, Packages: 2000, Policies: 4000, Samples: 200}

// Result holds the measured figures.
type Result struct {
	Created map[string]Rate
	Queries []Latency
}

// Rate is how fast objects were created.
type Rate struct {
	N       int
	Elapsed time.Duration
}

// Latency summarizes one measured query.
type Latency struct {
	Name          string
	Query         string
	Samples       int
	P50, P99, Max time.Duration
	Items         int // items in the last response
}

// Run fills svc (an initialized, empty store) and measures. progress may be nil.
func Run(ctx context.Context, svc *access.Service, size Size, progress io.Writer) (Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	res := Result{Created: map[string]Rate{}}
	who := access.SystemActor
	rng := rand.New(rand.NewPCG(1, 2))
	timed := func(kind string, n int, fn func(i int) error) error {
		start := time.Now()
		for i := range n {
			if err := fn(i); err != nil {
				return fmt.Errorf("%s %d: %w", kind, i, err)
			}
		}
		res.Created[kind] = Rate{N: n, Elapsed: time.Since(start)}
		fmt.Fprintf(progress, "created %6d %-9s in %v\n", n, kind, time.Since(start).Round(time.Millisecond))
		return nil
	}
	_, token, err := svc.Bootstrap(ctx, "bench.admin@bestow.example")
	if err != nil {
		return res, err
	}
	userIDs := make([]string, size.Users)
	if err := timed("users", size.Users, func(i int) error {
		u, err := svc.CreateUser(ctx, who, access.User{DisplayName: fmt.Sprintf("User %d", i), UserPrincipalName: fmt.Sprintf("user%d@bench.example", i),
			AccountEnabled: true, Department: fmt.Sprintf("Dept %d", i%20)})
		userIDs[i] = u.ID
		return err
	}); err != nil {
		return res, err
	}
	groupIDs := make([]string, size.Groups)
	if err := timed("groups", size.Groups, func(i int) error {
		g, err := svc.CreateGroup(ctx, who, access.Group{DisplayName: fmt.Sprintf("Group %d", i), SecurityEnabled: true, MailNickname: fmt.Sprintf("g%d", i)})
		groupIDs[i] = g.ID
		return err
	}); err != nil {
		return res, err
	}
	catIDs := make([]string, size.Catalogs)
	if err := timed("catalogs", size.Catalogs, func(i int) error {
		c, err := svc.CreateCatalog(ctx, who, access.Catalog{DisplayName: fmt.Sprintf("Catalog %d", i)})
		catIDs[i] = c.ID
		return err
	}); err != nil {
		return res, err
	}
	// Each group becomes a resource of one catalog.
	groupsOf := map[string][]string{}
	if err := timed("resources", size.Groups, func(i int) error {
		c := catIDs[i%len(catIDs)]
		groupsOf[c] = append(groupsOf[c], groupIDs[i])
		_, _, err := svc.RequestResource(ctx, who, access.ResourceChange{RequestType: access.ResourceAdminAdd, CatalogID: c, OriginSystem: access.OriginGroup, OriginID: groupIDs[i]})
		return err
	}); err != nil {
		return res, err
	}
	pkgIDs := make([]string, size.Packages)
	if err := timed("packages", size.Packages, func(i int) error {
		c := catIDs[i%len(catIDs)]
		p, err := svc.CreatePackage(ctx, who, access.Package{DisplayName: fmt.Sprintf("Package %d", i), Description: "bench"}, c)
		if err != nil {
			return err
		}
		pkgIDs[i] = p.ID
		gs := groupsOf[c]
		for j := 0; j < 2 && j < len(gs); j++ {
			g := gs[(i+j)%len(gs)]
			if _, err := svc.AddRoleScope(ctx, who, p.ID, access.RoleRef{RoleOriginID: access.GroupRole(g, access.RelMember), OriginSystem: access.OriginGroup}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return res, err
	}
	d := access.Duration(90 * 24 * time.Hour)
	if err := timed("policies", size.Policies, func(i int) error {
		pol := access.Policy{DisplayName: fmt.Sprintf("Policy %d", i), AllowedTargetScope: access.ScopeAllMemberUsers,
			RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true},
			Expiration:        access.Expiration{Type: access.ExpireAfterDuration, Duration: &d}}
		if i%2 == 1 {
			pol.AllowedTargetScope = access.ScopeSpecificDirectoryUsers
			pol.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.singleUser", UserID: userIDs[rng.IntN(len(userIDs))]}}
			pol.RequestApprovalSettings = access.ApprovalSettings{IsApprovalRequiredForAdd: true, Stages: []access.ApprovalStage{
				{PrimaryApprovers: []access.SubjectSet{{Type: "#microsoft.graph.requestorManager", ManagerLevel: 1}},
					FallbackPrimaryApprovers: []access.SubjectSet{{Type: "#microsoft.graph.singleUser", UserID: userIDs[0]}}},
				{PrimaryApprovers: []access.SubjectSet{{Type: "#microsoft.graph.groupMembers", GroupID: groupIDs[0]}}}}}
		}
		_, err := svc.CreatePolicy(ctx, who, pol, pkgIDs[i%len(pkgIDs)])
		return err
	}); err != nil {
		return res, err
	}

	api := graphapi.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	api.SetLimits(graphapi.Limits{}) // the benchmark measures the server, not its throttle
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	const em = "/v1.0/identityGovernance/entitlementManagement"
	measureOn := func(base string, fetch func(ctx context.Context, u string) (int, error), name string, path func() string) error {
		var lat []time.Duration
		items := 0
		for range size.Samples {
			p := path()
			start := time.Now()
			n, err := fetch(ctx, base+p)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			lat = append(lat, time.Since(start))
			items = n
		}
		slices.Sort(lat)
		l := Latency{Name: name, Query: path(), Samples: len(lat), Items: items,
			P50: lat[len(lat)/2], P99: lat[min(len(lat)-1, len(lat)*99/100)], Max: lat[len(lat)-1]}
		res.Queries = append(res.Queries, l)
		fmt.Fprintf(progress, "%-40s p50 %8v  p99 %8v  (%d samples, %d items)\n", name, l.P50.Round(time.Microsecond), l.P99.Round(time.Microsecond), l.Samples, l.Items)
		return nil
	}
	measure := func(name string, path func() string) error {
		return measureOn(srv.URL, func(ctx context.Context, u string) (int, error) { return get(ctx, u, token) }, name, path)
	}
	pkgQuery := func() string {
		v := url.Values{}
		v.Set("$expand", "resourceRoleScopes($expand=role,scope),assignmentPolicies")
		v.Set("$filter", fmt.Sprintf("startswith(displayName,'Package %d')", 1+rng.IntN(9)))
		v.Set("$top", "50")
		return em + "/accessPackages?" + v.Encode()
	}
	if err := measure("accessPackages $expand $filter $top=50", pkgQuery); err != nil {
		return res, err
	}
	if err := measure("catalog resources $expand=roles,scopes", func() string {
		return em + "/catalogs/" + catIDs[rng.IntN(len(catIDs))] + "/resources?$expand=roles,scopes"
	}); err != nil {
		return res, err
	}
	if err := measure("users $filter=startswith $top=50", func() string {
		return "/v1.0/users?$filter=" + url.QueryEscape(fmt.Sprintf("startswith(userPrincipalName,'user%d')", rng.IntN(100))) + "&$top=50"
	}); err != nil {
		return res, err
	}
	if err := measure("users $top=50 (no filter)", func() string { return "/v1.0/users?$top=50" }); err != nil {
		return res, err
	}
	if err := portalPages(ctx, svc, userIDs, pkgIDs, measureOn, rng); err != nil {
		return res, err
	}
	return res, consolePages(ctx, svc, userIDs, pkgIDs, catIDs, measureOn, rng)
}

// consolePages measures the administration console's pages as the tenant's Global
// Administrator (who reads everything, the most a page shows). The figures include
// rendering and the loopback round trip.
func consolePages(ctx context.Context, svc *access.Service, userIDs, pkgIDs, catIDs []string,
	measureOn func(string, func(context.Context, string) (int, error), string, func() string) error, rng *rand.Rand) error {
	portal := web.New(svc, web.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(portal.Handler())
	defer srv.Close()
	secret, _, err := svc.StartSession(ctx, access.Identity{Value: "bench.admin@bestow.example", Via: "bench"}, access.DefaultSessionPolicy)
	if err != nil {
		return err
	}
	pkg := func() string { return "/admin/access-packages/" + pkgIDs[rng.IntN(len(pkgIDs))] }
	cat := func() string { return "/admin/catalogs/" + catIDs[rng.IntN(len(catIDs))] }
	user, err := svc.GetUser(ctx, access.SystemActor, userIDs[1])
	if err != nil {
		return err
	}
	for _, page := range []struct {
		name string
		path func() string
	}{
		{"console: overview", func() string { return "/admin/" }},
		{"console: access packages", func() string { return "/admin/access-packages" }},
		{"console: access packages ?search=", func() string { return fmt.Sprintf("/admin/access-packages?search=Package+%d", 1+rng.IntN(9)) }},
		{"console: a package", pkg},
		{"console: a package's resource roles", func() string { return pkg() + "/roles" }},
		{"console: a package's policies", func() string { return pkg() + "/policies" }},
		{"console: a package's assignments", func() string { return pkg() + "/assignments" }},
		{"console: a package's requests", func() string { return pkg() + "/requests" }},
		{"console: new access package", func() string { return "/admin/access-packages/new" }},
		{"console: catalogs", func() string { return "/admin/catalogs" }},
		{"console: a catalog", cat},
		{"console: a catalog's resources", func() string { return cat() + "/resources" }},
		{"console: a catalog's roles", func() string { return cat() + "/roles" }},
		{"console: directory users", func() string { return "/admin/directory/users" }},
		{"console: report of a package", func() string { return "/admin/reports?ask=package&package=" + pkgIDs[rng.IntN(len(pkgIDs))] }},
		{"console: report of a user", func() string { return "/admin/reports?ask=user&user=" + url.QueryEscape(user.UserPrincipalName) }},
		{"console: troubleshooter, a request", func() string {
			return "/admin/troubleshoot?ask=request&user=" + url.QueryEscape(user.UserPrincipalName) + "&package=" + pkgIDs[rng.IntN(len(pkgIDs))]
		}},
		{"console: audit log", func() string { return "/admin/settings/audit" }},
		{"console: tenant roles", func() string { return "/admin/settings/roles" }},
	} {
		fetch := func(ctx context.Context, u string) (int, error) { return getPage(ctx, u, secret) }
		if err := measureOn(srv.URL, fetch, page.name, page.path); err != nil {
			return err
		}
	}
	return nil
}

// portalPages measures the My Access pages as a member who may request every package of
// an all-members policy and holds one request, and as the fallback approver of every
// approval. The figures include rendering and the loopback round trip.
func portalPages(ctx context.Context, svc *access.Service, userIDs, pkgIDs []string,
	measureOn func(string, func(context.Context, string) (int, error), string, func() string) error, rng *rand.Rand) error {
	portal := web.New(svc, web.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(portal.Handler())
	defer srv.Close()
	requestor, approver := userIDs[1], userIDs[0]
	who := actorOf(ctx, svc, requestor)
	pols, err := svc.ApplicablePolicies(ctx, who, pkgIDs[0])
	if err != nil || len(pols) == 0 {
		return fmt.Errorf("portal request: no policy of %s offers it to the requestor (%v)", pkgIDs[0], err)
	}
	if _, err := svc.SubmitRequest(ctx, who, access.RequestInput{RequestType: access.ReqUserAdd, PackageID: pkgIDs[0], PolicyID: pols[0].ID}); err != nil {
		return fmt.Errorf("portal request: %w", err)
	}
	for _, page := range []struct {
		who, name string
		path      func() string
	}{
		{requestor, "portal: access packages", func() string { return "/portal/access-packages" }},
		{requestor, "portal: access packages ?search=", func() string { return fmt.Sprintf("/portal/access-packages?search=Package+%d", 1+rng.IntN(9)) }},
		{requestor, "portal: a package", func() string { return "/portal/access-packages/" + pkgIDs[2*rng.IntN(len(pkgIDs)/2)] }},
		{requestor, "portal: request history", func() string { return "/portal/requests" }},
		{requestor, "portal: my access", func() string { return "/portal/access" }},
		{requestor, "portal: API tokens", func() string { return "/portal/tokens" }},
		{approver, "portal: approvals", func() string { return "/portal/approvals" }},
	} {
		u, err := svc.GetUser(ctx, access.SystemActor, page.who)
		if err != nil {
			return err
		}
		secret, _, err := svc.StartSession(ctx, access.Identity{Value: u.UserPrincipalName, Via: "bench"}, access.DefaultSessionPolicy)
		if err != nil {
			return err
		}
		fetch := func(ctx context.Context, u string) (int, error) { return getPage(ctx, u, secret) }
		if err := measureOn(srv.URL, fetch, page.name, page.path); err != nil {
			return err
		}
	}
	return nil
}

func actorOf(ctx context.Context, svc *access.Service, userID string) access.Actor {
	who, _ := svc.ActorFor(ctx, userID)
	return who
}

// getPage fetches a portal page with a session and returns its size in bytes (shown as
// the "items" of the figure).
func getPage(ctx context.Context, u, session string) (int, error) {
	data, err := fetch(ctx, u, func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "bestow_session", Value: session}) })
	return len(data), err
}

// get fetches a collection and returns how many items it held.
func get(ctx context.Context, u, token string) (int, error) {
	data, err := fetch(ctx, u, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	return countItems(data), err
}

// fetch GETs u with the credentials auth adds, without following redirects, and returns
// the body of a 200 answer; any other status is an error that quotes the body.
func fetch(ctx context.Context, u string, auth func(*http.Request)) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	auth(req)
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", res.StatusCode, data)
	}
	return data, err
}
