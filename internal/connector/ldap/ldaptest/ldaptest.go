// Package ldaptest runs a real OpenLDAP slapd for tests: a private server in a temporary
// directory, listening on a free 127.0.0.1 port, with the mdb backend and the suffix
// dc=bestow,dc=test. It loads a small directory (BaseLDIF) and whatever the test adds,
// and stops the server when the test ends.
//
// When slapd is not installed, Start skips the test, unless the environment variable
// BESTOW_REQUIRE_SLAPD is set, in which case it fails it.
package ldaptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The directory every server starts with.
const (
	BaseDN   = "dc=bestow,dc=test"
	BindDN   = "cn=admin," + BaseDN
	Password = "bestow-test-secret"
	People   = "ou=people," + BaseDN
	Groups   = "ou=groups," + BaseDN
)

// SchemaDir holds the schema files the server includes (core, cosine, inetorgperson, nis).
var SchemaDir = "/etc/ldap/schema"

// Server is a running slapd. Its fields say how to reach it; Stop and Restart control it.
type Server struct {
	URL      string // ldap://127.0.0.1:PORT
	LDAPSURL string // ldaps://127.0.0.1:PORT2, with WithTLS only
	CertPEM  []byte // the server's self-signed certificate, with WithTLS only
	BindDN   string // the rootdn
	Password string // the rootpw
	BaseDN   string

	tb   testing.TB
	dir  string
	port int
	tls  bool
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
}

// Option adjusts the server before it starts.
type Option func(*config)

type config struct {
	ldif []string
	tls  bool
}

// WithLDIF loads entries (LDIF, as slapadd reads it) after BaseLDIF, before the server
// starts; this is the fast way to create thousands of users.
func WithLDIF(ldif string) Option { return func(c *config) { c.ldif = append(c.ldif, ldif) } }

// WithTLS gives the server a self-signed certificate for 127.0.0.1: it offers StartTLS on
// URL and listens for LDAPS on LDAPSURL.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// Start runs a new slapd loaded with BaseLDIF and the options' entries, and stops it in
// tb.Cleanup. It skips the test when slapd is not installed (fails it when
// BESTOW_REQUIRE_SLAPD is set).
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	slapd, slapadd := lookPath("slapd"), lookPath("slapadd")
	if slapd == "" || slapadd == "" {
		msg := "slapd is not installed (apt-get install slapd ldap-utils); the LDAP tests need a real server"
		if os.Getenv("BESTOW_REQUIRE_SLAPD") != "" {
			tb.Fatal(msg + " and BESTOW_REQUIRE_SLAPD is set")
		}
		tb.Skip(msg)
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	dir := tb.TempDir()
	port, err := freePort()
	if err != nil {
		tb.Fatalf("ldaptest: no free port: %v", err)
	}
	s := &Server{URL: fmt.Sprintf("ldap://127.0.0.1:%d", port), BindDN: BindDN, Password: Password,
		BaseDN: BaseDN, tb: tb, dir: dir, port: port}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		tb.Fatal(err)
	}
	conf := slapdConf(dir)
	if cfg.tls {
		tlsPort, err := freePort()
		if err != nil {
			tb.Fatalf("ldaptest: no free port: %v", err)
		}
		s.LDAPSURL, s.tls = fmt.Sprintf("ldaps://127.0.0.1:%d", tlsPort), true
		if s.CertPEM, err = writeCert(dir); err != nil {
			tb.Fatalf("ldaptest: certificate: %v", err)
		}
		conf = tlsConf(dir) + conf
	}
	if err := os.WriteFile(s.conf(), []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	ldif := BaseLDIF + "\n" + strings.Join(cfg.ldif, "\n")
	ldifPath := filepath.Join(dir, "data.ldif")
	if err := os.WriteFile(ldifPath, []byte(ldif), 0o600); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(slapadd, "-q", "-f", s.conf(), "-l", ldifPath).CombinedOutput(); err != nil {
		tb.Fatalf("ldaptest: slapadd: %v\n%s", err, out)
	}
	tb.Cleanup(s.Stop)
	s.start(slapd)
	return s
}

// BaseLDIF is the directory every server starts with: ou=people with alice, bob, carol and
// dave (mail <uid>@bestow.test), two entries sharing the mail twin@bestow.test, and
// ou=groups with the groupOfNames engineering (member alice) and finance (member bob),
// the groupOfUniqueNames auditors (uniqueMember carol) and the posixGroup developers
// (memberUid alice).
var BaseLDIF = `dn: dc=bestow,dc=test
objectClass: dcObject
objectClass: organization
dc: bestow
o: Bestow

dn: ou=people,dc=bestow,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=bestow,dc=test
objectClass: organizationalUnit
ou: groups
` + userAlice + userBob + userCarol + userDave + twins + `
dn: cn=engineering,ou=groups,dc=bestow,dc=test
objectClass: groupOfNames
cn: engineering
description: Engineers
member: uid=alice,ou=people,dc=bestow,dc=test

dn: cn=finance,ou=groups,dc=bestow,dc=test
objectClass: groupOfNames
cn: finance
description: Finance team
member: uid=bob,ou=people,dc=bestow,dc=test

dn: cn=auditors,ou=groups,dc=bestow,dc=test
objectClass: groupOfUniqueNames
cn: auditors
uniqueMember: uid=carol,ou=people,dc=bestow,dc=test

dn: cn=developers,ou=groups,dc=bestow,dc=test
objectClass: posixGroup
cn: developers
gidNumber: 5000
memberUid: alice
`

var (
	userAlice = UserLDIF("alice", "alice@bestow.test")
	userBob   = UserLDIF("bob", "bob@bestow.test")
	userCarol = UserLDIF("carol", "carol@bestow.test")
	userDave  = UserLDIF("dave", "dave@bestow.test")
	twins     = UserLDIF("twin1", "twin@bestow.test") + UserLDIF("twin2", "twin@bestow.test")
)

// UserLDIF returns the LDIF of an inetOrgPerson uid=<uid>,ou=people with that mail.
func UserLDIF(uid, mail string) string {
	return fmt.Sprintf("\ndn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nmail: %s\n",
		uid, People, uid, uid, uid, mail)
}

// Users returns the LDIF of n users user<i> (i from 1, zero-padded to five digits) with
// mail user<i>@bestow.test, and their mails in order.
func Users(n int) (ldif string, mails []string) {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		uid := fmt.Sprintf("user%05d", i)
		mail := uid + "@bestow.test"
		b.WriteString(UserLDIF(uid, mail))
		mails = append(mails, mail)
	}
	return b.String(), mails
}

// UserDN returns the DN of the user uid under ou=people.
func UserDN(uid string) string { return "uid=" + uid + "," + People }

// GroupDN returns the DN of the group cn under ou=groups.
func GroupDN(cn string) string { return "cn=" + cn + "," + Groups }

// Stop stops the server and waits for it to exit; it does nothing when it is stopped.
// The data stay, so Restart brings the same directory back on the same port.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt) // slapd shuts down cleanly on SIGINT
	select {
	case <-s.exit:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exit
	}
	s.cmd = nil
}

// Restart starts the stopped server again on the same port with the same data.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start(lookPath("slapd"))
}

// Values returns the values of attribute attr of the entry dn, sorted, read with
// ldapsearch (independently of the connector under test).
func (s *Server) Values(dn, attr string) []string {
	s.tb.Helper()
	out, err := exec.Command(lookPath("ldapsearch"), "-LLL", "-o", "ldif-wrap=no", "-x", "-H", s.URL,
		"-D", s.BindDN, "-w", s.Password, "-b", dn, "-s", "base", "(objectClass=*)", attr).CombinedOutput()
	if err != nil {
		s.tb.Fatalf("ldaptest: ldapsearch %s: %v\n%s", dn, err, out)
	}
	var vals []string
	prefix := strings.ToLower(attr) + ": "
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(strings.ToLower(line), prefix) {
			vals = append(vals, line[len(prefix):])
		}
	}
	sort.Strings(vals)
	return vals
}

// Members returns the member values of the group dn: its member, uniqueMember and
// memberUid values, sorted.
func (s *Server) Members(dn string) []string {
	s.tb.Helper()
	var all []string
	for _, a := range []string{"member", "uniqueMember", "memberUid"} {
		all = append(all, s.Values(dn, a)...)
	}
	sort.Strings(all)
	return all
}

// start runs slapd in the foreground and waits until it accepts connections.
func (s *Server) start(slapd string) {
	s.tb.Helper()
	var stderr bytes.Buffer
	urls := s.URL + "/"
	if s.tls {
		urls += " " + s.LDAPSURL + "/"
	}
	cmd := exec.Command(slapd, "-d", "0", "-f", s.conf(), "-h", urls)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("ldaptest: starting slapd: %v", err)
	}
	s.cmd, s.exit = cmd, make(chan struct{})
	exit := s.exit
	go func() { _ = cmd.Wait(); close(exit) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exit:
			s.cmd = nil
			s.tb.Fatalf("ldaptest: slapd exited at start:\n%s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.tb.Fatalf("ldaptest: slapd did not listen on %s within 15s:\n%s", s.URL, stderr.String())
		}
	}
}

func (s *Server) conf() string { return filepath.Join(s.dir, "slapd.conf") }

// slapdConf is a slapd.conf that keeps everything in dir.
func slapdConf(dir string) string {
	var b strings.Builder
	for _, f := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s\n", filepath.Join(SchemaDir, f+".schema"))
	}
	fmt.Fprintf(&b, `pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
sizelimit unlimited
database mdb
maxsize 1073741824
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
index objectClass eq
index mail,uid,cn eq,sub
`, dir, BaseDN, BindDN, Password)
	return b.String()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lookPath finds a program in PATH or in /usr/sbin (where Debian puts slapd), or "".
func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin"} {
		if p := filepath.Join(d, name); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
