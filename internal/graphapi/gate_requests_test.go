package graphapi_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

// requestWorld is a catalog with two packages: "Approved" needs bob's approval, "Open"
// none. Ann has a pending request for Approved and a delivered assignment of Open.
type requestWorld struct {
	cat, catName, approved, open string
	ann, annTok, bob, bobTok     string
	otherID, otherTok            string // a member with no role and no part in any request
	pending, delivered, asg      string
}

func newRequestWorld(t *testing.T, h *harness) requestWorld {
	t.Helper()
	w := requestWorld{catName: "Gated"}
	w.cat = h.catalog(h.admin, w.catName)
	w.approved = h.pkg(h.admin, w.cat, "Approved")
	w.open = h.pkg(h.admin, w.cat, "Open")
	w.ann, w.annTok = h.user("ann@contoso.com")
	w.bob, w.bobTok = h.user("bob@contoso.com")
	w.otherID, w.otherTok = h.user("other@contoso.com")
	h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(w.approved, []string{w.bob}), 201)
	h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(w.open), 201)
	w.pending = h.must(w.annTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "x",
		"assignment": map[string]any{"accessPackageId": w.approved}}, 201).str("id")
	w.delivered = h.must(w.annTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "x",
		"assignment": map[string]any{"accessPackageId": w.open}}, 201).str("id")
	h.work()
	w.asg = h.must(w.annTok, "GET", em+"/assignmentRequests/"+w.delivered+"?$expand=assignment", nil, 200).str("assignment.id")
	if w.asg == "" {
		t.Fatal("the request for Open made no assignment")
	}
	return w
}

func actor(t *testing.T, h *harness, id string) access.Actor {
	t.Helper()
	who, err := h.svc.ActorFor(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return who
}

// SEC-3: the $expand of a request or assignment (its package, its subject) is a use case
// of its own that shows them only to whoever may see that request or assignment.
func TestSEC3ExpansionsOfRequestsAndAssignmentsAreGated(t *testing.T) {
	h := newHarness(t, sqlitetest.Open(t))
	w := newRequestWorld(t, h)
	ctx := t.Context()
	ann, other, admin := actor(t, h, w.ann), actor(t, h, w.otherID), adminActor(t, h)

	for _, who := range []access.Actor{ann, admin} {
		if p, err := h.svc.RequestPackage(ctx, who, w.pending); err != nil || p.ID != w.approved {
			t.Errorf("%s: RequestPackage = %v, %v", who.DisplayName, p.ID, err)
		}
		if p, err := h.svc.AssignmentPackage(ctx, who, w.asg); err != nil || p.ID != w.open {
			t.Errorf("%s: AssignmentPackage = %v, %v", who.DisplayName, p.ID, err)
		}
		if u, _, err := h.svc.RequestSubject(ctx, who, w.pending); err != nil || u.ID != w.ann {
			t.Errorf("%s: RequestSubject = %v, %v", who.DisplayName, u.ID, err)
		}
		if u, _, err := h.svc.AssignmentSubject(ctx, who, w.asg); err != nil || u.ID != w.ann {
			t.Errorf("%s: AssignmentSubject = %v, %v", who.DisplayName, u.ID, err)
		}
	}
	// The approver sees the request (and so its package and subject), not the assignment.
	bob := actor(t, h, w.bob)
	if p, err := h.svc.RequestPackage(ctx, bob, w.pending); err != nil || p.ID != w.approved {
		t.Errorf("approver: RequestPackage = %v, %v", p.ID, err)
	}
	if _, err := h.svc.AssignmentPackage(ctx, bob, w.asg); !access.IsKind(err, access.KindNotFound) {
		t.Errorf("approver: AssignmentPackage of someone else's assignment: %v, want NotFound", err)
	}
	// Someone with no part in them sees nothing, as GetRequest and GetAssignment answer.
	for name, err := range map[string]error{
		"RequestPackage":    second(h.svc.RequestPackage(ctx, other, w.pending)),
		"AssignmentPackage": second(h.svc.AssignmentPackage(ctx, other, w.asg)),
		"RequestSubject":    third(h.svc.RequestSubject(ctx, other, w.pending)),
		"AssignmentSubject": third(h.svc.AssignmentSubject(ctx, other, w.asg)),
	} {
		if !access.IsKind(err, access.KindNotFound) {
			t.Errorf("%s for an unrelated user: %v, want NotFound", name, err)
		}
	}
	// Through the API the expansions still work for whoever sees the object.
	got := h.must(w.annTok, "GET", em+"/assignments/"+w.asg+"?$expand=accessPackage,target", nil, 200)
	if got.str("accessPackage.id") != w.open || got.str("target.objectId") != w.ann {
		t.Fatalf("expanded assignment: %s", got.raw)
	}
	got = h.must(w.bobTok, "GET", em+"/assignmentRequests/"+w.pending+"?$expand=accessPackage,requestor", nil, 200)
	if got.str("accessPackage.displayName") != "Approved" || got.str("requestor.principalName") != "ann@contoso.com" {
		t.Fatalf("expanded request as its approver: %s", got.raw)
	}
	if csv := h.callRaw(h.admin, "/bestow/v1/assignments/export"); !strings.Contains(csv, ",Open,") || !strings.Contains(csv, "ann@contoso.com") {
		t.Fatalf("CSV export names the package and the user:\n%s", csv)
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// ADM-1 (reference §5): a Catalog reader views the access packages of the catalog and
// nothing of its requests, approvals or assignments, which need ActReadAssignments.
func TestADM1CatalogReaderSeesNoRequestsApprovalsOrAssignments(t *testing.T) {
	h := newHarness(t, sqlitetest.Open(t))
	w := newRequestWorld(t, h)
	target := access.Target{CatalogID: w.cat, CatalogName: w.catName}
	if slices.Contains(access.RolesAllowing(access.ActReadAssignments, target), "Catalog reader of catalog '"+w.catName+"'") {
		t.Skip("RoleCatalogReader still allows ActReadAssignments in rbac.go; this test runs once that grant is removed")
	}
	reader, readerTok := h.user("reader@contoso.com")
	h.grant(reader, access.RoleCatalogReader, w.cat)

	h.must(readerTok, "GET", em+"/accessPackages/"+w.approved, nil, 200) // the reader does read the packages
	h.must(readerTok, "GET", em+"/assignmentRequests/"+w.pending, nil, 404)
	h.must(readerTok, "GET", em+"/assignmentRequests/"+w.delivered, nil, 404)
	h.must(readerTok, "GET", em+"/accessPackageAssignmentApprovals/"+w.pending, nil, 404)
	h.must(readerTok, "GET", em+"/assignments/"+w.asg, nil, 404)
	h.must(readerTok, "GET", "/bestow/v1/assignments/"+w.asg+"/roles", nil, 404)
	for _, path := range []string{em + "/assignmentRequests", em + "/assignments"} {
		if l := h.must(readerTok, "GET", path, nil, 200).list(); len(l) != 0 {
			t.Errorf("GET %s as a catalog reader: %v", path, l)
		}
	}
	if csv := h.callRaw(readerTok, "/bestow/v1/assignments/export"); strings.Count(csv, "\n") != 1 {
		t.Errorf("the CSV export for a catalog reader should be the header only:\n%s", csv)
	}
	// Nor may the reader explain someone else's requestability, which shows their
	// assignments: the package is readable, so the answer is the ADM-2 refusal.
	h.fails(readerTok, "GET", "/bestow/v1/explain/request?user=ann@contoso.com&accessPackage="+w.open, nil, 403,
		"read assignments and requests", "Access package assignment manager of catalog '"+w.catName+"'")
	// A userRemove of ann's assignment by the reader: not theirs, and not shown to exist.
	h.must(readerTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userRemove", "assignment": map[string]any{"id": w.asg}}, 404)
	if _, err := h.svc.RequestPackage(t.Context(), actor(t, h, reader), w.pending); !access.IsKind(err, access.KindNotFound) {
		t.Errorf("RequestPackage as a catalog reader: %v", err)
	}
}

// SEC-3 (TRB-1): explain/request reveals nothing the caller could not read directly. About
// oneself, the package must be one the caller could open (a reader of its catalog, or in
// scope of one of its policies: the portal-link rule of hidden packages); otherwise 404,
// as GET accessPackages/{id} answers. About someone else: 404 for a package the caller
// could not open, 403 (ADM-2) for one they could.
func TestSEC3ExplainRequestRevealsNothingHidden(t *testing.T) {
	h := newHarness(t, sqlitetest.Open(t))
	cat := h.catalog(h.admin, "Secret")
	h.must(h.admin, "PATCH", em+"/catalogs/"+cat, map[string]any{"isExternallyVisible": true}, 204)
	insider, insiderTok := h.user("insider@contoso.com")
	_, outsiderTok := h.user("outsider@contoso.com")
	guestID, guestTok := h.user("guest_fabrikam.test#EXT#@contoso.com")
	h.must(h.admin, "PATCH", "/v1.0/users/"+guestID, map[string]any{"userType": "Guest", "mail": "guest@fabrikam.test"}, 204)
	onlyInsider := func(pkg string) {
		h.must(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": "insider only", "accessPackage": map[string]any{"id": pkg},
			"allowedTargetScope": "specificDirectoryUsers", "requestorSettings": map[string]any{"enableTargetsToSelfAddAccess": true},
			"specificAllowedTargets": []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": insider}}}, 201)
	}
	hidden := h.must(h.admin, "POST", em+"/accessPackages", map[string]any{"displayName": "Merger room", "isHidden": true, "catalog": map[string]any{"id": cat}}, 201).str("id")
	onlyInsider(hidden)
	// A second package of the same name that everyone may request.
	cat2 := h.catalog(h.admin, "Public")
	public := h.pkg(h.admin, cat2, "Merger room")
	h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(public), 201)

	explain := "/bestow/v1/explain/request?accessPackage="
	for name, tok := range map[string]string{"guest": guestTok, "outsider": outsiderTok} {
		t.Run(name+" gets the 404 of GET accessPackages/{id}", func(t *testing.T) {
			h := h.on(t)
			direct := h.must(tok, "GET", em+"/accessPackages/"+hidden, nil, 404)
			ex := h.must(tok, "GET", explain+hidden, nil, 404)
			if ex.errMsg() != direct.errMsg() || ex.str("error.code") != direct.str("error.code") {
				t.Errorf("explain answers %q (%s), GET answers %q (%s)", ex.errMsg(), ex.str("error.code"), direct.errMsg(), direct.str("error.code"))
			}
			for _, leak := range []string{"Merger", "Secret"} {
				if strings.Contains(ex.raw, leak) {
					t.Errorf("the 404 names %q: %s", leak, ex.raw)
				}
			}
			h.must(tok, "GET", explain+hidden+"&user=insider@contoso.com", nil, 404)
		})
	}
	t.Run("a display name is looked up only among the packages the caller may see", func(t *testing.T) {
		h := h.on(t)
		ex := h.must(outsiderTok, "GET", explain+"merger%20room", nil, 200)
		if ex.str("accessPackageId") != public || strings.Contains(ex.raw, hidden) || strings.Contains(ex.raw, "Secret") {
			t.Fatalf("the outsider's explanation by name: %s", ex.raw)
		}
		// The guest is in scope of neither: the name does not exist for them.
		h.fails(guestTok, "GET", explain+"Merger%20room", nil, 404, "'Merger room' does not exist")
		// The insider may open both, so the name is ambiguous for them.
		h.fails(insiderTok, "GET", explain+"Merger%20room", nil, 400, "2 access packages", hidden, public)
	})
	t.Run("the portal-link rule: in scope of a policy of a hidden package, one may explain oneself", func(t *testing.T) {
		h := h.on(t)
		ex := h.must(insiderTok, "GET", explain+hidden, nil, 200)
		if ex.body["requestable"] != true || ex.str("catalog") != "Secret" {
			t.Fatalf("the insider explaining themselves: %s", ex.raw)
		}
		// About someone else, the insider may open the package but may not read its
		// assignments: ADM-2's refusal, naming the roles.
		h.fails(insiderTok, "GET", explain+hidden+"&user=outsider@contoso.com", nil, 403,
			"read assignments and requests", "Access package assignment manager of catalog 'Secret'")
	})
	t.Run("an administrator explains anyone", func(t *testing.T) {
		h := h.on(t)
		if ex := h.must(h.admin, "GET", explain+hidden+"&user=outsider@contoso.com", nil, 200); ex.body["requestable"] != false {
			t.Fatalf("outsider explained by the admin: %s", ex.raw)
		}
	})
}

// ADM-2: a userAdd request for someone else is refused with the way to do it: userAdd is
// for the caller themselves; assigning someone else is an adminAdd, which needs one of the
// roles that allow managing assignments in the catalog, named.
func TestADM2UserAddForSomeoneElseNamesTheRoles(t *testing.T) {
	h := newHarness(t, sqlitetest.Open(t))
	w := newRequestWorld(t, h)
	body := map[string]any{"requestType": "userAdd", "justification": "x",
		"assignment": map[string]any{"accessPackageId": w.open, "targetId": w.otherID}}
	h.fails(w.annTok, "POST", em+"/assignmentRequests", body, 403,
		"userAdd request asks access for yourself", "adminAdd",
		"assign, remove, cancel or reprocess assignments", "Global Administrator", "Catalog owner of catalog 'Gated'",
		"Access package manager of catalog 'Gated'", "Access package assignment manager of catalog 'Gated'")
	// An assignment manager is told to send it as adminAdd.
	mgr, mgrTok := h.user("mgr@contoso.com")
	h.grant(mgr, access.RoleAssignmentManager, w.cat)
	h.fails(mgrTok, "POST", em+"/assignmentRequests", body, 403, "userAdd request asks access for yourself", "send the request again as adminAdd")
	// For oneself, a targetId naming oneself is fine.
	h.must(w.otherTok, "POST", em+"/assignmentRequests", body, 201)
}

// staleStore makes the next write transaction read one request as it was before: as if
// the request had been decided by someone else between that read and the write, which
// the store's version check then catches.
type staleStore struct {
	access.Store
	mu    sync.Mutex
	stale *access.Request
}

func (s *staleStore) arm(r access.Request) { s.mu.Lock(); s.stale = &r; s.mu.Unlock() }

func (s *staleStore) take(id string) *access.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stale == nil || s.stale.ID != id {
		return nil
	}
	r := s.stale
	s.stale = nil
	return r
}

func (s *staleStore) Write(ctx context.Context, fn func(access.Tx) error) error {
	return s.Store.Write(ctx, func(tx access.Tx) error { return fn(staleTx{tx, s}) })
}

type staleTx struct {
	access.Tx
	s *staleStore
}

func (t staleTx) Requests() access.Collection[access.Request] {
	return staleRequests{t.Tx.Requests(), t.s}
}

type staleRequests struct {
	access.Collection[access.Request]
	s *staleStore
}

func (c staleRequests) Get(ctx context.Context, id string) (access.Request, error) {
	if r := c.s.take(id); r != nil {
		return *r, nil
	}
	return c.Collection.Get(ctx, id)
}

// POL-3 REQ-5: a cancel that loses the race to an approval answers 409 and says what the
// request became; canceling a request that was already decided when read stays a 400.
func TestPOL3CancelLosingTheRaceToAnApprovalIsAConflict(t *testing.T) {
	store := &staleStore{Store: sqlitetest.Open(t)}
	h := newHarness(t, store)
	w := newRequestWorld(t, h)
	before, err := h.svc.GetRequest(t.Context(), access.SystemActor, w.pending)
	if err != nil || before.State != access.StatePendingApproval {
		t.Fatalf("pending request: %v %v", before.State, err)
	}
	stage := h.must(w.bobTok, "GET", em+"/accessPackageAssignmentApprovals/"+w.pending+"/stages", nil, 200).list()[0]["id"].(string)
	h.must(w.bobTok, "PATCH", em+"/accessPackageAssignmentApprovals/"+w.pending+"/stages/"+stage, map[string]any{"reviewResult": "Approve", "justification": "ok"}, 204)
	now := h.must(w.annTok, "GET", em+"/assignmentRequests/"+w.pending, nil, 200).str("state")
	if now == access.StatePendingApproval || now == access.StateCanceled {
		t.Fatalf("after the approval the request is %s", now)
	}

	store.arm(before) // ann's cancel reads the request as it was before bob approved
	h.fails(w.annTok, "POST", em+"/assignmentRequests/"+w.pending+"/cancel", nil, 409, "just decided", "is now "+now)
	if s := h.must(w.annTok, "GET", em+"/assignmentRequests/"+w.pending, nil, 200).str("state"); s != now {
		t.Fatalf("the lost cancel changed the request: %s, want %s", s, now)
	}
	// Read after the decision, the request is simply not cancelable: 400, as before.
	h.fails(w.annTok, "POST", em+"/assignmentRequests/"+w.pending+"/cancel", nil, 400, "only a pending request")
}
