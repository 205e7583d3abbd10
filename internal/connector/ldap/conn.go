package ldap

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
)

// poolSize is how many idle bound connections a connector keeps for reuse.
const poolSize = 4

// dial opens a connection to the server, upgrades it to TLS when configured, and binds.
// Every network step honours ctx and the timeout; every request on the connection is
// bounded by the timeout. A refused bind is a permanent error; the others are returned
// as they come (classify them).
func (c *Connector) dial(ctx context.Context) (*goldap.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := net.Dialer{Timeout: c.timeout}
	raw, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	if c.ldaps {
		tc := tls.Client(raw, c.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		raw = tc
	}
	conn := goldap.NewConn(raw, c.ldaps)
	conn.Start()
	conn.SetTimeout(c.timeout)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.s.StartTLS {
		if err := conn.StartTLS(c.tls); err != nil {
			conn.Close()
			return nil, err
		}
	}
	if c.s.BindDN != "" {
		pw, err := c.s.password()
		if err != nil {
			conn.Close()
			return nil, access.E(access.KindFailedPrecondition, "cannot bind to LDAP as %s: %v", c.s.BindDN, err)
		}
		if err := conn.Bind(c.s.BindDN, pw); err != nil {
			conn.Close()
			if resultCode(err) == goldap.LDAPResultInvalidCredentials {
				return nil, c.bindRefused()
			}
			return nil, err
		}
	}
	if ctx.Err() != nil {
		conn.Close()
		return nil, ctx.Err()
	}
	return conn, nil
}

// get returns an idle connection from the pool, or a new one; pooled reports which.
func (c *Connector) get(ctx context.Context) (conn *goldap.Conn, pooled bool, err error) {
	for {
		select {
		case conn := <-c.idle:
			if conn.IsClosing() { // the server closed it while it was idle
				conn.Close()
				continue
			}
			return conn, true, nil
		default:
			conn, err := c.dial(ctx)
			return conn, false, err
		}
	}
}

// put returns a healthy connection to the pool, or closes it when the pool is full.
func (c *Connector) put(conn *goldap.Conn) {
	if conn.IsClosing() {
		return
	}
	select {
	case c.idle <- conn:
	default:
		conn.Close()
	}
}

// do runs fn on a bound connection. Cancelling ctx aborts fn by closing its connection.
// When a pooled connection turns out to be broken (the server restarted), do retries fn
// once on a new connection: the operations of this package are idempotent. fn's error is
// returned as fn returned it, unless it is a connection failure or ctx ended, which do
// classifies as KindTransient. A failed dial or bind is classified too.
func (c *Connector) do(ctx context.Context, what string, fn func(*goldap.Conn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return c.classify(err, what)
		}
		conn, pooled, err := c.get(ctx)
		if err != nil {
			return c.classify(err, "connect to it")
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		err = fn(conn)
		if !stop() {
			return c.classify(ctx.Err(), what)
		}
		if err != nil && isTransient(err) {
			conn.Close()
			if pooled && attempt == 0 {
				continue
			}
			return c.classify(err, what)
		}
		c.put(conn)
		return err
	}
}

// Close closes the idle connections. The connector stays usable: later calls dial anew.
func (c *Connector) Close() error {
	for {
		select {
		case conn := <-c.idle:
			conn.Close()
		default:
			return nil
		}
	}
}

// hostPort returns the host:port to dial for u, with the scheme's default port.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "ldaps" {
		return net.JoinHostPort(u.Hostname(), goldap.DefaultLdapsPort)
	}
	return net.JoinHostPort(u.Hostname(), goldap.DefaultLdapPort)
}
