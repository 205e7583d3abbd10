package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// maxGroups is the most groups Groups returns.
const maxGroups = 100

// idsPerQuery is how many user ids Members asks for in one filter.
const idsPerQuery = 20

// Groups lists the SCIM groups whose displayName contains search (all groups for ""), up
// to 100, reading as many pages as the server needs for them.
func (c *Connector) Groups(ctx context.Context, search string) ([]connector.Resource, error) {
	q := url.Values{}
	if search != "" {
		q.Set("filter", "displayName co "+quote(search))
	}
	out := []connector.Resource{}
	err := c.list(ctx, "/Groups", q, maxGroups, func(raw json.RawMessage) error {
		var g group
		if err := json.Unmarshal(raw, &g); err != nil || g.ID == "" {
			return access.E(access.KindInvalid, "a SCIM group in the answer to GET /Groups has no id")
		}
		out = append(out, resource(g))
		return nil
	})
	return out, err
}

// Resolve describes the SCIM group with the id; KindNotFound when there is none.
func (c *Connector) Resolve(ctx context.Context, originID string) (connector.Resource, error) {
	g, err := c.group(ctx, originID)
	if err != nil {
		return connector.Resource{}, err
	}
	return resource(g), nil
}

func resource(g group) connector.Resource {
	return connector.Resource{OriginID: g.ID, DisplayName: g.DisplayName,
		Roles: []connector.Role{{OriginID: connector.RoleMember, DisplayName: "Member"}}}
}

// Members lists the members of the SCIM group as subjects (ASG-6, RES-7): each member
// user's userAttribute becomes the subject's userPrincipalName or mail (per userProperty).
// Members that are groups, and users without a value of the attribute, are left out.
func (c *Connector) Members(ctx context.Context, resourceOriginID, roleOriginID string) ([]access.SubjectRef, error) {
	if roleOriginID != connector.RoleMember {
		return nil, access.E(access.KindInvalid, "the SCIM connector knows only the %s role of a group, not '%s'", connector.RoleMember, roleOriginID)
	}
	g, err := c.group(ctx, resourceOriginID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, m := range g.Members {
		if m.Value != "" && (m.Type == "" || strings.EqualFold(m.Type, "User")) {
			ids = append(ids, m.Value)
		}
	}
	users, err := c.users(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []access.SubjectRef{}
	for _, id := range ids {
		if u, ok := users[id]; ok {
			if ref, ok := c.ref(u); ok {
				out = append(out, ref)
			}
		}
	}
	return out, nil
}

// users reads the SCIM users with the ids (those that exist), idsPerQuery at a time with
// a filter `id eq "a" or id eq "b" ...`; a server that refuses such a filter is asked
// for each user with GET /Users/{id}.
func (c *Connector) users(ctx context.Context, ids []string) (map[string]user, error) {
	out := map[string]user{}
	collect := func(raw json.RawMessage) error {
		var u user
		if err := json.Unmarshal(raw, &u); err == nil && u.ID != "" {
			out[u.ID] = u
		}
		return nil
	}
	for start := 0; start < len(ids); start += idsPerQuery {
		chunk := ids[start:min(start+idsPerQuery, len(ids))]
		terms := make([]string, len(chunk))
		for i, id := range chunk {
			terms[i] = "id eq " + quote(id)
		}
		err := c.list(ctx, "/Users", url.Values{"filter": {strings.Join(terms, " or ")}}, 0, collect)
		if access.IsKind(err, access.KindInvalid) {
			err = c.usersOneByOne(ctx, chunk, out)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Connector) usersOneByOne(ctx context.Context, ids []string, out map[string]user) error {
	for _, id := range ids {
		var u user
		err := c.do(ctx, http.MethodGet, "/Users/"+escapePath(id), nil, nil, &u)
		switch {
		case access.IsKind(err, access.KindNotFound):
			continue
		case err != nil:
			return err
		}
		if u.ID != "" {
			out[u.ID] = u
		}
	}
	return nil
}
