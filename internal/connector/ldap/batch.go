package ldap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// maxValues is the most values Apply puts into one modify.
const maxValues = 500

// lookupChunk is how many users Apply looks up in one search.
const lookupChunk = 100

// Apply makes many grants and revocations with few requests: it looks the users up 100 at
// a time, reads each group's current values (all of them, following Active Directory's
// ranged retrieval: groupValues), and changes what differs with multi-value modifies of
// up to 500 values per (group, attribute, add or remove). When a multi-value modify
// fails, it applies those values one by one, so one bad member does not fail the others.
// Outcomes are in the order of the changes and mean what Grant and Revoke would have
// returned, AlreadyDone included.
//
// Changes are applied in order: a change that touches the same (group, role, user) as an
// earlier change in the batch starts a new round, so adding and then removing someone in
// one batch leaves them removed.
func (c *Connector) Apply(ctx context.Context, changes []connector.Change) []connector.Outcome {
	out := make([]connector.Outcome, len(changes))
	for _, round := range rounds(changes) {
		c.applyRound(ctx, changes, round, out)
	}
	return out
}

// rounds splits the indexes of changes into runs in which no (group, role, user) occurs
// twice, so each run can be reordered freely.
func rounds(changes []connector.Change) [][]int {
	var out [][]int
	var cur []int
	seen := map[string]bool{}
	for i, ch := range changes {
		g := ch.Grant
		k := dnKey(g.ResourceOriginID) + "\x00" + g.RoleOriginID + "\x00" + g.Subject.Mail + "\x00" + g.Subject.UserPrincipalName
		if seen[k] {
			out, cur, seen = append(out, cur), nil, map[string]bool{}
		}
		seen[k] = true
		cur = append(cur, i)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// batchKey is what a multi-value modify changes: one attribute of one group, one way.
type batchKey struct {
	dn, attr string
	add      bool
}

// pending is a change waiting in a batch: its index and the value to add or remove.
type pending struct {
	i     int
	value string
}

// applyRound applies the changes at indexes idx, writing their outcomes.
func (c *Connector) applyRound(ctx context.Context, changes []connector.Change, idx []int, out []connector.Outcome) {
	users := c.lookupUsers(ctx, changes, idx)
	var order []batchKey
	batches := map[batchKey][]pending{}
	for _, i := range idx {
		ch := changes[i]
		attr, err := c.roleAttribute(ch.Grant.RoleOriginID)
		if err != nil {
			out[i].Err = err
			continue
		}
		u := users[i]
		switch {
		case u.err != nil && !ch.Add && access.IsKind(u.err, access.KindNotFound):
			out[i].Result = done // the entry is gone, and with it the access
			continue
		case u.err != nil:
			out[i].Err = u.err
			continue
		}
		k := batchKey{dn: ch.Grant.ResourceOriginID, attr: attr, add: ch.Add}
		if _, ok := batches[k]; !ok {
			order = append(order, k)
		}
		batches[k] = append(batches[k], pending{i: i, value: c.memberValue(u.entry, attr)})
	}
	for _, k := range order {
		c.applyBatch(ctx, k, batches[k], out)
	}
}

// lookedUp is the entry found for a change's subject, or why there is none.
type lookedUp struct {
	entry
	err error
}

// lookupUsers finds the entry of each change's subject, searching for many at a time.
// The errors are those of findUser.
func (c *Connector) lookupUsers(ctx context.Context, changes []connector.Change, idx []int) map[int]lookedUp {
	out := make(map[int]lookedUp, len(idx))
	var values []string
	wanted := map[string][]int{} // lower-cased value → change indexes
	for _, i := range idx {
		v := c.subjectValue(changes[i].Grant.Subject)
		if v == "" {
			out[i] = lookedUp{err: c.noProperty()}
			continue
		}
		k := strings.ToLower(v)
		if _, ok := wanted[k]; !ok {
			values = append(values, v)
		}
		wanted[k] = append(wanted[k], i)
	}
	for chunk := range slices.Chunk(values, lookupChunk) {
		found, err := c.searchUsers(ctx, chunk)
		for _, v := range chunk {
			r := lookedUp{err: err}
			if err == nil {
				r = c.pickUser(v, found[strings.ToLower(v)])
			}
			for _, i := range wanted[strings.ToLower(v)] {
				out[i] = r
			}
		}
	}
	return out
}

// searchUsers returns the entries whose user attribute is one of values, by lower-cased
// value.
func (c *Connector) searchUsers(ctx context.Context, values []string) (map[string][]entry, error) {
	found := map[string][]entry{}
	err := c.do(ctx, "look up users under "+c.s.BaseDN, func(conn *goldap.Conn) error {
		clear(found)
		req := c.search(c.s.BaseDN, goldap.ScopeWholeSubtree, c.userFilter(values...), "uid", c.s.UserAttribute)
		res, err := conn.SearchWithPaging(req, pageSize)
		if err != nil {
			return c.classify(err, "look up users under "+c.s.BaseDN)
		}
		for _, e := range res.Entries {
			u := entry{dn: e.DN, uid: e.GetAttributeValue("uid")}
			for _, v := range e.GetAttributeValues(c.s.UserAttribute) {
				found[strings.ToLower(v)] = append(found[strings.ToLower(v)], u)
			}
		}
		return nil
	})
	return found, err
}

// pickUser is findUser's verdict on the entries found for value.
func (c *Connector) pickUser(value string, es []entry) lookedUp {
	switch {
	case len(es) == 0:
		return lookedUp{err: access.Ec(access.KindNotFound, codeNoUser,
			"no LDAP entry with %s=%s under %s; create the user in the directory or fix userAttribute/userProperty",
			c.s.UserAttribute, value, c.s.BaseDN)}
	case len(es) > 1:
		return lookedUp{err: access.Ec(access.KindFailedPrecondition, codeAmbiguous,
			"several LDAP entries have %s=%s under %s (%s, %s): make the attribute unique or narrow userFilter",
			c.s.UserAttribute, value, c.s.BaseDN, es[0].dn, es[1].dn)}
	case !c.s.memberIsDN() && es[0].uid == "":
		return lookedUp{err: access.Ec(access.KindFailedPrecondition, codeNoUser,
			"LDAP entry '%s' has no uid, which memberUid groups list: give the entry a uid", es[0].dn)}
	}
	return lookedUp{entry: es[0]}
}

// applyBatch adds or removes the values of ps in one attribute of one group: values
// already as asked are AlreadyDone, the others go in multi-value modifies.
func (c *Connector) applyBatch(ctx context.Context, k batchKey, ps []pending, out []connector.Outcome) {
	what := fmt.Sprintf("change %s of '%s'", k.attr, k.dn)
	var todo []pending
	var placeholder bool // the group holds the placeholder member
	err := c.do(ctx, what, func(conn *goldap.Conn) error {
		values, err := c.groupValues(conn, k.dn, k.attr)
		if err != nil {
			return err
		}
		present := make(map[string]bool, len(values))
		for _, v := range values {
			present[c.valueKey(k.attr, v)] = true
		}
		placeholder = c.s.PlaceholderMember != "" && present[c.valueKey(k.attr, c.s.PlaceholderMember)]
		todo = todo[:0]
		for _, p := range ps {
			key := c.valueKey(k.attr, p.value)
			if present[key] == k.add {
				out[p.i] = connector.Outcome{Result: done}
				continue
			}
			present[key] = k.add // a duplicate later in ps is then AlreadyDone
			todo = append(todo, p)
		}
		return nil
	})
	if err != nil {
		for _, p := range ps {
			out[p.i] = connector.Outcome{Err: err}
		}
		return
	}
	for chunk := range slices.Chunk(todo, maxValues) {
		c.modifyMany(ctx, k, chunk, out)
	}
	if k.add && placeholder {
		c.dropPlaceholderAfter(ctx, k, ps, out)
	}
}

// dropPlaceholderAfter removes the placeholder member once some of the adds succeeded;
// when that fails, their outcomes carry the error, so they are retried (and, through
// Grant's path, remove the placeholder then).
func (c *Connector) dropPlaceholderAfter(ctx context.Context, k batchKey, added []pending, out []connector.Outcome) {
	if !slices.ContainsFunc(added, func(p pending) bool { return out[p.i].Err == nil }) {
		return
	}
	err := c.do(ctx, "remove the placeholder member of '"+k.dn+"'", func(conn *goldap.Conn) error {
		return c.dropPlaceholder(conn, k.dn, k.attr)
	})
	if err == nil {
		return
	}
	err = c.classify(err, "remove the placeholder member of '"+k.dn+"'")
	for _, p := range added {
		if out[p.i].Err == nil {
			out[p.i] = connector.Outcome{Err: err}
		}
	}
}

// modifyMany changes the values of ps in one modify. When that fails for a reason other
// than the server being unreachable or the group missing, it changes them one by one
// with Grant's and Revoke's semantics, so each value gets its own outcome.
func (c *Connector) modifyMany(ctx context.Context, k batchKey, ps []pending, out []connector.Outcome) {
	values := make([]string, len(ps))
	for i, p := range ps {
		values[i] = p.value
	}
	op := uint(goldap.DeleteAttribute)
	if k.add {
		op = goldap.AddAttribute
	}
	what := fmt.Sprintf("change %d values of %s of '%s'", len(values), k.attr, k.dn)
	err := c.do(ctx, what, func(conn *goldap.Conn) error { return modify(conn, k.dn, op, k.attr, values) })
	if err == nil || access.IsKind(err, access.KindTransient) || resultCode(err) == goldap.LDAPResultNoSuchObject {
		if resultCode(err) == goldap.LDAPResultNoSuchObject {
			err = groupNotFound(k.dn)
		}
		for _, p := range ps {
			out[p.i] = connector.Outcome{Err: err}
		}
		return
	}
	for _, p := range ps {
		var o connector.Outcome
		o.Err = c.do(ctx, what, func(conn *goldap.Conn) error {
			var err error
			if k.add {
				o.Result, err = c.add(conn, k.dn, k.attr, p.value)
			} else {
				o.Result, err = c.remove(conn, k.dn, k.attr, p.value)
			}
			return err
		})
		out[p.i] = o
	}
}

// valueKey is a comparable form of a value of attr: DNs compare case-insensitively,
// memberUid values exactly (caseExactIA5Match).
func (c *Connector) valueKey(attr, v string) string {
	if attr == "memberUid" {
		return v
	}
	return dnKey(v)
}
