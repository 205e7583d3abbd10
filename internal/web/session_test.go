package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/web"
)

// client is a browser-like HTTP client with a cookie jar that does not follow redirects.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestSessions checks the session rules without a browser: cross-site form posts are
// refused, a session ends after its idle time and on sign-out, and its secret is not an
// API token. // AUTH-4
func TestSessions(t *testing.T) {
	pw := newPortalWorld(t)
	c := client(t)
	post := func(path string, form url.Values, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", pw.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	get := func(path string) *http.Response {
		t.Helper()
		res, err := c.Get(pw.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	if res := get("/portal/requests"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
		t.Fatalf("without a session: %d to %q, want the sign-in page", res.StatusCode, res.Header.Get("Location"))
	}
	if res := post("/signin/dev", url.Values{"user": {pw.ann.UserPrincipalName}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site sign-in post answered %d, want 403", res.StatusCode)
	}
	if res := post("/signin/dev", url.Values{"user": {pw.ann.UserPrincipalName}, "next": {"//evil.example/"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/access-packages" {
		t.Errorf("sign-in with an off-site next went to %q, want the portal", res.Header.Get("Location"))
	}
	if res := get("/portal/requests"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", res.StatusCode)
	}
	u, _ := url.Parse(pw.srv.URL)
	var secret string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "bestow_session" {
			secret = ck.Value
		}
	}
	if _, err := pw.Svc.Authenticate(pw.Ctx, secret); !access.IsKind(err, access.KindUnauthenticated) {
		t.Errorf("the session secret works as an API token: %v", err)
	}

	pw.Clock.Advance(access.DefaultSessionPolicy.Idle + time.Minute)
	if res := get("/portal/requests"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the idle time the session still works: %d", res.StatusCode)
	}

	post("/signin/dev", url.Values{"user": {pw.ann.UserPrincipalName}})
	if res := post("/signout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out answered %d", res.StatusCode)
	}
	if _, err := pw.Svc.SessionActor(pw.Ctx, secret, access.DefaultSessionPolicy); err == nil {
		t.Error("an idle session came back")
	}
	if res := get("/portal/requests"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out the session still works: %d", res.StatusCode)
	}
}

// TestSessionLimits checks the absolute lifetime of a session, however busy, and the
// rate limit on sign-in attempts. // AUTH-4
func TestSessionLimits(t *testing.T) {
	pw := newPortalWorld(t)
	pol := access.SessionPolicy{Idle: time.Hour, Absolute: 2 * time.Hour}
	secret, _, err := pw.Svc.StartSession(pw.Ctx, access.Identity{Value: pw.ann.UserPrincipalName, Via: "test"}, pol)
	pw.Must(err)
	for i := 0; i < 3; i++ {
		pw.Clock.Advance(30 * time.Minute)
		if _, err := pw.Svc.SessionActor(pw.Ctx, secret, pol); err != nil {
			t.Fatalf("a session in use ended after %d minutes: %v", 30*(i+1), err)
		}
	}
	pw.Clock.Advance(31 * time.Minute)
	if _, err := pw.Svc.SessionActor(pw.Ctx, secret, pol); !access.IsKind(err, access.KindUnauthenticated) {
		t.Errorf("a session past its absolute lifetime still works: %v", err)
	}

	srv := httptest.NewServer(web.New(pw.Svc, web.Options{DevSignIn: true, SignInsPerMinute: 2}).Handler())
	t.Cleanup(srv.Close)
	codes := []int{}
	for range 3 {
		res, err := client(t).PostForm(srv.URL+"/signin/dev", url.Values{"user": {"nobody@contoso.com"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
		if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[0] != http.StatusUnauthorized || codes[2] != http.StatusTooManyRequests {
		t.Errorf("three sign-in attempts with a limit of two a minute answered %v, want 401, 401, 429", codes)
	}
}

// TestDevSignInOnlyWhenAsked checks that without DevSignIn there is no development sign-in
// and no banner, and with it every page says so. // AUTH-3
func TestDevSignInOnlyWhenAsked(t *testing.T) {
	pw := newPortalWorld(t)
	off := httptest.NewServer(web.New(pw.Svc, web.Options{}).Handler())
	t.Cleanup(off.Close)
	res, err := client(t).PostForm(off.URL+"/signin/dev", url.Values{"user": {pw.ann.UserPrincipalName}})
	pw.Must(err)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the development sign-in answered %d on a server without it, want 404", res.StatusCode)
	}
	for _, s := range []struct {
		url    string
		banner bool
	}{{off.URL, false}, {pw.srv.URL, true}} {
		res, err := http.Get(s.url + "/signin")
		pw.Must(err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if got := strings.Contains(string(body), "Development sign-in:"); got != s.banner {
			t.Errorf("%s/signin shows the development banner: %v, want %v", s.url, got, s.banner)
		}
	}
}

// TestOwnTokensOnly checks that people see and revoke only their own API tokens, and
// that sessions are not listed among them.
func TestOwnTokensOnly(t *testing.T) {
	pw := newPortalWorld(t)
	ann, approver := pw.Actor(pw.ann.ID), pw.Actor(pw.approver.ID)
	_, tok, err := pw.Svc.CreateMyToken(pw.Ctx, ann, "ann's script", 0)
	pw.Must(err)
	_, _, err = pw.Svc.StartSession(pw.Ctx, access.Identity{Value: pw.ann.UserPrincipalName, Via: "test"}, access.DefaultSessionPolicy)
	pw.Must(err)
	if err := pw.Svc.RevokeMyToken(pw.Ctx, approver, tok.ID); !access.IsKind(err, access.KindNotFound) {
		t.Errorf("someone else revoked ann's token: %v", err)
	}
	if list, _ := pw.Svc.MyTokens(pw.Ctx, approver); len(list) != 0 {
		t.Errorf("the approver sees tokens: %v", list)
	}
	if list, _ := pw.Svc.MyTokens(pw.Ctx, ann); len(list) != 1 || list[0].ID != tok.ID {
		t.Errorf("ann's tokens = %v, want only her API token", list)
	}
	if _, _, err := pw.Svc.CreateMyToken(pw.Ctx, ann, "x", 30*time.Second); !access.IsKind(err, access.KindInvalid) {
		t.Errorf("a 30 s token was accepted: %v", err)
	}
}
