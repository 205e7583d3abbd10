package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// The Notifications tab (NOT-1): the mail outbox, every message with its state, its
// recipients, its template, how many attempts were made and the last error; Retry sends a
// failed or skipped one again.

// messageStates are the filters of the Notifications tab; "" is every message.
var messageStates = []struct{ Value, Label string }{
	{"", "All"},
	{access.MsgPending, "Pending"},
	{access.MsgSent, "Sent"},
	{access.MsgFailed, "Failed"},
	{access.MsgSkipped, "Skipped"},
}

// messageRow is one message of the outbox.
type messageRow struct {
	Message  access.Message
	To       []string // the addresses it went to, or the names of its recipients
	CanRetry bool
}

// notificationsView is the data of the Notifications tab.
type notificationsView struct {
	Head   SettingsHead
	States []struct{ Value, Label string }
	State  string
	Rows   []messageRow
	Page   listPage
}

// adminNotifications shows the outbox, newest first, filtered by state.
func (p *Portal) adminNotifications(w http.ResponseWriter, r *http.Request) {
	p.showNotifications(w, r, http.StatusOK, "")
}

func (p *Portal) showNotifications(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	head, err := settingsHead(who, "notifications")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	state := r.URL.Query().Get("state")
	if !slices.ContainsFunc(messageStates, func(s struct{ Value, Label string }) bool { return s.Value == state }) {
		p.fail(w, r, who, access.E(access.KindInvalid, "state '%s' is not a state of notifications; use pending, sent, failed or skipped", state))
		return
	}
	list, err := p.svc.ListMessages(r.Context(), who, state)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	slices.Reverse(list) // the Service lists the newest last
	pg := pageOf(r, len(list))
	shown := list[pg.From:pg.To]
	var ids []string
	for _, m := range shown {
		if len(m.Recipients) == 0 {
			ids = append(ids, m.To...)
		}
	}
	names := p.names(r, who, ids...)
	canRetry := who.Can(access.ActManageAssignments, access.Target{})
	v := notificationsView{Head: head, States: messageStates, State: state, Page: pg}
	for _, m := range shown {
		row := messageRow{Message: m, To: m.Recipients,
			CanRetry: canRetry && (m.State == access.MsgFailed || m.State == access.MsgSkipped)}
		if len(row.To) == 0 {
			for _, id := range m.To {
				row.To = append(row.To, names[id].DisplayName)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	p.render(w, r, status, "admin_set_notifications", page{Title: "Notifications", Nav: "admin-settings", Who: who, Error: msg, Data: v})
}

// adminRetryNotification sends a failed or skipped message again and returns to the list
// it was retried from.
func (p *Portal) adminRetryNotification(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if _, err := p.svc.RetryMessage(r.Context(), who, r.PathValue("id")); err != nil {
		if statusOf(err) == http.StatusInternalServerError || access.IsKind(err, access.KindNotFound) {
			p.fail(w, r, who, err)
			return
		}
		p.showNotifications(w, r, statusOf(err), err.Error())
		return
	}
	back := "/admin/settings/notifications?notice=" + url.QueryEscape("The message is queued to be sent again.")
	if st := strings.TrimSpace(r.PostFormValue("state")); st != "" {
		back += "&state=" + url.QueryEscape(st)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
