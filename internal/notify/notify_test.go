package notify_test

import (
	"bytes"
	"context"
	"errors"
	stdhtml "html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/notify"
)

// received is one mail transaction the test server accepted.
type received struct {
	From string
	To   []string
	Data []byte
}

// server is an in-process SMTP server that records what it is sent. rcpt, when set,
// decides the reply to each RCPT TO.
type server struct {
	addr     string
	mu       sync.Mutex
	mails    []received
	rcpt     func(to string) error
	login    string // "user:password" when the server requires authentication
	loggedIn []string
}

func (s *server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }

type session struct {
	srv  *server
	cur  received
	auth bool
}

func (s *session) AuthMechanisms() []string {
	if s.srv.login == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user+":"+pass != s.srv.login {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.auth = true
		s.srv.mu.Lock()
		s.srv.loggedIn = append(s.srv.loggedIn, user)
		s.srv.mu.Unlock()
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.login != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.cur = received{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.rcpt != nil {
		if err := s.srv.rcpt(to); err != nil {
			return err
		}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.srv.mu.Lock()
	s.srv.mails = append(s.srv.mails, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func (s *server) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

// start runs s on 127.0.0.1 until the test ends.
func start(t *testing.T, s *server) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = discard{}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.addr = ln.Addr().String()
	return s
}

func sender(t *testing.T, addr string, mod ...func(*notify.Config)) *notify.Sender {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	cfg := notify.Config{Host: host, Port: p, From: "Bestow <bestow@example.com>", TLS: "none",
		BaseURL: "https://bestow.example.com/", Timeout: 5 * time.Second}
	for _, f := range mod {
		f(&cfg)
	}
	s, err := notify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func message(kind string) access.Message {
	return access.Message{ID: "msg-42", Kind: kind, To: []string{"u1", "u2"}, State: access.MsgPending, Data: map[string]string{
		"requestId": "req-7", "requestType": "userAdd", "state": "pendingApproval",
		"accessPackage": "Sales tools", "portalPath": "/portal/access-packages/pkg-1",
		"target": "Alice Smith", "justification": "Joining the sales team", "stage": "Stage 1",
	}}
}

var recipients = []access.Recipient{
	{UserID: "u1", Name: "Bob Approver", Address: "bob@example.com"},
	{UserID: "u2", Name: "Carol Approver", Address: "carol@example.com"},
}

// parts reads a multipart/alternative mail and returns its header and its parts by
// media type, decoded.
func parts(t *testing.T, data []byte) (netmail.Header, map[string]string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a mail: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p // multipart.Reader decodes quoted-printable itself
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[ct] = string(b)
	}
	return msg.Header, out
}

func TestSendNOT1(t *testing.T) {
	t.Run("NOT-1 one mail per recipient with subject, text, HTML and a stable message id", func(t *testing.T) {
		srv := start(t, &server{})
		s := sender(t, srv.addr)
		if err := s.Send(context.Background(), message(access.MailApprovalNeeded), recipients); err != nil {
			t.Fatal(err)
		}
		got := srv.received()
		if len(got) != 2 {
			t.Fatalf("%d mails, want one per recipient (2)", len(got))
		}
		ids := map[string]bool{}
		for i, m := range got {
			if m.From != "bestow@example.com" || len(m.To) != 1 || m.To[0] != recipients[i].Address {
				t.Errorf("mail %d: MAIL FROM %q RCPT TO %v, want bestow@example.com and only %s", i, m.From, m.To, recipients[i].Address)
			}
			h, body := parts(t, m.Data)
			dec := new(mime.WordDecoder)
			subject, _ := dec.DecodeHeader(h.Get("Subject"))
			if subject != "Approval needed: Alice Smith requests Sales tools" {
				t.Errorf("Subject %q", subject)
			}
			if h.Get("X-Bestow-Message-Id") != "msg-42" {
				t.Errorf("X-Bestow-Message-Id %q, want msg-42", h.Get("X-Bestow-Message-Id"))
			}
			if id := h.Get("Message-Id"); !strings.Contains(id, "msg-42") || !strings.HasSuffix(id, "@example.com>") {
				t.Errorf("Message-ID %q", id)
			} else {
				ids[id] = true
			}
			to, err := netmail.ParseAddress(h.Get("To"))
			if err != nil || to.Name != recipients[i].Name || to.Address != recipients[i].Address {
				t.Errorf("To %q, want %s <%s>", h.Get("To"), recipients[i].Name, recipients[i].Address)
			}
			if from, _ := netmail.ParseAddress(h.Get("From")); from == nil || from.Name != "Bestow" {
				t.Errorf("From %q", h.Get("From"))
			}
			text, html := body["text/plain"], body["text/html"]
			for _, want := range []string{"Alice Smith requests Sales tools", "Joining the sales team", "Stage 1", "https://bestow.example.com/portal/approvals"} {
				if !strings.Contains(text, want) {
					t.Errorf("text part lacks %q:\n%s", want, text)
				}
			}
			if !strings.Contains(html, `href="https://bestow.example.com/portal/approvals"`) || !strings.Contains(html, "<strong>Sales tools</strong>") {
				t.Errorf("HTML part lacks the link or the package:\n%s", html)
			}
		}
		if len(ids) != 2 {
			t.Errorf("Message-IDs %v: want one per recipient", ids)
		}
		// A retry carries the same ids, so the receiver can drop the duplicate.
		if err := s.Send(context.Background(), message(access.MailApprovalNeeded), recipients[:1]); err != nil {
			t.Fatal(err)
		}
		again := srv.received()[2]
		h, _ := parts(t, again.Data)
		if !ids[h.Get("Message-Id")] || h.Get("X-Bestow-Message-Id") != "msg-42" {
			t.Errorf("retried mail has Message-ID %q, X-Bestow-Message-Id %q: want the first attempt's", h.Get("Message-Id"), h.Get("X-Bestow-Message-Id"))
		}
	})

	t.Run("NOT-1 authenticates with user and password", func(t *testing.T) {
		srv := start(t, &server{login: "bestow:s3cret"})
		s := sender(t, srv.addr, func(c *notify.Config) { c.Username, c.Password = "bestow", "s3cret" })
		if err := s.Send(context.Background(), message(access.MailAccessDelivered), recipients[:1]); err != nil {
			t.Fatal(err)
		}
		if len(srv.received()) != 1 || len(srv.loggedIn) != 1 {
			t.Fatalf("mails %d, logins %v", len(srv.received()), srv.loggedIn)
		}
		bad := sender(t, srv.addr, func(c *notify.Config) { c.Username, c.Password = "bestow", "wrong" })
		err := bad.Send(context.Background(), message(access.MailAccessDelivered), recipients[:1])
		if !access.IsKind(err, access.KindTransient) || !strings.Contains(err.Error(), "535") {
			t.Errorf("wrong password: %v (kind %v), want a transient error with the server's 535", err, access.KindOf(err))
		}
	})

	t.Run("NOT-1 a 451 reply to RCPT is transient", func(t *testing.T) {
		srv := start(t, &server{rcpt: func(string) error {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}})
		err := sender(t, srv.addr).Send(context.Background(), message(access.MailRequestDenied), recipients[:1])
		if !access.IsKind(err, access.KindTransient) {
			t.Fatalf("got %v (kind %v), want KindTransient", err, access.KindOf(err))
		}
		for _, want := range []string{"bob@example.com", "451", "try again later", "msg-42"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})

	t.Run("NOT-1 a 550 reply to RCPT is permanent", func(t *testing.T) {
		srv := start(t, &server{rcpt: func(string) error {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}})
		err := sender(t, srv.addr).Send(context.Background(), message(access.MailRequestDenied), recipients[:1])
		if err == nil || access.IsKind(err, access.KindTransient) || access.KindOf(err) != access.KindInvalid {
			t.Fatalf("got %v (kind %v), want KindInvalid", err, access.KindOf(err))
		}
		for _, want := range []string{"rejected", "bob@example.com", "550", "no such user"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})

	t.Run("NOT-1 a recipient deferred after another got it: the whole message is retried", func(t *testing.T) {
		srv := start(t, &server{rcpt: func(to string) error {
			if to == "carol@example.com" {
				return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
			}
			return nil
		}})
		err := sender(t, srv.addr).Send(context.Background(), message(access.MailApprovalNeeded), recipients)
		if !access.IsKind(err, access.KindTransient) || !strings.Contains(err.Error(), "carol@example.com") || !strings.Contains(err.Error(), "delivered to bob@example.com") {
			t.Fatalf("got %v (kind %v), want a transient error naming carol and saying bob got it", err, access.KindOf(err))
		}
		if n := len(srv.received()); n != 1 {
			t.Errorf("%d mails accepted, want 1 (bob's)", n)
		}
	})

	t.Run("NOT-1 one recipient rejected, the other delivered: permanent", func(t *testing.T) {
		srv := start(t, &server{rcpt: func(to string) error {
			if to == "bob@example.com" {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		}})
		err := sender(t, srv.addr).Send(context.Background(), message(access.MailApprovalNeeded), recipients)
		if access.KindOf(err) != access.KindInvalid || !strings.Contains(err.Error(), "delivered to carol@example.com") {
			t.Fatalf("got %v (kind %v), want KindInvalid naming the delivered recipient", err, access.KindOf(err))
		}
		if n := len(srv.received()); n != 1 {
			t.Errorf("%d mails accepted, want 1 (carol's)", n)
		}
	})

	t.Run("NOT-1 an unreachable server is transient", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		err = sender(t, addr).Send(context.Background(), message(access.MailAccessEnded), recipients)
		if !access.IsKind(err, access.KindTransient) || !strings.Contains(err.Error(), addr) {
			t.Fatalf("got %v (kind %v), want KindTransient naming %s", err, access.KindOf(err), addr)
		}
	})

	t.Run("NOT-1 a server that never answers is transient once the context ends", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		done := make(chan struct{})
		defer close(done)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				<-done // accept, then say nothing
				c.Close()
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err = sender(t, ln.Addr().String()).Send(ctx, message(access.MailAccessEnded), recipients)
		if !access.IsKind(err, access.KindTransient) {
			t.Fatalf("got %v (kind %v), want KindTransient", err, access.KindOf(err))
		}
	})

	t.Run("NOT-1 a recipient without a usable address is permanent", func(t *testing.T) {
		srv := start(t, &server{})
		err := sender(t, srv.addr).Send(context.Background(), message(access.MailAccessEnded), []access.Recipient{{UserID: "u9", Address: "not an address"}})
		if access.KindOf(err) != access.KindInvalid || !strings.Contains(err.Error(), "u9") {
			t.Fatalf("got %v (kind %v), want KindInvalid naming the user", err, access.KindOf(err))
		}
	})
}

func TestNewNOT1(t *testing.T) {
	cases := []struct {
		name, field string
		cfg         notify.Config
	}{
		{"NOT-1 host required", "Host", notify.Config{From: "b@example.com"}},
		{"NOT-1 from required", "From", notify.Config{Host: "mail.example.com"}},
		{"NOT-1 from must be an address", "From", notify.Config{Host: "mail.example.com", From: "Bestow"}},
		{"NOT-1 unknown TLS mode", "TLS", notify.Config{Host: "mail.example.com", From: "b@example.com", TLS: "ssl3"}},
		{"NOT-1 bad port", "Port", notify.Config{Host: "mail.example.com", From: "b@example.com", Port: 70000}},
		{"NOT-1 password without user", "Username", notify.Config{Host: "mail.example.com", From: "b@example.com", Password: "x"}},
		{"NOT-1 no password in clear to another host", "TLS", notify.Config{Host: "mail.example.com", From: "b@example.com", Username: "u", Password: "p", TLS: "none"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := notify.New(c.cfg)
			var ce *notify.ConfigError
			if !errors.As(err, &ce) || ce.Field != c.field {
				t.Fatalf("got %v, want a ConfigError on %s", err, c.field)
			}
		})
	}
	t.Run("NOT-1 defaults", func(t *testing.T) {
		s, err := notify.New(notify.Config{Host: "mail.example.com", From: "Bestow <b@example.com>"})
		if err != nil || s.Addr() != "mail.example.com:587" {
			t.Fatalf("%v %v, want port 587", s, err)
		}
		s, err = notify.New(notify.Config{Host: "mail.example.com", From: "b@example.com", TLS: "tls"})
		if err != nil || s.Addr() != "mail.example.com:465" {
			t.Fatalf("%v %v, want port 465 for implicit TLS", s, err)
		}
	})
}

var tags = regexp.MustCompile(`<[^>]*>`)

func TestRenderNOT1(t *testing.T) {
	data := map[string]string{
		"requestId": "req-7", "requestType": "userAdd", "accessPackage": "Sales tools",
		"portalPath": "/portal/access-packages/pkg-1", "target": "Alice <Smith>", "justification": "Joining the sales team",
		"stage": "Stage 1", "decideBy": "2026-11-20T10:00:00Z", "reason": "Ask your manager first",
		"days": "14", "endDateTime": "2026-12-01T00:00:00Z", "assignmentId": "asg-1",
	}
	const base = "https://bestow.example.com"
	cases := []struct {
		kind, subject string
		text          []string // in the text part and, HTML-escaped, in the HTML part
		link          string
	}{
		{access.MailApprovalNeeded, "Approval needed: Alice <Smith> requests Sales tools", []string{"one of the approvers", "Joining the sales team", "Stage 1"}, base + "/portal/approvals"},
		{access.MailApprovalReminder, "Reminder: approval needed: Alice <Smith> requests Sales tools", []string{"still waiting", "Friday 20 November 2026, 10:00 UTC"}, base + "/portal/approvals"},
		{access.MailRequestApproved, "Request approved: Sales tools for Alice <Smith>", []string{"has been approved"}, base + "/portal/access-packages/pkg-1"},
		{access.MailRequestDenied, "Request denied: Sales tools for Alice <Smith>", []string{"denied", "Ask your manager first"}, base + "/portal/access-packages/pkg-1"},
		{access.MailRequestExpired, "Request expired: Sales tools for Alice <Smith>", []string{"nobody decided on it in time", "request it again"}, base + "/portal/access-packages/pkg-1"},
		{access.MailAccessDelivered, "You now have access to Sales tools", []string{"You now have access"}, base + "/portal/access-packages/pkg-1"},
		{access.MailExpiringSoon, "Your access to Sales tools ends in 14 days", []string{"ends on Tuesday 1 December 2026, 00:00 UTC (in 14 days)", "extend it in the portal"}, base + "/portal/access-packages/pkg-1"},
		{access.MailAccessEnded, "Access has ended: Sales tools", []string{"Access has ended", "no longer has Sales tools"}, base + "/portal/access-packages/pkg-1"},
	}
	if len(cases) != len(notify.Kinds) {
		t.Fatalf("%d kinds have templates, the test covers %d", len(notify.Kinds), len(cases))
	}
	for i, c := range cases {
		t.Run("NOT-1 "+c.kind, func(t *testing.T) {
			if notify.Kinds[i] != c.kind {
				t.Fatalf("Kinds[%d] = %s", i, notify.Kinds[i])
			}
			subject, text, html, err := notify.Render(c.kind, data, base+"/")
			if err != nil {
				t.Fatal(err)
			}
			if subject != c.subject {
				t.Errorf("subject %q, want %q", subject, c.subject)
			}
			for _, w := range append(c.text, c.link) {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if !strings.Contains(html, `href="`+c.link+`"`) {
				t.Errorf("HTML lacks the link %s:\n%s", c.link, html)
			}
			shown := stdhtml.UnescapeString(strings.Join(strings.Fields(tags.ReplaceAllString(html, "")), " "))
			for _, w := range c.text {
				if !strings.Contains(shown, w) {
					t.Errorf("HTML lacks %q:\n%s", w, shown)
				}
			}
			if strings.Contains(html, "<Smith>") || strings.Contains(text, "Alice <Smith>") && !strings.Contains(html, "Alice &lt;Smith&gt;") {
				t.Errorf("HTML does not escape the data:\n%s", html)
			}
			if strings.Contains(text, "\n\n\n") {
				t.Errorf("text has runs of blank lines:\n%q", text)
			}
		})
	}

	t.Run("NOT-1 escalated approval, last-day reminder, missing data", func(t *testing.T) {
		s, text, _, err := notify.Render(access.MailApprovalNeeded, map[string]string{"escalated": "true", "stage": "Stage 2"}, "")
		if err != nil || !strings.HasPrefix(s, "Escalated: approval needed") || !strings.Contains(text, "alternate approver") {
			t.Errorf("escalated: %q %v\n%s", s, err, text)
		}
		if !strings.Contains(s, "a user requests an access package") || strings.Contains(text, "http") {
			t.Errorf("missing data or base URL: %q\n%s", s, text)
		}
		s, _, _, err = notify.Render(access.MailExpiringSoon, map[string]string{"accessPackage": "Sales tools", "days": "1", "endDateTime": "2026-12-01T00:00:00Z"}, base)
		if err != nil || s != "Your access to Sales tools ends tomorrow" {
			t.Errorf("last day: %q %v", s, err)
		}
		s, text, _, err = notify.Render(access.MailRequestDenied, map[string]string{"accessPackage": "Sales tools"}, base)
		if err != nil || !strings.Contains(text, "gave no reason") || !strings.Contains(text, base+"/portal\n") {
			t.Errorf("denied without reason or package path: %q %v\n%s", s, err, text)
		}
		s, _, _, err = notify.Render(access.MailApprovalNeeded, map[string]string{"target": "Alice\r\nBcc: x@example.com", "requestType": "userExtend"}, base)
		if err != nil || strings.ContainsAny(s, "\r\n") || !strings.Contains(s, "asks to extend") {
			t.Errorf("subject %q: want one line and the extension wording", s)
		}
	})

	t.Run("NOT-1 unknown kind is an error", func(t *testing.T) {
		if _, _, _, err := notify.Render("birthdayGreeting", nil, base); err == nil || !strings.Contains(err.Error(), "birthdayGreeting") {
			t.Fatalf("got %v", err)
		}
	})
}
