package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPackagesPaging checks that the access packages list shows 50 at a time, with links
// to the other pages that keep the search.
func TestPackagesPaging(t *testing.T) {
	pw := newPortalWorld(t)
	for i := range 60 {
		p := pw.Package(fmt.Sprintf("Tool %02d", i))
		pw.Policy(p, "All members")
	}
	c := client(t)
	res, err := c.PostForm(pw.srv.URL+"/signin/dev", url.Values{"user": {pw.ann.UserPrincipalName}})
	pw.Must(err)
	res.Body.Close()
	page := func(q string) string {
		t.Helper()
		res, err := c.Get(pw.srv.URL + "/portal/access-packages" + q)
		pw.Must(err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", q, res.StatusCode)
		}
		return string(b)
	}
	first := page("?search=tool")
	if n := strings.Count(first, `<li class="card">`); n != 50 || !strings.Contains(first, "1–50 of 61") || !strings.Contains(first, `href="/portal/access-packages?page=2&amp;search=tool"`) {
		t.Errorf("first page: %d packages; want 50 of 61 (Sales tools too) with a link to page 2 keeping the search", n)
	}
	second := page("?search=tool&page=2")
	if n := strings.Count(second, `<li class="card">`); n != 11 || !strings.Contains(second, "Tool 59") || strings.Contains(second, `rel="next"`) {
		t.Errorf("second page: %d packages; want the last 11 and no next link", n)
	}
	if n := strings.Count(page("?page=99"), `<li class="card">`); n != 11 {
		t.Errorf("a page past the end shows %d packages, want the last page's 11", n)
	}
}
