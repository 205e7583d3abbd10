package web

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// overviewView is the data of the console's Overview.
type overviewView struct {
	At        access.Attention
	Overdue   []requestRow
	Chart     chart
	EndsBy    string // the date the "ending soon" link filters on
	Packages  int    // packages the viewer may read, for a first-time viewer's hint
	CanCreate bool
}

// adminOverview shows what needs attention now, each a link to the filtered list, and a
// chart of the last 30 days (drawn here as SVG). People who may not read assignments
// anywhere (a Catalog creator, a Catalog reader) go to the access packages instead.
func (p *Portal) adminOverview(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if !who.MayAnywhere(access.ActReadAssignments) {
		http.Redirect(w, r, "/admin/access-packages", http.StatusSeeOther)
		return
	}
	at, err := p.svc.Attention(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	var ids []string
	for _, q := range at.ApprovalsOverdue {
		ids = append(ids, q.TargetID, q.RequestorID)
	}
	users := p.names(r, who, ids...)
	v := overviewView{At: at, Chart: drawChart(at.Days), EndsBy: at.EndsBy.UTC().Format(time.DateOnly)}
	for _, q := range at.ApprovalsOverdue {
		v.Overdue = append(v.Overdue, requestRow{Request: q, Target: users[q.TargetID], Requestor: users[q.RequestorID]})
	}
	p.render(w, r, http.StatusOK, "admin_overview", page{Title: "Overview", Nav: "admin-overview", Who: who, Data: v})
}

// chart is a bar chart of DayCounts: for each day a bar of requests, of deliveries and
// of failures, on one scale, with a table of the same figures for who cannot see it.
type chart struct {
	Width, Height int
	Bars          []bar
	Ticks         []tick
	Days          []access.DayCount
	Max           int
}

type bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

type tick struct {
	X     int
	Label string
}

// drawChart lays the days out: 3 bars of 5 px per day, 4 px apart.
func drawChart(days []access.DayCount) chart {
	const barW, gap, height, top, bottom = 5, 4, 160, 10, 24
	c := chart{Width: len(days)*(3*barW+gap) + gap, Height: height, Days: days, Max: 1}
	for _, d := range days {
		c.Max = max(c.Max, d.Requests, d.Delivered, d.Failed)
	}
	scale := float64(height-top-bottom) / float64(c.Max)
	for i, d := range days {
		x := gap + i*(3*barW+gap)
		day := d.Day.Format("2 Jan")
		for j, s := range []struct {
			n     int
			class string
			what  string
		}{{d.Requests, "requests", "requests"}, {d.Delivered, "delivered", "delivered"}, {d.Failed, "failed", "failed"}} {
			h := int(float64(s.n)*scale + 0.5)
			c.Bars = append(c.Bars, bar{X: x + j*barW, Y: height - bottom - h, W: barW, H: h, Class: s.class, Title: fmt.Sprintf("%s: %d %s", day, s.n, s.what)})
		}
		if i%7 == 0 {
			c.Ticks = append(c.Ticks, tick{X: x, Label: day})
		}
	}
	return c
}

// adminAllRequests lists the requests in one state across the catalogs the viewer may
// read (the Overview links here), newest first.
func (p *Portal) adminAllRequests(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	state := r.URL.Query().Get("state")
	list, err := p.svc.ListRequests(r.Context(), who, state)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	slices.SortStableFunc(list, func(a, b access.Request) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
	pg := pageOf(r, len(list))
	shown := list[pg.From:pg.To]
	var ids []string
	for _, q := range shown {
		ids = append(ids, q.TargetID, q.RequestorID)
	}
	users := p.names(r, who, ids...)
	rows := make([]requestRow, len(shown))
	for i, q := range shown {
		rows[i] = requestRow{Request: q, Target: users[q.TargetID], Requestor: users[q.RequestorID]}
	}
	p.render(w, r, http.StatusOK, "admin_all_requests", page{Title: "Requests", Nav: "admin-overview", Who: who,
		Data: map[string]any{"Rows": rows, "Page": pg, "State": state}})
}

// adminAllAssignments lists assignments across the catalogs the viewer may read, in one
// state or ending by a date (?endsBy=2006-01-02), the Overview's links.
func (p *Portal) adminAllAssignments(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	f := access.AssignmentFilter{State: r.URL.Query().Get("state")}
	what := f.State
	if s := r.URL.Query().Get("endsBy"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			p.fail(w, r, who, access.E(access.KindInvalid, "endsBy '%s' is not a date; use YYYY-MM-DD", s))
			return
		}
		t = t.Add(24*time.Hour - time.Second)
		f.EndsBy = &t
		what = "ending by " + s
	}
	list, err := p.svc.ListAssignments(r.Context(), who, f)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	slices.SortStableFunc(list, func(a, b access.Assignment) int { return a.CreatedDateTime.Compare(b.CreatedDateTime) })
	pg := pageOf(r, len(list))
	shown := list[pg.From:pg.To]
	ids := make([]string, len(shown))
	for i, a := range shown {
		ids[i] = a.TargetID
	}
	users := p.names(r, who, ids...)
	pkgName := map[string]string{}
	rows := make([]assignmentRow, len(shown))
	for i, a := range shown {
		if _, ok := pkgName[a.PackageID]; !ok {
			if pk, err := p.svc.GetPackage(r.Context(), who, a.PackageID); err == nil {
				pkgName[a.PackageID] = pk.DisplayName
			}
		}
		rows[i] = assignmentRow{Assignment: a, User: users[a.TargetID], Policy: pkgName[a.PackageID]}
	}
	p.render(w, r, http.StatusOK, "admin_all_assignments", page{Title: "Assignments", Nav: "admin-overview", Who: who,
		Data: map[string]any{"Rows": rows, "Page": pg, "What": what}})
}
