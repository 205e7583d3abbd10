package accesstest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/delivery"
	"github.com/bestowhq/bestow/internal/notify"
)

// World is a service with the built-in directory connector and helpers that build the
// objects a lifecycle test needs. Administrative steps run as the system actor.
type World struct {
	T     *testing.T
	Svc   *access.Service
	Clock *Clock
	Ctx   context.Context
	Flaky *Flaky // wraps the connector for sites: tests make it fail
	Mail  *Outbox
	// Worker runs the sweeps, deliveries and mail of Svc (Work runs it until nothing is due).
	Worker *delivery.Worker
	cat    access.Catalog
}

// NewWorld returns a World over a fresh store.
func NewWorld(t *testing.T, open Opener) *World {
	t.Helper()
	svc, clock := NewService(t, open)
	conns := connector.Registry{}
	dir := directory.New(svc.Store(), clock, &SeqIDs{})
	dir.Register(conns)
	flaky := &Flaky{Next: dir}
	conns[access.OriginSite] = flaky
	mail := &Outbox{}
	w := &World{T: t, Svc: svc, Clock: clock, Ctx: context.Background(), Flaky: flaky, Mail: mail,
		Worker: delivery.New(svc, conns, delivery.Options{Outbox: notify.NewOutbox(svc, mail)})}
	c, err := svc.CreateCatalog(w.Ctx, access.SystemActor, access.Catalog{DisplayName: "Sales", State: access.CatalogPublished, IsExternallyVisible: true})
	w.Must(err)
	w.cat = c
	return w
}

// Must fails the test on an error.
func (w *World) Must(err error) {
	w.T.Helper()
	if err != nil {
		w.T.Fatal(err)
	}
}

// User creates a member user (mutate may change it first) and returns it with its actor.
func (w *World) User(name string, mutate ...func(*access.User)) (access.User, access.Actor) {
	w.T.Helper()
	u := access.User{DisplayName: name, UserPrincipalName: name + "@contoso.com", AccountEnabled: true}
	for _, m := range mutate {
		m(&u)
	}
	u, err := w.Svc.CreateUser(w.Ctx, access.SystemActor, u)
	w.Must(err)
	return u, w.Actor(u.ID)
}

// Actor returns the actor of a user.
func (w *World) Actor(id string) access.Actor {
	w.T.Helper()
	a, err := w.Svc.ActorFor(w.Ctx, id)
	w.Must(err)
	return a
}

// Group creates a security group.
func (w *World) Group(name string) access.Group {
	w.T.Helper()
	g, err := w.Svc.CreateGroup(w.Ctx, access.SystemActor, access.Group{DisplayName: name, SecurityEnabled: true, MailNickname: name})
	w.Must(err)
	return g
}

// Site creates a site with the classic roles.
func (w *World) Site(name string) access.Site {
	w.T.Helper()
	s, err := w.Svc.CreateSite(w.Ctx, access.SystemActor, access.Site{DisplayName: name, WebURL: "https://sites.example/sites/" + name})
	w.Must(err)
	return s
}

// Package creates a package in the world's catalog granting the Member role of each
// group (adding the groups to the catalog as needed).
func (w *World) Package(name string, groups ...access.Group) access.Package {
	w.T.Helper()
	p, err := w.Svc.CreatePackage(w.Ctx, access.SystemActor, access.Package{DisplayName: name}, w.cat.ID)
	w.Must(err)
	for _, g := range groups {
		w.AddRole(p, access.OriginGroup, g.ID, access.GroupRole(g.ID, access.RelMember))
	}
	return p
}

// AddRole adds a role of a directory object to the package, adding the object to the
// catalog first if needed.
func (w *World) AddRole(p access.Package, system, originID, roleOriginID string) access.RoleScope {
	w.T.Helper()
	_, _, err := w.Svc.RequestResource(w.Ctx, access.SystemActor, access.ResourceChange{RequestType: "adminAdd", CatalogID: w.cat.ID, OriginSystem: system, OriginID: originID})
	if err != nil && !access.IsKind(err, access.KindConflict) && !access.IsKind(err, access.KindInvalid) {
		w.T.Fatal(err)
	}
	rs, err := w.Svc.AddRoleScope(w.Ctx, access.SystemActor, p.ID, access.RoleRef{OriginSystem: system, ResourceOriginID: originID, RoleOriginID: roleOriginID})
	w.Must(err)
	return rs
}

// Policy creates a policy on the package: by default all members may request for
// themselves without approval and access never expires; mutate changes that.
func (w *World) Policy(p access.Package, name string, mutate ...func(*access.Policy)) access.Policy {
	w.T.Helper()
	pol := access.Policy{DisplayName: name, AllowedTargetScope: access.ScopeAllMemberUsers,
		RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true, EnableTargetsToSelfUpdateAccess: true, EnableTargetsToSelfRemoveAccess: true},
		Expiration:        access.Expiration{Type: access.ExpireNever}}
	for _, m := range mutate {
		m(&pol)
	}
	pol, err := w.Svc.CreatePolicy(w.Ctx, access.SystemActor, pol, p.ID)
	w.Must(err)
	return pol
}

// DirectOnly makes a policy for administrator direct assignment only.
func DirectOnly(p *access.Policy) {
	p.AllowedTargetScope = access.ScopeNotSpecified
	p.RequestorSettings = access.RequestorSettings{}
}

// Approval returns a policy change that requires approval by the given users, one
// stage per slice.
func Approval(stages ...[]string) func(*access.Policy) {
	return func(p *access.Policy) {
		p.RequestApprovalSettings.IsApprovalRequiredForAdd = true
		p.RequestApprovalSettings.IsApprovalRequiredForUpdate = true
		for _, users := range stages {
			st := access.ApprovalStage{DurationBeforeAutomaticDenial: access.Duration(14 * 24 * time.Hour)}
			for _, u := range users {
				st.PrimaryApprovers = append(st.PrimaryApprovers, access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: u})
			}
			p.RequestApprovalSettings.Stages = append(p.RequestApprovalSettings.Stages, st)
		}
	}
}

// Request submits a userAdd request for the package as the actor.
func (w *World) Request(who access.Actor, p access.Package, mutate ...func(*access.RequestInput)) (access.Request, error) {
	in := access.RequestInput{RequestType: access.ReqUserAdd, PackageID: p.ID, Justification: "for work"}
	for _, m := range mutate {
		m(&in)
	}
	return w.Svc.SubmitRequest(w.Ctx, who, in)
}

// Assign makes a direct assignment (adminAdd) as the system.
func (w *World) Assign(u access.User, p access.Package, pol access.Policy) access.Request {
	w.T.Helper()
	r, err := w.Svc.SubmitRequest(w.Ctx, access.SystemActor, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: p.ID, PolicyID: pol.ID, TargetID: u.ID})
	w.Must(err)
	return r
}

// Remove removes an assignment (adminRemove) as the system.
func (w *World) Remove(assignmentID string) access.Request {
	w.T.Helper()
	r, err := w.Svc.SubmitRequest(w.Ctx, access.SystemActor, access.RequestInput{RequestType: access.ReqAdminRemove, AssignmentID: assignmentID})
	w.Must(err)
	return r
}

// Work runs the worker until nothing is due.
func (w *World) Work() {
	w.T.Helper()
	w.Must(w.Worker.RunOnce(w.Ctx))
}

// Req reloads a request.
func (w *World) Req(id string) access.Request {
	w.T.Helper()
	r, err := w.Svc.GetRequest(w.Ctx, access.SystemActor, id)
	w.Must(err)
	return r
}

// Asg reloads an assignment.
func (w *World) Asg(id string) access.Assignment {
	w.T.Helper()
	a, err := w.Svc.GetAssignment(w.Ctx, access.SystemActor, id)
	w.Must(err)
	return a
}

// IsMember reports whether the user is a direct member of the group.
func (w *World) IsMember(g access.Group, u access.User) bool {
	w.T.Helper()
	var ids []string
	w.Must(w.Svc.Store().Read(w.Ctx, func(tx access.Tx) error {
		var err error
		ids, err = tx.Related(w.Ctx, g.ID, access.RelMember)
		return err
	}))
	for _, id := range ids {
		if id == u.ID {
			return true
		}
	}
	return false
}

// Flaky passes calls to Next unless told to fail with Err.
type Flaky struct {
	Next  connector.Connector
	mu    sync.Mutex
	Err   error
	Calls int
}

// Fail makes every call fail with err (nil to recover).
func (f *Flaky) Fail(err error) { f.mu.Lock(); f.Err = err; f.mu.Unlock() }

// call counts a call and returns the error to fail it with, if any.
func (f *Flaky) call() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls++
	return f.Err
}

// Grant implements connector.Connector.
func (f *Flaky) Grant(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	if err := f.call(); err != nil {
		return access.DeliveryResult{}, err
	}
	return f.Next.Grant(ctx, g)
}

// Revoke implements connector.Connector.
func (f *Flaky) Revoke(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	if err := f.call(); err != nil {
		return access.DeliveryResult{}, err
	}
	return f.Next.Revoke(ctx, g)
}

// Outbox is a Mailer that records what it sends, and fails while Err is set.
type Outbox struct {
	mu   sync.Mutex
	Err  error
	Sent []Sent
}

// Sent is one message as the mailer saw it.
type Sent struct {
	Kind string
	To   []string // addresses
	Data map[string]string
}

// Send implements notify.Mailer.
func (o *Outbox) Send(ctx context.Context, m access.Message, to []access.Recipient) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Err != nil {
		return o.Err
	}
	s := Sent{Kind: m.Kind, Data: m.Data}
	for _, r := range to {
		s.To = append(s.To, r.Address)
	}
	o.Sent = append(o.Sent, s)
	return nil
}

// Of returns the addresses each message of a kind went to, one string per message.
func (o *Outbox) Of(kind string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, s := range o.Sent {
		if s.Kind == kind {
			out = append(out, strings.Join(s.To, ","))
		}
	}
	return out
}

// resourceOf returns the catalog resource of a group of the world's catalog.
func (w *World) resourceOf(g access.Group) access.Resource {
	w.T.Helper()
	var list []access.Resource
	w.Must(w.Svc.Store().Read(w.Ctx, func(tx access.Tx) error {
		var err error
		list, err = tx.Resources().List(w.Ctx, access.By(access.KeyCatalog, w.cat.ID), access.By(access.KeyOrigin, access.OriginKey(access.OriginGroup, g.ID)))
		return err
	}))
	if len(list) != 1 {
		w.T.Fatalf("group %s is %d resources of the catalog", g.DisplayName, len(list))
	}
	return list[0]
}
