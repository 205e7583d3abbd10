package scim

import (
	"context"
	"net/http"
	"net/url"

	"github.com/bestowhq/bestow/internal/access"
)

// Test checks that the SCIM server answers at the URL and accepts the token: it reads
// /ServiceProviderConfig, or /Users?count=1 where the server has no such endpoint. The
// error says what is wrong: an unreachable host (KindTransient), a refused token
// (KindFailedPrecondition), or a URL that is not a SCIM base URL (KindInvalid).
func (c *Connector) Test(ctx context.Context) error {
	var cfg struct {
		Schemas []string `json:"schemas"`
	}
	err := c.do(ctx, http.MethodGet, "/ServiceProviderConfig", nil, nil, &cfg)
	if !access.IsKind(err, access.KindNotFound) {
		return err
	}
	var page listResponse
	err = c.do(ctx, http.MethodGet, "/Users", url.Values{"count": {"1"}}, nil, &page)
	if access.IsKind(err, access.KindNotFound) {
		return &access.Error{Kind: access.KindInvalid, Code: "ScimNotFound",
			Msg: "no SCIM service at " + c.base + " (both /ServiceProviderConfig and /Users answered 404); " +
				"check that url is the SCIM base URL, for example https://idp.example.com/scim/v2", Err: err}
	}
	return err
}
