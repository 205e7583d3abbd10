package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseProvider checks the --oidc syntax and its error messages.
func TestParseProvider(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := parseProvider("name=corp,issuer=https://id.example.com,client-id=bestow,client-secret-file=" + secret + ",claim=upn,display-name=Contoso ID")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "corp" || p.ClientSecret != "s3cret" || p.Claim != "upn" || p.DisplayName != "Contoso ID" || p.Issuer != "https://id.example.com" {
		t.Errorf("parsed %+v", p)
	}
	for spec, want := range map[string]string{
		"name=corp,issuer=https://x":                                               "needs an issuer and a client id",
		"name=c orp,issuer=https://x,client-id=a":                                  "use letters, digits",
		"name=corp,issuer=https://x,client-id=a,claim=sub":                         "claim \"sub\" is not supported",
		"name=corp,issuer=https://x,client-id=a,colour=blue":                       "unknown key \"colour\"",
		"name=corp,issuer":                                                         "is not key=value",
		"name=corp,issuer=https://x,client-id=a,client-secret-file=/nonexistent/x": "client-secret-file",
	} {
		if _, err := parseProvider(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseProvider(%q) = %v, want an error saying %q", spec, err, want)
		}
	}
}

// TestDevSignInLoopbackOnly checks the address rule of the development sign-in. // AUTH-3
func TestDevSignInLoopbackOnly(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:8080": true, "0.0.0.0:8080": false, "10.0.0.5:8080": false, "[::]:8080": false} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := isLoopback(a); got != want {
			t.Errorf("isLoopback(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestForwarded checks that proxy headers count only when trusted.
func TestForwarded(t *testing.T) {
	var got *http.Request
	h := func(trust bool) http.Handler {
		return forwarded(trust, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r }))
	}
	req := func() *http.Request {
		r := httptest.NewRequest("GET", "http://10.0.0.2:8080/portal/", nil)
		r.RemoteAddr = "10.0.0.1:5555" // the proxy
		r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.7")
		r.Header.Set("X-Forwarded-Host", "access.example.com")
		r.Header.Set("X-Forwarded-Proto", "https")
		return r
	}
	h(false).ServeHTTP(httptest.NewRecorder(), req())
	if got.RemoteAddr != "10.0.0.1:5555" || got.Host != "10.0.0.2:8080" || got.Header.Get("X-Forwarded-Proto") != "" || got.Header.Get("X-Forwarded-For") != "" {
		t.Errorf("untrusted headers were used or kept: addr %s host %s headers %v", got.RemoteAddr, got.Host, got.Header)
	}
	h(true).ServeHTTP(httptest.NewRecorder(), req())
	if got.RemoteAddr != "198.51.100.7:0" || got.Host != "access.example.com" || got.Header.Get("X-Forwarded-Proto") != "https" {
		t.Errorf("trusted headers: addr %s host %s proto %q; want the proxy's last hop, the forwarded host and https", got.RemoteAddr, got.Host, got.Header.Get("X-Forwarded-Proto"))
	}
}
