package graphapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// The audit log (RPT-2): search it as JSON, export it as CSV.

const (
	auditPath        = "/bestow/v1/audit"
	auditVerifyPath  = "/bestow/v1/audit/verify"
	auditDefaultTop  = 100
	auditMaxTop      = 1000
	auditExportChunk = 1000 // entries read per transaction while exporting CSV
)

// auditParams are the query parameters the endpoint takes.
var auditParams = []string{"actor", "objectType", "objectId", "action", "since", "until", "$top", "$skip", "format"}

// auditColumns are the CSV header, in the order of the JSON properties.
var auditColumns = []string{"id", "dateTime", "actorId", "actorName", "action", "objectType", "objectId", "before", "after"}

func (a *API) auditRoutes() []route {
	return []route{
		{method: "GET", pattern: auditPath, summary: "Search the audit log (?actor=&objectType=&objectId=&action=&since=&until=&$top=&$skip=); " +
			"?format=csv or Accept: text/csv exports it as CSV",
			h: a.handle(a.audit)},
		{method: "GET", pattern: auditVerifyPath, summary: "Verify the audit log's hash chain (SEC-6): ok, entries checked, the head hash, " +
			"the first broken link and whether the append-only triggers are in place",
			h: a.handle(a.auditVerify)},
	}
}

// auditVerify answers the verification of the audit chain (SEC-6) as JSON, 200 whether
// the chain is whole or not: ok says which.
func (a *API) auditVerify(w http.ResponseWriter, r *http.Request) error {
	for name := range r.URL.Query() {
		return badRequest("query parameter '%s' is not known here; %s takes none", name, auditVerifyPath)
	}
	v, err := a.svc.VerifyAudit(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// auditRequest is a parsed request of the audit endpoint.
type auditRequest struct {
	q      access.AuditQuery
	top    bool // $top was given
	csv    bool
	values url.Values
}

func parseAuditRequest(r *http.Request) (auditRequest, error) {
	v := r.URL.Query()
	out := auditRequest{values: v}
	for name := range v {
		if !slices.Contains(auditParams, name) {
			return out, badRequest("query parameter '%s' is not known here; %s takes %s", name, auditPath, strings.Join(auditParams, ", "))
		}
	}
	out.q = access.AuditQuery{ActorID: v.Get("actor"), ObjectType: v.Get("objectType"), ObjectID: v.Get("objectId"),
		Action: v.Get("action"), Limit: auditDefaultTop}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"since", &out.q.Since}, {"until", &out.q.Until}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return out, badRequest("query parameter '%s' must be an RFC 3339 date-time such as 2026-11-02T09:00:00Z (in a URL, encode + as %%2B), not '%s'", p.name, s)
		}
		t = t.UTC()
		*p.dst = &t
	}
	if s := v.Get("$top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > auditMaxTop {
			return out, badRequest("query parameter '$top' must be a whole number from 1 to %d, not '%s'", auditMaxTop, s)
		}
		out.q.Limit, out.top = n, true
	}
	if s := v.Get("$skip"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return out, badRequest("query parameter '$skip' must be a whole number of 0 or more, not '%s'", s)
		}
		out.q.Offset = n
	}
	switch f := strings.ToLower(v.Get("format")); f {
	case "", "json":
		out.csv = f == "" && acceptsCSV(r.Header.Get("Accept"))
	case "csv":
		out.csv = true
	default:
		return out, badRequest("query parameter 'format' must be json or csv, not '%s'", v.Get("format"))
	}
	return out, nil
}

// acceptsCSV reports whether an Accept header asks for CSV.
func acceptsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "text/csv") {
			return true
		}
	}
	return false
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) error {
	req, err := parseAuditRequest(r)
	if err != nil {
		return err
	}
	if req.csv {
		return a.auditCSV(w, r, req)
	}
	q := req.q
	q.Limit++ // one more tells whether there is a next page
	list, err := a.svc.Audit(r.Context(), actorOf(r), q)
	if err != nil {
		return err
	}
	body := obj{}
	if len(list) > req.q.Limit {
		list = list[:req.q.Limit]
		next := url.Values{}
		for k, vs := range req.values {
			next[k] = vs
		}
		next.Set("$top", strconv.Itoa(req.q.Limit))
		next.Set("$skip", strconv.Itoa(req.q.Offset+req.q.Limit))
		body["@odata.nextLink"] = absURL(r, auditPath+"?"+next.Encode())
	}
	if list == nil {
		list = []access.AuditEntry{}
	}
	body["value"] = list
	writeJSON(w, http.StatusOK, body)
	return nil
}

// auditCSV exports the entries as CSV: every matching entry, or one page when $top is
// given. The entries are read in chunks, each in its own transaction, and streamed.
func (a *API) auditCSV(w http.ResponseWriter, r *http.Request, req auditRequest) error {
	q := req.q
	remaining := -1 // no bound
	if req.top {
		remaining = q.Limit
	}
	fetch := func() ([]access.AuditEntry, error) {
		q.Limit = auditExportChunk
		if remaining >= 0 {
			q.Limit = min(q.Limit, remaining)
		}
		return a.svc.Audit(r.Context(), actorOf(r), q)
	}
	list, err := fetch() // before the first byte, so that errors are still Graph errors
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bestow-audit-%s.csv"`, time.Now().UTC().Format("20060102-150405")))
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(auditColumns)
	for {
		for _, e := range list {
			_ = cw.Write([]string{e.ID, e.Time.Format(time.RFC3339Nano), e.ActorID, csvCell(e.ActorName), e.Action,
				e.ObjectType, csvCell(e.ObjectID), string(orNull(e.Before)), string(orNull(e.After))})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil // the client went away
		}
		if remaining >= 0 {
			remaining -= len(list)
		}
		if len(list) < q.Limit || remaining == 0 {
			return nil
		}
		q.Offset += len(list)
		if list, err = fetch(); err != nil {
			// The status is sent: cut the response so that the client sees an incomplete
			// download rather than a short file that looks whole.
			a.log.Error("audit export failed", "err", err, "offset", q.Offset)
			panic(http.ErrAbortHandler)
		}
	}
}

// orNull is a document for a CSV cell: "null" when absent, as in the JSON form.
func orNull(doc []byte) []byte {
	if doc == nil {
		return []byte("null")
	}
	return doc
}

// csvCell keeps a spreadsheet from running a cell as a formula: a value that starts with
// = + - @ or a control character gets a leading apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
