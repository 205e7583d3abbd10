package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// Kinds lists every message kind that has templates, in the order of the NOT-1 list.
var Kinds = []string{
	access.MailApprovalNeeded,
	access.MailApprovalReminder,
	access.MailRequestApproved,
	access.MailRequestDenied,
	access.MailRequestExpired,
	access.MailAccessDelivered,
	access.MailExpiringSoon,
	access.MailAccessEnded,
}

// actions are the labels of each kind's portal link.
var actions = map[string]string{
	access.MailApprovalNeeded:   "Review the request",
	access.MailApprovalReminder: "Review the request",
	access.MailRequestApproved:  "See the access package",
	access.MailRequestDenied:    "Request it again",
	access.MailRequestExpired:   "Request it again",
	access.MailAccessDelivered:  "See your access",
	access.MailExpiringSoon:     "Extend your access",
	access.MailAccessEnded:      "Request it again",
}

// ApprovalsPath is the portal page where approvers decide, relative to the base URL.
const ApprovalsPath = "/portal/approvals"

type kindTemplates struct {
	text *texttemplate.Template // defines "subject" and "layout" (with "text", "details")
	html *htmltemplate.Template // defines "layout" (with "body", "details")
}

var templates = parseTemplates()

func parseTemplates() map[string]kindTemplates {
	out := map[string]kindTemplates{}
	for _, k := range Kinds {
		t := texttemplate.Must(texttemplate.New(k).Option("missingkey=error").
			ParseFS(templateFS, "templates/common.txt", "templates/"+k+".txt"))
		h := htmltemplate.Must(htmltemplate.New(k).Option("missingkey=error").
			ParseFS(templateFS, "templates/layout.html", "templates/"+k+".html"))
		out[k] = kindTemplates{text: t, html: h}
	}
	return out
}

// view is what the templates see: the message data with readable fallbacks.
type view struct {
	Kind, Subject string
	// Link is the portal page for this mail (empty without a base URL) and Action its label.
	Link, Action string

	Target, AccessPackage, Justification, Stage, Reason, RequestID string
	Verb                                                           string // "requests", or "asks to extend" for extensions
	Escalated                                                      bool
	DecideBy, EndDate                                              string // formatted for people
	Days                                                           int    // days left (expiringSoon), 0 if unknown
	In, When                                                       string // "in 14 days"; "in 14 days" or "tomorrow"
}

func newView(kind string, d map[string]string, baseURL string) view {
	v := view{
		Kind:          kind,
		Action:        actions[kind],
		Target:        or(d["target"], "a user"),
		AccessPackage: or(d["accessPackage"], "an access package"),
		Justification: d["justification"],
		Stage:         d["stage"],
		Reason:        d["reason"],
		RequestID:     d["requestId"],
		Verb:          "requests",
		Escalated:     d["escalated"] == "true",
		DecideBy:      formatTime(d["decideBy"]),
		EndDate:       formatTime(d["endDateTime"]),
		When:          "soon",
	}
	switch d["requestType"] {
	case "userExtend", "UserExtend", "adminUpdate", "userUpdate":
		v.Verb = "asks to extend"
	}
	if n, err := strconv.Atoi(d["days"]); err == nil && n > 0 {
		v.Days = n
		v.In = fmt.Sprintf("in %d days", n)
		v.When = v.In
		if n == 1 {
			v.In, v.When = "in 1 day", "tomorrow"
		}
	} else if v.EndDate != "" {
		v.When = "on " + v.EndDate
	}
	if base := strings.TrimRight(baseURL, "/"); base != "" {
		switch kind {
		case access.MailApprovalNeeded, access.MailApprovalReminder:
			v.Link = base + ApprovalsPath
		default:
			v.Link = base + or(d["portalPath"], "/portal")
		}
	}
	return v
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// formatTime turns an RFC 3339 time into "Monday 2 January 2026, 15:04 UTC"; anything
// else is returned as it is.
func formatTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Format("Monday 2 January 2006, 15:04 MST")
}

var blankLines = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+\n`)

// Render renders a message of the given kind: its subject, plain-text body and HTML body.
// data is access.Message.Data; baseURL (for example https://bestow.example.com) makes the
// portal links: approvers get baseURL + /portal/approvals, requestors and targets the
// access package's portal page. An unknown kind is an error.
func Render(kind string, data map[string]string, baseURL string) (subject, text, html string, err error) {
	t, ok := templates[kind]
	if !ok {
		return "", "", "", fmt.Errorf("no mail template for message kind '%s' (known kinds: %s)", kind, strings.Join(Kinds, ", "))
	}
	v := newView(kind, data, baseURL)
	var b bytes.Buffer
	if err := t.text.ExecuteTemplate(&b, "subject", v); err != nil {
		return "", "", "", fmt.Errorf("rendering the subject of a %s mail: %w", kind, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ") // one line, whatever the data holds
	v.Subject = subject
	b.Reset()
	if err := t.text.ExecuteTemplate(&b, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("rendering the text of a %s mail: %w", kind, err)
	}
	text = strings.TrimSpace(blankLines.ReplaceAllString(b.String(), "\n\n")) + "\n"
	b.Reset()
	if err := t.html.ExecuteTemplate(&b, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("rendering the HTML of a %s mail: %w", kind, err)
	}
	html = b.String()
	return subject, text, html, nil
}
