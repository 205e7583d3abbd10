package graphapi_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

const connectors = "/bestow/v1/connectors"

// ldapConnector creates connector corp-ldap for slapd, answering its JSON.
func ldapConnector(h *harness, slapd *ldaptest.Server) resp {
	h.t.Helper()
	return h.must(h.admin, "POST", connectors, map[string]any{"id": "corp-ldap", "type": "ldap", "displayName": "Corporate LDAP",
		"settings": map[string]any{"url": slapd.URL, "bindDN": slapd.BindDN, "bindPassword": slapd.Password, "baseDN": slapd.BaseDN,
			"placeholderMember": slapd.BindDN, "timeout": "2s"}}, 201)
}

// TestConnectorsAPI manages a connector as data: secrets are write-only, bad settings and
// ids are refused with what to fix, test says what is wrong, and only the tenant's
// governance administrators manage connectors. // CON-1
func TestConnectorsAPI(t *testing.T) {
	slapd := ldaptest.Start(t)
	h := newHarness(t, sqlitetest.Open(t))
	c := ldapConnector(h, slapd)
	if strings.Contains(c.raw, slapd.Password) || strings.Contains(c.raw, "bindPassword\":") {
		t.Fatalf("the connector shows its secret: %s", c.raw)
	}
	if !strings.Contains(c.raw, `"secretsSet":["bindPassword"]`) {
		t.Errorf("the connector does not say its bindPassword is set: %s", c.raw)
	}
	for _, r := range []resp{h.must(h.admin, "GET", connectors, nil, 200), h.must(h.admin, "GET", connectors+"/corp-ldap", nil, 200)} {
		if strings.Contains(r.raw, slapd.Password) {
			t.Errorf("a read shows the secret: %s", r.raw)
		}
	}
	audit := h.must(h.admin, "GET", "/bestow/v1/audit?objectType=connector", nil, 200)
	if !strings.Contains(audit.raw, "corp-ldap") || strings.Contains(audit.raw, slapd.Password) {
		t.Errorf("the audit log lacks the connector or shows its secret: %.400s", audit.raw)
	}
	if got := h.must(h.admin, "POST", connectors+"/corp-ldap/test", nil, 200); got.body["ok"] != true {
		t.Errorf("test of a good connector: %s", got.raw)
	}

	h.fails(h.admin, "POST", connectors, map[string]any{"id": "corp-ldap", "type": "ldap", "displayName": "again",
		"settings": map[string]any{"url": slapd.URL, "baseDN": slapd.BaseDN}}, 409, "already exists")
	h.fails(h.admin, "POST", connectors, map[string]any{"id": "bad id!", "type": "ldap", "displayName": "x"}, 400, "letters, digits and '-'")
	h.fails(h.admin, "POST", connectors, map[string]any{"id": "AadGroup", "type": "ldap", "displayName": "x"}, 400, "built-in directory")
	h.fails(h.admin, "POST", connectors, map[string]any{"id": "x", "type": "ftp", "displayName": "x"}, 400, "use ldap or scim")
	h.fails(h.admin, "POST", connectors, map[string]any{"id": "x", "type": "ldap", "displayName": "x",
		"settings": map[string]any{"url": "http://nowhere", "baseDN": "dc=x"}}, 400, "ldap://")
	h.fails(h.admin, "POST", connectors, map[string]any{"id": "x", "type": "ldap", "displayName": "x",
		"settings": map[string]any{"url": slapd.URL, "baseDN": "dc=x", "colour": "blue"}}, 400, "colour")

	// Files on the server are the config file's business, never the API's.
	h.fails(h.admin, "POST", connectors, map[string]any{"id": "files", "type": "ldap", "displayName": "x",
		"settings": map[string]any{"url": slapd.URL, "baseDN": "dc=x", "bindDN": "cn=x", "bindPasswordFile": "/etc/shadow"}}, 400, "settings.bindPasswordFile names a file on the server")
	h.fails(h.admin, "PATCH", connectors+"/corp-ldap", map[string]any{"settings": map[string]any{"caFile": "/etc/ssl/private/key.pem"}}, 400, "settings.caFile")

	// A wrong password: the change is kept, and test says what is wrong.
	h.must(h.admin, "PATCH", connectors+"/corp-ldap", map[string]any{"settings": map[string]any{"bindPassword": "wrong"}}, 200)
	if got := h.must(h.admin, "POST", connectors+"/corp-ldap/test", nil, 200); got.body["ok"] != false || !strings.Contains(got.str("message"), "refused the bind") {
		t.Errorf("test with a wrong password: %s", got.raw)
	}
	h.must(h.admin, "PATCH", connectors+"/corp-ldap", map[string]any{"settings": map[string]any{"bindPassword": slapd.Password}}, 200)
	renamed := h.must(h.admin, "PATCH", connectors+"/corp-ldap", map[string]any{"displayName": "Corp LDAP", "id": "other"}, 200)
	if renamed.str("displayName") != "Corp LDAP" || renamed.str("id") != "corp-ldap" || renamed.str("settings.url") != slapd.URL {
		t.Errorf("PATCH changed more or less than the name: %s", renamed.raw)
	}
	if got := h.must(h.admin, "POST", connectors+"/corp-ldap/test", nil, 200); got.body["ok"] != true {
		t.Errorf("test after the password was put back: %s", got.raw)
	}
	// Pointed elsewhere, the connector does not take its password along (it was given for
	// the old target): the change needs the password again.
	h.fails(h.admin, "PATCH", connectors+"/corp-ldap", map[string]any{"settings": map[string]any{"url": "ldap://127.0.0.1:1"}}, 400, "has no password")
	h.must(h.admin, "PATCH", connectors+"/corp-ldap", map[string]any{"settings": map[string]any{"url": slapd.URL, "bindPassword": slapd.Password}}, 200)
	groups := h.must(h.admin, "GET", connectors+"/corp-ldap/groups?search=fin", nil, 200).list()
	if len(groups) != 1 || groups[0]["originId"] != ldaptest.GroupDN("finance") {
		t.Errorf("groups matching 'fin': %v", groups)
	}

	// Only Global and Identity Governance administrators manage connectors.
	userAdmin, uaTok := h.user("ua@bestow.test")
	h.grant(userAdmin, access.RoleUserAdmin, "")
	h.fails(uaTok, "GET", connectors, nil, 403, "Global Administrator", "Identity Governance Administrator")
	_, nobody := h.user("nobody@bestow.test")
	h.must(nobody, "POST", connectors+"/corp-ldap/test", nil, 403)
}

// TestLDAPDelivery is the story of the delivery issue on a real slapd: an LDAP group in a
// package, a direct assignment delivered into the group's member attribute; slapd down →
// the next assignment waits with a delivery error and reprocess is refused until the
// retries end; slapd back → delivered with nobody acting; a member removed with ldapmodify
// → reconcile reports it missing and a reprocess puts it back. // CON-2 REQ-6 REQ-7 REQ-8 ASG-3 ASG-6
func TestLDAPDelivery(t *testing.T) {
	slapd := ldaptest.Start(t)
	h := newHarness(t, sqlitetest.Open(t))
	h.svc.SetRetryPolicy(access.RetryPolicy{For: time.Hour, First: 20 * time.Millisecond, Max: 100 * time.Millisecond})
	ldapConnector(h, slapd)
	cat := h.catalog(h.admin, "Finance")
	dn := ldaptest.GroupDN("finance")
	if r := h.addResource(h.admin, cat, "corp-ldap", dn); r.status != 201 {
		t.Fatalf("adding the LDAP group to the catalog: %d %s", r.status, r.raw)
	}
	h.fails(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd", "catalog": map[string]any{"id": cat},
		"resource": map[string]any{"originId": ldaptest.GroupDN("nothing"), "originSystem": "corp-ldap"}}, 404, "does not exist")
	pkg := h.pkg(h.admin, cat, "Finance tools")
	h.must(h.admin, "POST", em+"/accessPackages/"+pkg+"/resourceRoleScopes", map[string]any{
		"role":  map[string]any{"originId": "Member", "originSystem": "corp-ldap", "resource": map[string]any{"originId": dn, "originSystem": "corp-ldap"}},
		"scope": map[string]any{"originId": dn, "originSystem": "corp-ldap"}}, 201)
	pol := h.adminPolicy(pkg)
	assign := func(mail string) (reqID string) {
		id, _ := h.user(mail)
		h.must(h.admin, "PATCH", "/v1.0/users/"+id, map[string]any{"mail": mail}, 204)
		return h.must(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
			"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": pol, "targetId": id}}, 201).str("id")
	}
	request := func(id string) resp {
		return h.must(h.admin, "GET", em+"/assignmentRequests/"+id+"?$expand=assignment", nil, 200)
	}
	settle := func(id, want string) resp {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			h.work()
			if r := request(id); r.str("state") == want || time.Now().After(deadline) {
				if r.str("state") != want {
					t.Fatalf("request %s is %s, want %s: %s", id, r.str("state"), want, r.raw)
				}
				return r
			}
		}
	}
	daveDN := ldaptest.UserDN("dave")

	dave := assign("dave@bestow.test")
	settle(dave, "delivered")
	if !slices.Contains(slapd.Members(dn), daveDN) {
		t.Fatalf("dave is not in the group's member attribute: %v", slapd.Members(dn))
	}

	// slapd down: carol's assignment waits, with a delivery error and a next retry.
	slapd.Stop()
	carol := assign("carol@bestow.test")
	h.work()
	if r := request(carol); r.str("state") != "delivering" {
		t.Fatalf("with slapd down the request is %s", r.str("state"))
	}
	errs := h.must(h.admin, "GET", "/bestow/v1/assignmentRequests/"+carol+"/deliveryErrors", nil, 200)
	if list := errs.list(); errs.body["@odata.count"] != float64(1) || len(list) != 1 || !strings.Contains(list[0]["message"].(string), "unavailable") ||
		list[0]["originSystem"] != "corp-ldap" || list[0]["nextRetryDateTime"] == nil {
		t.Fatalf("delivery errors while slapd is down: %s", errs.raw)
	}
	h.fails(h.admin, "POST", em+"/assignmentRequests/"+carol+"/reprocess", nil, 400, "retried automatically until")
	if ex := h.must(h.admin, "GET", "/bestow/v1/explain/delivery?request="+carol, nil, 200); !strings.Contains(ex.raw, "Wait: Member of 'finance' in corp-ldap is retried automatically") {
		t.Errorf("explain delivery while slapd is down: %s", ex.raw)
	} // TRB-2
	slapd.Restart()
	settle(carol, "delivered")
	if !slices.Contains(slapd.Members(dn), ldaptest.UserDN("carol")) {
		t.Fatalf("carol is not in the group after slapd came back: %v", slapd.Members(dn))
	}

	// dave removed by hand: reconcile reports him missing; reprocess puts him back.
	modify := exec.Command("ldapmodify", "-x", "-H", slapd.URL, "-D", slapd.BindDN, "-w", slapd.Password)
	modify.Stdin = strings.NewReader("dn: " + dn + "\nchangetype: modify\ndelete: member\nmember: " + daveDN + "\n")
	if out, err := modify.CombinedOutput(); err != nil {
		t.Fatalf("ldapmodify: %v\n%s", err, out)
	}
	report := h.must(h.admin, "POST", connectors+"/corp-ldap/reconcile", nil, 200).list()
	var missing []string
	for _, d := range report {
		if d["kind"] == "missing" {
			missing = append(missing, d["userPrincipalName"].(string))
		}
	}
	if len(missing) != 1 || missing[0] != "dave@bestow.test" {
		t.Fatalf("reconcile after ldapmodify: %v", report)
	}
	asg := request(dave).str("assignment.id")
	if got := h.must(h.admin, "GET", em+"/assignments/"+asg, nil, 200).str("state"); got != "deliveryFailed" {
		t.Errorf("dave's assignment after the reconcile is %s, want deliveryFailed (its only role drifted)", got)
	}
	h.must(h.admin, "POST", em+"/assignments/"+asg+"/reprocess", nil, 202)
	for deadline := time.Now().Add(20 * time.Second); !slices.Contains(slapd.Members(dn), daveDN); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("reprocess did not put dave back: %v", slapd.Members(dn))
		}
		h.work()
	}
	// What remains is bob, in the group before Bestow and not a Bestow user: reported as
	// unexpected, and never removed, even with repair.
	report = h.must(h.admin, "POST", connectors+"/corp-ldap/reconcile", map[string]any{"repair": true}, 200).list()
	if len(report) != 1 || report[0]["kind"] != "unexpected" || report[0]["mail"] != "bob@bestow.test" || report[0]["repaired"] != false {
		t.Errorf("drift after the repair: %v", report)
	}
	if !slices.Contains(slapd.Members(dn), ldaptest.UserDN("bob")) {
		t.Errorf("a member Bestow does not know was removed: %v", slapd.Members(dn))
	}

	// carol's assignment ends and her membership goes; put back by hand she is unexpected.
	// Bestow keeps no record of roles it revoked, so even a repairing reconcile only reports
	// her: it never removes a member it has no record of.
	carolAsg := request(carol).str("assignment.id")
	h.must(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminRemove", "assignment": map[string]any{"id": carolAsg}}, 201)
	h.work()
	carolDN := ldaptest.UserDN("carol")
	if slices.Contains(slapd.Members(dn), carolDN) {
		t.Fatalf("carol is still in the group after her assignment ended")
	}
	readd := exec.Command("ldapmodify", "-x", "-H", slapd.URL, "-D", slapd.BindDN, "-w", slapd.Password)
	readd.Stdin = strings.NewReader("dn: " + dn + "\nchangetype: modify\nadd: member\nmember: " + carolDN + "\n")
	if out, err := readd.CombinedOutput(); err != nil {
		t.Fatalf("ldapmodify: %v\n%s", err, out)
	}
	for _, repair := range []bool{false, true} {
		seen := false
		for _, d := range h.must(h.admin, "POST", connectors+"/corp-ldap/reconcile", map[string]any{"repair": repair}, 200).list() {
			if d["kind"] == "unexpected" && d["mail"] == "carol@bestow.test" {
				seen = d["repaired"] == false && d["userId"] != ""
			}
		}
		if !seen {
			t.Errorf("reconcile (repair %v) does not report carol as unexpected, unrepaired", repair)
		}
	}
	h.work()
	if !slices.Contains(slapd.Members(dn), carolDN) {
		t.Errorf("a member Bestow has no record of was removed: %v", slapd.Members(dn))
	}

	// The connector cannot go while the catalog holds its group.
	h.fails(h.admin, "DELETE", connectors+"/corp-ldap", nil, 400, "'finance' in catalog 'Finance'")
}

// TestLDAPPreExisting adds an LDAP group that already has a member who is a Bestow user:
// the member is listed as pre-existing, assigned directly in one call, and keeps the
// membership when that assignment ends. // RES-7 CON-2
func TestLDAPPreExisting(t *testing.T) {
	slapd := ldaptest.Start(t)
	h := newHarness(t, sqlitetest.Open(t))
	ldapConnector(h, slapd)
	bob, _ := h.user("bob@bestow.test")
	h.must(h.admin, "PATCH", "/v1.0/users/"+bob, map[string]any{"mail": "bob@bestow.test"}, 204)
	cat := h.catalog(h.admin, "Finance")
	dn := ldaptest.GroupDN("finance")
	res := h.addResource(h.admin, cat, "corp-ldap", dn)
	if res.status != 201 {
		t.Fatal(res.raw)
	}
	resID := h.must(h.admin, "GET", em+"/catalogs/"+cat+"/resources", nil, 200).list()[0]["id"].(string)
	pre := h.must(h.admin, "GET", "/bestow/v1/resources/"+resID+"/preExisting", nil, 200).list()
	if len(pre) != 1 || pre[0]["userId"] != bob || pre[0]["roleOriginId"] != "Member" {
		t.Fatalf("pre-existing members of the LDAP group: %v", pre)
	}
	// bob was there before Bestow: a reconcile, even one that repairs, leaves him alone.
	if report := h.must(h.admin, "POST", connectors+"/corp-ldap/reconcile", map[string]any{"repair": true}, 200).list(); len(report) != 0 {
		t.Errorf("reconcile of a freshly added group reports %v, want nothing", report)
	}
	h.work()
	if !slices.Contains(slapd.Members(dn), ldaptest.UserDN("bob")) {
		t.Fatalf("a repairing reconcile removed bob, a member from before Bestow: %v", slapd.Members(dn))
	}
	pkg := h.pkg(h.admin, cat, "Finance tools")
	h.must(h.admin, "POST", em+"/accessPackages/"+pkg+"/resourceRoleScopes", map[string]any{
		"role":  map[string]any{"originId": "Member", "originSystem": "corp-ldap", "resource": map[string]any{"originId": dn, "originSystem": "corp-ldap"}},
		"scope": map[string]any{"originId": dn, "originSystem": "corp-ldap"}}, 201)
	pol := h.adminPolicy(pkg)
	got := h.must(h.admin, "POST", "/bestow/v1/resources/"+resID+"/preExisting/assign", map[string]any{"accessPackageId": pkg, "assignmentPolicyId": pol}, 200)
	if got.body["requested"] != float64(1) {
		t.Fatalf("assign pre-existing: %s", got.raw)
	}
	h.work()
	asg := h.must(h.admin, "GET", em+"/assignments", nil, 200).list()
	if len(asg) != 1 || asg[0]["state"] != "delivered" {
		t.Fatalf("bob's assignment: %v", asg)
	}
	h.must(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminRemove", "assignment": map[string]any{"id": asg[0]["id"]}}, 201)
	h.work()
	if !slices.Contains(slapd.Members(dn), ldaptest.UserDN("bob")) {
		t.Errorf("bob, a member before Bestow, lost the membership when his assignment ended: %v", slapd.Members(dn))
	}
}
