// Package scim is the connector that delivers group memberships into a SCIM 2.0 service
// provider (RFC 7643, RFC 7644): a SCIM client over net/http. A Bestow user is matched to
// a SCIM user by one attribute (userName, externalId or emails.value) equal to one of
// their properties (userPrincipalName or mail); a resource is a SCIM group, by id, with
// the role Member.
package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// Connector is a SCIM client for one service provider. It is safe for concurrent use.
type Connector struct {
	base    string // the SCIM base URL, without a trailing slash
	token   string
	client  *http.Client
	timeout time.Duration
	attr    string // the SCIM user attribute matched (AttrUserName, ...)
	prop    string // the Bestow user property it equals (PropUserPrincipalName, ...)
}

var (
	_ connector.Connector      = (*Connector)(nil)
	_ connector.ResourceSource = (*Connector)(nil)
	_ connector.MemberLister   = (*Connector)(nil)
	_ connector.Batcher        = (*Connector)(nil)
	_ connector.Tester         = (*Connector)(nil)
)

var done = access.DeliveryResult{AlreadyDone: true}

// Grant makes the subject a member of the SCIM group g.ResourceOriginID. A member already
// is success with AlreadyDone. It returns KindNotFound when no SCIM user matches the
// subject or the group does not exist, KindFailedPrecondition when several users match
// or the token is refused, KindTransient when the server is unreachable or unavailable.
func (c *Connector) Grant(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	if err := checkRole(g); err != nil {
		return access.DeliveryResult{}, err
	}
	uid, err := c.userID(ctx, g.Subject)
	if err != nil {
		return access.DeliveryResult{}, err
	}
	grp, err := c.group(ctx, g.ResourceOriginID)
	if err != nil {
		return access.DeliveryResult{}, err
	}
	if grp.has(uid) {
		return done, nil
	}
	return access.DeliveryResult{}, c.patch(ctx, g.ResourceOriginID, []patchOp{addMember(uid)})
}

// Revoke removes the subject from the SCIM group. Not being a member, or no SCIM user
// matching the subject any more, is success with AlreadyDone. Errors are as for Grant.
func (c *Connector) Revoke(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	if err := checkRole(g); err != nil {
		return access.DeliveryResult{}, err
	}
	uid, err := c.userID(ctx, g.Subject)
	if access.IsKind(err, access.KindNotFound) {
		return done, nil
	}
	if err != nil {
		return access.DeliveryResult{}, err
	}
	grp, err := c.group(ctx, g.ResourceOriginID)
	if err != nil {
		return access.DeliveryResult{}, err
	}
	if !grp.has(uid) {
		return done, nil
	}
	return access.DeliveryResult{}, c.patch(ctx, g.ResourceOriginID, []patchOp{removeMember(uid)})
}

// checkRole refuses roles other than a group's Member.
func checkRole(g access.RoleGrant) error {
	if g.RoleOriginID != connector.RoleMember {
		return access.E(access.KindInvalid, "the SCIM connector grants only the %s role of a group, not '%s'", connector.RoleMember, g.RoleOriginID)
	}
	if g.ResourceOriginID == "" {
		return access.E(access.KindInvalid, "the role grant names no SCIM group: its resourceOriginId is empty")
	}
	return nil
}

// user is the part of a SCIM user the connector reads.
type user struct {
	ID         string  `json:"id"`
	UserName   string  `json:"userName"`
	ExternalID string  `json:"externalId"`
	Emails     []email `json:"emails"`
}

type email struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
}

// matchValue returns the value of the connector's user attribute for u: for
// emails.value the primary address, or the first one.
func (c *Connector) matchValue(u user) string {
	switch c.attr {
	case AttrExternalID:
		return u.ExternalID
	case AttrEmail:
		for _, e := range u.Emails {
			if e.Primary {
				return e.Value
			}
		}
		if len(u.Emails) > 0 {
			return u.Emails[0].Value
		}
		return ""
	}
	return u.UserName
}

// subjectValue returns the subject's property that the user attribute equals.
func (c *Connector) subjectValue(s access.SubjectRef) (string, error) {
	v := s.UserPrincipalName
	if c.prop == PropMail {
		v = s.Mail
	}
	if v == "" {
		return "", access.E(access.KindFailedPrecondition,
			"the user has no %s, which the SCIM connector matches to %s; set it on the user or change userProperty", c.prop, c.attr)
	}
	return v, nil
}

// ref maps a SCIM user back to a subject, or reports false when it has no value of the
// user attribute.
func (c *Connector) ref(u user) (access.SubjectRef, bool) {
	v := c.matchValue(u)
	if v == "" {
		return access.SubjectRef{}, false
	}
	if c.prop == PropMail {
		return access.SubjectRef{Mail: v}, true
	}
	return access.SubjectRef{UserPrincipalName: v}, true
}

// userID finds the id of the one SCIM user whose attribute equals the subject's
// property: KindNotFound when there is none, KindFailedPrecondition when there are several.
func (c *Connector) userID(ctx context.Context, s access.SubjectRef) (string, error) {
	v, err := c.subjectValue(s)
	if err != nil {
		return "", err
	}
	f := c.attr + " eq " + quote(v)
	var ids []string
	err = c.list(ctx, "/Users", url.Values{"filter": {f}}, 2, func(raw json.RawMessage) error {
		var u user
		if err := json.Unmarshal(raw, &u); err != nil || u.ID == "" {
			return access.E(access.KindInvalid, "a SCIM user in the answer to GET /Users?filter=%s has no id", f)
		}
		ids = append(ids, u.ID)
		return nil
	})
	switch {
	case err != nil:
		return "", err
	case len(ids) == 0:
		return "", access.Ec(access.KindNotFound, "ScimUserNotFound",
			"no SCIM user with %s; provision the user in the target or fix userAttribute/userProperty", f)
	case len(ids) > 1:
		return "", access.Ec(access.KindFailedPrecondition, "ScimUserAmbiguous",
			"several SCIM users have %s; make the attribute unique in the target or choose another userAttribute", f)
	}
	return ids[0], nil
}

// group is the part of a SCIM group the connector reads.
type group struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Members     []member `json:"members"`
}

type member struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

func (g group) has(id string) bool {
	return slices.ContainsFunc(g.Members, func(m member) bool { return m.Value == id })
}

// group reads a SCIM group; KindNotFound when it does not exist.
func (c *Connector) group(ctx context.Context, id string) (group, error) {
	var g group
	err := c.do(ctx, http.MethodGet, "/Groups/"+escapePath(id), nil, nil, &g)
	if err != nil {
		return group{}, groupError(id, err)
	}
	if g.ID == "" {
		return group{}, access.E(access.KindInvalid, "the answer to GET /Groups/%s is not a SCIM group (it has no id); check that url is the SCIM base URL", id)
	}
	return g, nil
}

// groupError names the group in a 404.
func groupError(id string, err error) error {
	if access.IsKind(err, access.KindNotFound) {
		return &access.Error{Kind: access.KindNotFound, Code: "ResourceNotFound",
			Msg: "SCIM group '" + id + "' does not exist", Err: err}
	}
	return err
}

// patchOp is one operation of a SCIM PATCH (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string   `json:"op"`
	Path  string   `json:"path"`
	Value []member `json:"value,omitempty"`
}

func addMember(uid string) patchOp {
	return patchOp{Op: "add", Path: "members", Value: []member{{Value: uid}}}
}

func removeMember(uid string) patchOp {
	return patchOp{Op: "remove", Path: "members[value eq " + quote(uid) + "]"}
}

// patch sends one PATCH with the operations to a group.
func (c *Connector) patch(ctx context.Context, groupID string, ops []patchOp) error {
	body := map[string]any{"schemas": []string{schemaPatchOp}, "Operations": ops}
	return groupError(groupID, c.do(ctx, http.MethodPatch, "/Groups/"+escapePath(groupID), nil, body, nil))
}
