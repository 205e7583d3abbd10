// Package notify turns the service's notifications (access.Message, NOT-1) into mail: it
// renders each message kind as a subject, a plain-text body and an HTML body (Render), and
// sends them over SMTP (Sender, a Mailer); the Outbox takes due messages from the
// service's outbox and sends them through a Mailer.
//
// Sender sends one mail per recipient, so that nobody sees who else was told. Every mail
// carries a Message-ID derived from the outbox message id and the recipient, and an
// X-Bestow-Message-Id header with the outbox message id, both the same on every attempt.
// When a send fails transiently for one recipient after it went through for others, Send
// reports a transient error and the whole message is retried later, to every recipient:
// those who already got it get it again with the same headers. Deduplicating on them is
// the receiving side's concern; Bestow prefers a duplicate to a lost notification.
package notify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (the default)
	TLSImplicit = "tls"      // TLS from the first byte ("SMTPS", usually port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or network
)

// HeaderMessageID is the header that carries the outbox message id (access.Message.ID).
const HeaderMessageID = "X-Bestow-Message-Id"

// DefaultTimeout bounds each network step of a send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config configures a Sender.
type Config struct {
	Host string // SMTP server host name or address (required)
	// Port of the server; 0 means 587, or 465 when TLS is "tls".
	Port int
	// Username and Password for SMTP AUTH; both empty means no authentication.
	Username, Password string
	// From is the sender, "bestow@example.com" or "Bestow <bestow@example.com>" (required).
	From string
	// TLS is "starttls" (default; STARTTLS is required when credentials are set, and used
	// when the server offers it otherwise), "tls" (implicit TLS) or "none".
	TLS string
	// BaseURL is where people reach Bestow, for the links in the mails, for example
	// https://bestow.example.com.
	BaseURL string
	// Timeout bounds connecting and each SMTP exchange; 0 means DefaultTimeout.
	Timeout time.Duration
}

// ConfigError is a bad Config value; Field names the Config field.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Msg }

// Sender sends notifications over SMTP. It is safe for concurrent use: every Send opens
// its own connection.
type Sender struct {
	cfg     Config
	from    *netmail.Address
	addr    string // host:port, for messages
	msgHost string // right-hand side of Message-IDs
}

// New checks cfg and returns a Sender. It does not connect to the server.
func New(cfg Config) (*Sender, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, &ConfigError{"Host", "the SMTP server's host name is required"}
	}
	cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS))
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, &ConfigError{"TLS", fmt.Sprintf("'%s' is not a TLS mode: use starttls, tls or none", cfg.TLS)}
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == TLSImplicit {
			cfg.Port = 465
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, &ConfigError{"Port", fmt.Sprintf("%d is not a port number: use 1 to 65535", cfg.Port)}
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, &ConfigError{"From", "the sender address is required, for example 'Bestow <bestow@example.com>'"}
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, &ConfigError{"From", fmt.Sprintf("'%s' is not a mail address (%v); use for example 'Bestow <bestow@example.com>'", cfg.From, err)}
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, &ConfigError{"Username", "set both the user name and the password for SMTP authentication, or neither"}
	}
	if cfg.Username != "" && cfg.TLS == TLSNone && !loopback(cfg.Host) {
		return nil, &ConfigError{"TLS", fmt.Sprintf("'none' would send the SMTP password to %s unencrypted; use starttls or tls", cfg.Host)}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	msgHost := "bestow.invalid"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		msgHost = from.Address[i+1:]
	}
	return &Sender{cfg: cfg, from: from, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), msgHost: msgHost}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Addr is the server's host:port.
func (s *Sender) Addr() string { return s.addr }

// Send renders m and sends it to each recipient as a separate mail, over one connection.
// Errors are classified for the outbox's retries: connection failures, timeouts and
// temporary (4xx) replies are access.KindTransient; a permanent (5xx) rejection or an
// unusable address is access.KindInvalid, so the message is marked failed at once.
func (s *Sender) Send(ctx context.Context, m access.Message, to []access.Recipient) error {
	if len(to) == 0 {
		return nil
	}
	subject, text, html, err := Render(m.Kind, m.Data, s.cfg.BaseURL)
	if err != nil {
		return access.E(access.KindInvalid, "message '%s': %v", m.ID, err)
	}
	var sent, transient, permanent []string
	msgs := make([]*mail.Msg, len(to))
	for i, r := range to {
		addr, err := netmail.ParseAddress(r.Address)
		if err != nil {
			permanent = append(permanent, fmt.Sprintf("user %s has no usable mail address ('%s': %v)", r.UserID, r.Address, err))
			continue
		}
		addr.Name = r.Name
		msgs[i] = s.build(m, addr, subject, text, html)
	}
	if len(permanent) == len(to) {
		return access.Ec(access.KindInvalid, "MailRejected", "%s message '%s' rejected: %s", m.Kind, m.ID, strings.Join(permanent, "; "))
	}

	sess, closeConn, err := s.dial(ctx)
	if err != nil {
		// Also a refused login or greeting: that is the server or its configuration, not
		// this message, so it is retried like an outage (and fixed meanwhile).
		return access.Ec(access.KindTransient, "MailServerUnavailable", "sending %s message '%s' to %d recipient(s): %s",
			m.Kind, m.ID, len(to), s.connectError(err))
	}
	defer closeConn()

	connLost := false
	for i, r := range to {
		if msgs[i] == nil {
			continue
		}
		if connLost {
			transient = append(transient, r.Address+": not tried")
			continue
		}
		err := sess.SendWithSMTPClient(sess.smtp, msgs[i])
		if err == nil {
			sent = append(sent, r.Address)
			continue
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		e := s.classify(err, r.Address)
		if access.IsKind(e, access.KindTransient) {
			transient = append(transient, e.Error())
			connLost = replyCode(err) == 0 // the others would fail the same way
		} else {
			permanent = append(permanent, e.Error())
		}
	}
	if !connLost {
		_ = sess.CloseWithSMTPClient(sess.smtp) // QUIT; what was sent is accepted already
	}

	switch {
	case len(transient) > 0:
		return access.Ec(access.KindTransient, "MailTemporarilyFailed", "sending %s message '%s' via %s failed for %d of %d recipient(s), will retry: %s%s",
			m.Kind, m.ID, s.addr, len(transient), len(to), strings.Join(transient, "; "), alsoNote(sent, permanent))
	case len(permanent) > 0:
		return access.Ec(access.KindInvalid, "MailRejected", "%s message '%s' rejected: %s%s",
			m.Kind, m.ID, strings.Join(permanent, "; "), alsoNote(sent, nil))
	}
	return nil
}

func alsoNote(sent, rejected []string) string {
	var b strings.Builder
	if len(rejected) > 0 {
		fmt.Fprintf(&b, "; also rejected: %s", strings.Join(rejected, "; "))
	}
	if len(sent) > 0 {
		fmt.Fprintf(&b, " (delivered to %s)", strings.Join(sent, ", "))
	}
	return b.String()
}

// build makes the mail for one recipient.
func (s *Sender) build(m access.Message, to *netmail.Address, subject, text, html string) *mail.Msg {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(s.messageID(m.ID, to.Address))
	msg.SetGenHeader(mail.Header(HeaderMessageID), m.ID)
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated") // RFC 3834: no auto-replies
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	msg.SetUserAgent("Bestow")
	msg.SetBodyString(mail.TypeTextPlain, text)
	msg.AddAlternativeString(mail.TypeTextHTML, html)
	return msg
}

// messageID is stable for a message and recipient, so a retried mail has the Message-ID
// of the first attempt.
func (s *Sender) messageID(id, address string) string {
	h := sha256.Sum256([]byte(strings.ToLower(address)))
	return "bestow." + sanitizeID(id) + "." + hex.EncodeToString(h[:6]) + "@" + s.msgHost
}

func sanitizeID(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, id)
}

// session is one SMTP connection with the go-mail client that drives it.
type session struct {
	*mail.Client
	smtp *smtp.Client
}

// dial connects, says hello, starts TLS and authenticates as configured. closeConn
// closes the connection whatever state it is in. Until then, the end of ctx closes it
// too, which ends a stuck exchange.
func (s *Sender) dial(ctx context.Context) (sess *session, closeConn func(), err error) {
	tlsConf := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	var conn net.Conn // the raw connection, set by dialFunc
	stop := func() bool { return false }
	closeConn = func() {
		stop()
		if conn != nil {
			conn.Close()
		}
	}
	dialer := &net.Dialer{Timeout: s.cfg.Timeout}
	dialFunc := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		var err error
		if s.cfg.TLS == TLSImplicit {
			c, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConf}).DialContext(dctx, network, addr)
		} else {
			c, err = dialer.DialContext(dctx, network, addr)
		}
		if c != nil {
			conn = c
			stop = context.AfterFunc(ctx, func() { c.Close() })
		}
		return c, err
	}
	opts := []mail.Option{
		mail.WithPort(s.cfg.Port),
		mail.WithTimeout(s.cfg.Timeout),
		mail.WithDialContextFunc(dialFunc),
		mail.WithTLSConfig(tlsConf),
	}
	switch s.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL()) // dialFunc does the handshake
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		if s.cfg.Username != "" {
			opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory)) // never send a password in clear
		} else {
			opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		}
	}
	if s.cfg.Username != "" {
		// PLAIN and LOGIN refuse to send the password over a connection without TLS
		// (except to the same host).
		opts = append(opts, mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password),
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthPlain,
				mail.SMTPAuthLogin, mail.SMTPAuthCramMD5))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, closeConn, err
	}
	sc, err := c.DialToSMTPClientWithContext(ctx) // calls dialFunc, in this goroutine
	if err != nil {
		closeConn()
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return nil, closeConn, err
	}
	return &session{Client: c, smtp: sc}, closeConn, nil
}

// classify turns the failure of the mail to rcpt into an access error of the kind the
// outbox acts on: a permanent (5xx) reply or an unusable address is KindInvalid, anything
// else (a temporary 4xx reply, a lost connection, a timeout) KindTransient.
func (s *Sender) classify(err error, rcpt string) *access.Error {
	msg := strings.TrimSpace(err.Error())
	// go-mail appends the recipient and Message-ID, which the caller's message says already.
	for _, tail := range []string{", affected recipient(s): ", ", affected message ID: "} {
		if i := strings.Index(msg, tail); i > 0 {
			msg = msg[:i]
		}
	}
	switch code := replyCode(err); {
	case code >= 500:
		return access.Ec(access.KindInvalid, "MailRejected", "mail server %s rejected the mail to %s: %s", s.addr, rcpt, msg)
	case code == 0 && badAddress(err):
		return access.Ec(access.KindInvalid, "MailRejected", "the mail to %s could not be addressed: %s", rcpt, msg)
	case code >= 400:
		return access.Ec(access.KindTransient, "MailTemporarilyFailed", "mail server %s deferred the mail to %s: %s", s.addr, rcpt, msg)
	}
	return access.Ec(access.KindTransient, "MailServerUnavailable", "sending the mail to %s via %s failed: %s", rcpt, s.addr, msg)
}

// connectError says what went wrong while connecting, greeting, starting TLS or logging in.
func (s *Sender) connectError(err error) string {
	var ne net.Error
	switch code := replyCode(err); {
	case code != 0:
		return fmt.Sprintf("mail server %s refused the session: %v", s.addr, err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("mail server %s did not answer in time: %v", s.addr, err)
	}
	return fmt.Sprintf("cannot reach mail server %s: %v", s.addr, err)
}

// replyCode is the SMTP reply code behind err, or 0 when err is not a server reply (a
// connection failure, a timeout, a TLS error).
func replyCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) {
		if c := se.ErrorCode(); c != 0 {
			return c
		}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// badAddress reports whether go-mail could not use a sender or recipient address.
func badAddress(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && (se.Reason == mail.ErrGetSender || se.Reason == mail.ErrGetRcpts)
}

var _ Mailer = (*Sender)(nil)
