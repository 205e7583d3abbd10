package scim

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// maxOps is the most operations the connector puts in one PATCH.
const maxOps = 100

// Apply grants and revokes many group memberships: for each group it reads the members
// once and sends the needed operations in PATCH requests of up to 100 operations. When
// a PATCH is refused (KindInvalid: the server rejected some operation), it sends the
// operations of that request one by one, so only the failing change fails. A failure of
// the server or the group itself (unreachable, unavailable, refused token, no such group)
// is the outcome of every change of that request. Outcomes are in the order of the
// changes and are those Grant or Revoke would have returned.
func (c *Connector) Apply(ctx context.Context, changes []connector.Change) []connector.Outcome {
	out := make([]connector.Outcome, len(changes))
	var order []string
	byGroup := map[string][]int{}
	for i, ch := range changes {
		if err := checkRole(ch.Grant); err != nil {
			out[i].Err = err
			continue
		}
		gid := ch.Grant.ResourceOriginID
		if _, ok := byGroup[gid]; !ok {
			order = append(order, gid)
		}
		byGroup[gid] = append(byGroup[gid], i)
	}
	users := userCache{c: c, ids: map[access.SubjectRef]lookup{}}
	for _, gid := range order {
		c.applyGroup(ctx, gid, byGroup[gid], changes, out, &users)
	}
	return out
}

// pending is an operation to send for the change at index i.
type pending struct {
	i  int
	op patchOp
}

// applyGroup applies the changes at idxs, all on group gid.
func (c *Connector) applyGroup(ctx context.Context, gid string, idxs []int, changes []connector.Change, out []connector.Outcome, users *userCache) {
	g, err := c.group(ctx, gid)
	if err != nil {
		for _, i := range idxs {
			out[i].Err = err
		}
		return
	}
	member := map[string]bool{}
	for _, m := range g.Members {
		member[m.Value] = true
	}
	changedBy := map[string]int{} // user id -> the change of this batch that set its membership
	aliases := map[int]int{}      // change -> the earlier change it repeats
	var ops []pending
	for _, i := range idxs {
		ch := changes[i]
		uid, err := users.id(ctx, ch.Grant.Subject)
		switch {
		case err != nil && !ch.Add && access.IsKind(err, access.KindNotFound):
			out[i].Result = done
			continue
		case err != nil:
			out[i].Err = err
			continue
		}
		if member[uid] == ch.Add {
			if j, ok := changedBy[uid]; ok {
				aliases[i] = j
			} else {
				out[i].Result = done
			}
			continue
		}
		member[uid] = ch.Add
		changedBy[uid] = i
		op := removeMember(uid)
		if ch.Add {
			op = addMember(uid)
		}
		ops = append(ops, pending{i: i, op: op})
	}
	for start := 0; start < len(ops); start += maxOps {
		c.applyChunk(ctx, gid, ops[start:min(start+maxOps, len(ops))], out)
	}
	for i, j := range aliases {
		out[i] = out[j]
	}
}

// applyChunk sends one PATCH and, when the server refuses it, each operation alone.
func (c *Connector) applyChunk(ctx context.Context, gid string, chunk []pending, out []connector.Outcome) {
	err := c.patch(ctx, gid, opsOf(chunk))
	if err == nil || len(chunk) == 1 || !access.IsKind(err, access.KindInvalid) {
		for _, p := range chunk {
			out[p.i].Err = err
		}
		return
	}
	for _, p := range chunk {
		out[p.i].Err = c.patch(ctx, gid, []patchOp{p.op})
	}
}

func opsOf(ps []pending) []patchOp {
	ops := make([]patchOp, len(ps))
	for i, p := range ps {
		ops[i] = p.op
	}
	return ops
}

// userCache remembers the user lookups of one batch.
type userCache struct {
	c   *Connector
	ids map[access.SubjectRef]lookup
}

type lookup struct {
	id  string
	err error
}

func (u *userCache) id(ctx context.Context, s access.SubjectRef) (string, error) {
	key := access.SubjectRef{UserPrincipalName: s.UserPrincipalName, Mail: s.Mail}
	if l, ok := u.ids[key]; ok {
		return l.id, l.err
	}
	id, err := u.c.userID(ctx, s)
	if !access.IsKind(err, access.KindTransient) { // a transient failure is tried again
		u.ids[key] = lookup{id, err}
	}
	return id, err
}
