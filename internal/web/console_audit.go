package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// The Audit log tab (RPT-2): the log searched by actor, object, action and dates, a page
// of 50 entries at a time, each with its before and after; the filtered log as CSV; and
// the verification of its hash chain (SEC-6). All of it is for who may read the audit log
// (ActReadAudit); the Service decides.

const (
	auditPageSize = 50
	auditCSVChunk = 500 // entries read per call while the CSV is written, so memory stays flat
)

// auditForm is the search as typed.
type auditForm struct {
	Actor, ObjectType, ObjectID, Action, Since, Until string
}

// auditRow is one entry of the log, with its documents pretty-printed.
type auditRow struct {
	Entry         access.AuditEntry
	Before, After string
}

// auditView is the data of the Audit log tab.
type auditView struct {
	Head                 SettingsHead
	Form                 auditForm
	ObjectTypes, Actions []string
	Rows                 []auditRow
	From, To             int // the entries shown, 1-based
	Prev, Next           string
	CSV                  string
	Verification         *access.AuditVerification
}

// auditQuery reads the search from the request: the actor by userPrincipalName or id, the
// dates as days in UTC (until inclusive).
func (p *Portal) auditQuery(r *http.Request, who access.Actor) (access.AuditQuery, auditForm, error) {
	v := r.URL.Query()
	f := auditForm{Actor: strings.TrimSpace(v.Get("actor")), ObjectType: v.Get("objectType"), ObjectID: strings.TrimSpace(v.Get("objectId")),
		Action: v.Get("action"), Since: v.Get("since"), Until: v.Get("until")}
	q := access.AuditQuery{ActorID: f.Actor, ObjectType: f.ObjectType, ObjectID: f.ObjectID, Action: f.Action}
	if f.Actor != "" {
		if u, err := p.svc.GetUser(r.Context(), who, f.Actor); err == nil {
			q.ActorID = u.ID
		}
	}
	for _, d := range []struct {
		name, value string
		dst         **time.Time
		days        int
	}{{"From", f.Since, &q.Since, 0}, {"Until", f.Until, &q.Until, 1}} {
		if d.value == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.value)
		if err != nil {
			return q, f, access.E(access.KindInvalid, "%s must be a date such as 2026-11-02, not '%s'", d.name, d.value)
		}
		t = t.AddDate(0, 0, d.days)
		*d.dst = &t
	}
	return q, f, nil
}

// filterQuery is the search as a query string, for the links of the tab.
func (f auditForm) filterQuery() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "objectType": f.ObjectType, "objectId": f.ObjectID,
		"action": f.Action, "since": f.Since, "until": f.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// adminAudit shows the Audit log tab: one page of the entries the search selects.
func (p *Portal) adminAudit(w http.ResponseWriter, r *http.Request) {
	p.showAudit(w, r, nil)
}

// adminVerifyAudit verifies the audit chain (SEC-6) and shows the answer above the log.
func (p *Portal) adminVerifyAudit(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	v, err := p.svc.VerifyAudit(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	p.showAudit(w, r, &v)
}

func (p *Portal) showAudit(w http.ResponseWriter, r *http.Request, verified *access.AuditVerification) {
	who := actorOf(r)
	head, err := settingsHead(who, "audit")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	v := auditView{Head: head, ObjectTypes: access.AuditObjectTypes, Actions: access.AuditActions, Verification: verified}
	q, form, err := p.auditQuery(r, who)
	v.Form = form
	num, _ := strconv.Atoi(r.URL.Query().Get("page"))
	num = max(num, 1)
	var list []access.AuditEntry
	if err == nil {
		q.Offset, q.Limit = (num-1)*auditPageSize, auditPageSize+1 // one more tells whether there is a next page
		list, err = p.svc.Audit(r.Context(), who, q)
	}
	status, msg := http.StatusOK, ""
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError || access.IsKind(err, access.KindForbidden) {
			p.fail(w, r, who, err)
			return
		}
		status, msg = statusOf(err), err.Error()
	}
	filter := form.filterQuery()
	link := func(n int) string {
		l := url.Values{}
		for k, vs := range filter {
			l[k] = vs
		}
		l.Set("page", strconv.Itoa(n))
		return "/admin/settings/audit?" + l.Encode()
	}
	if len(list) > auditPageSize {
		list = list[:auditPageSize]
		v.Next = link(num + 1)
	}
	if num > 1 {
		v.Prev = link(num - 1)
	}
	v.From, v.To = q.Offset+1, q.Offset+len(list)
	v.CSV = "/admin/settings/audit.csv"
	if len(filter) > 0 {
		v.CSV += "?" + filter.Encode()
	}
	for _, e := range list {
		v.Rows = append(v.Rows, auditRow{Entry: e, Before: pretty(e.Before), After: pretty(e.After)})
	}
	p.render(w, r, status, "admin_set_audit", page{Title: "Audit log", Nav: "admin-settings", Who: who, Error: msg, Data: v})
}

// pretty indents a stored document for reading; an absent one is "null", as in the API.
func pretty(doc json.RawMessage) string {
	if len(doc) == 0 {
		return "null"
	}
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "  "); err != nil {
		return string(doc)
	}
	return b.String()
}

// adminAuditCSV downloads the entries the search selects as CSV, in the columns of the
// API's export. The entries are read a chunk at a time and streamed.
func (p *Portal) adminAuditCSV(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	q, _, err := p.auditQuery(r, who)
	fetch := func() ([]access.AuditEntry, error) {
		q.Limit = auditCSVChunk
		return p.svc.Audit(r.Context(), who, q)
	}
	var list []access.AuditEntry
	if err == nil {
		list, err = fetch() // before the first byte, so that a refusal is still a page
	}
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bestow-audit-%s.csv"`, time.Now().UTC().Format("20060102-150405")))
	out := csv.NewWriter(w)
	_ = out.Write([]string{"id", "dateTime", "actorId", "actorName", "action", "objectType", "objectId", "before", "after"})
	for {
		for _, e := range list {
			_ = out.Write([]string{e.ID, e.Time.UTC().Format(time.RFC3339Nano), e.ActorID, csvSafe(e.ActorName), e.Action,
				e.ObjectType, csvSafe(e.ObjectID), string(orNull(e.Before)), string(orNull(e.After))})
		}
		out.Flush()
		if out.Error() != nil || len(list) < q.Limit {
			return // done, or the browser went away
		}
		q.Offset += len(list)
		if list, err = fetch(); err != nil {
			// The status is sent: cut the response, so the download is seen to be
			// incomplete rather than taken for the whole log.
			p.opts.Log.Error("audit export", "err", err, "offset", q.Offset)
			panic(http.ErrAbortHandler)
		}
	}
}

// orNull is a document for a CSV cell: "null" when absent, as in the JSON form.
func orNull(doc json.RawMessage) []byte {
	if len(doc) == 0 {
		return []byte("null")
	}
	return doc
}
