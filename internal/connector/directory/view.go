package directory

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
)

// view is what one transaction of the connector has read of the directory, so that a
// batch reads each user, group, service principal and site once, however many of its
// changes name it (a batch is typically many users into one group). It is correct only
// inside its transaction: the connector changes none of the objects it remembers, and
// keeps the memberships it remembers up to date as it relates and unrelates.
type view struct {
	tx       access.Tx
	users    memo[access.User]
	groups   memo[access.Group]
	sps      memo[access.ServicePrincipal]
	sites    memo[access.Site]
	memberOf map[subjectRel]map[string]bool // a subject's groups, by relation: group id → true
}

// subjectRel is a subject and one of its relations to groups (member or owner).
type subjectRel struct {
	subjectID string
	rel       access.Relation
}

func newView(tx access.Tx) *view {
	return &view{tx: tx, users: memo[access.User]{}, groups: memo[access.Group]{}, sps: memo[access.ServicePrincipal]{},
		sites: memo[access.Site]{}, memberOf: map[subjectRel]map[string]bool{}}
}

func (v *view) user(ctx context.Context, id string) (access.User, error) {
	return v.users.get(ctx, v.tx.Users(), id)
}

func (v *view) group(ctx context.Context, id string) (access.Group, error) {
	return v.groups.get(ctx, v.tx.Groups(), id)
}

func (v *view) servicePrincipal(ctx context.Context, id string) (access.ServicePrincipal, error) {
	return v.sps.get(ctx, v.tx.ServicePrincipals(), id)
}

func (v *view) site(ctx context.Context, id string) (access.Site, error) {
	return v.sites.get(ctx, v.tx.Sites(), id)
}

// groupsOf returns the ids of the groups the subject is rel of, as a set the caller
// updates when it relates or unrelates the subject in this transaction.
func (v *view) groupsOf(ctx context.Context, subjectID string, rel access.Relation) (map[string]bool, error) {
	k := subjectRel{subjectID, rel}
	if set, ok := v.memberOf[k]; ok {
		return set, nil
	}
	ids, err := v.tx.RelatedTo(ctx, subjectID, rel)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	v.memberOf[k] = set
	return set, nil
}

// memo remembers what Get returned for each id, a NotFound error included. Remembering
// any other error is harmless: it fails the transaction, and the view with it.
type memo[T any] map[string]got[T]

type got[T any] struct {
	v   T
	err error
}

func (m memo[T]) get(ctx context.Context, c access.Collection[T], id string) (T, error) {
	g, ok := m[id]
	if !ok {
		g.v, g.err = c.Get(ctx, id)
		m[id] = g
	}
	return g.v, g.err
}
