package access

import (
	"fmt"
	"strings"
	"time"
)

// The reports of RPT-1 as text for a terminal (bestow report …), one line per holding.

// String renders the user's report.
func (r UserAccess) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) holds %d resource role%s\n", r.User.DisplayName, r.User.UserPrincipalName, len(r.Value), plural(len(r.Value)))
	for _, h := range r.Value {
		fmt.Fprintf(&b, "  %s of '%s' (%s) in catalog '%s': %s\n", h.Role.DisplayName, h.Resource.DisplayName, h.Resource.OriginSystem, h.Catalog.DisplayName, h.Grounds)
	}
	return b.String()
}

// String renders the package's report.
func (r PackageAccess) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Access package '%s' (catalog '%s')\nWho may request it:\n", r.Package.DisplayName, r.Catalog.DisplayName)
	if len(r.CanRequest) == 0 {
		b.WriteString("  no one: the package has no assignment policy\n")
	}
	for _, c := range r.CanRequest {
		fmt.Fprintf(&b, "  policy '%s': %s\n", c.Policy.DisplayName, c.Audience)
	}
	fmt.Fprintf(&b, "Who has it (%d):\n", r.HolderCount)
	for _, h := range r.Holders {
		fmt.Fprintf(&b, "  %s (%s): assignment %s, %s, %s, policy '%s'\n", h.User.DisplayName, h.User.UserPrincipalName,
			h.Assignment.ID, h.Assignment.State, dates(h.Assignment), h.Policy.DisplayName)
	}
	return b.String()
}

// String renders the resource's report.
func (r ResourceAccess) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Resource '%s' (%s %s) in catalog '%s'\n", r.Resource.DisplayName, r.Resource.OriginSystem, r.Resource.OriginID, r.Catalog.DisplayName)
	for _, role := range r.Roles {
		fmt.Fprintf(&b, "%s (%d):\n", role.Role.DisplayName, len(role.Holders))
		for _, h := range role.Holders {
			fmt.Fprintf(&b, "  %s (%s): %s\n", h.User.DisplayName, h.User.UserPrincipalName, h.Grounds)
		}
	}
	return b.String()
}

// String renders why a role is held.
func (g Grounds) String() string {
	if g.Via != ViaAssignment {
		return fmt.Sprintf("pre-existing (%s)", g.DeliveryState)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s through access package '%s', policy '%s'", g.DeliveryState, g.Package.DisplayName, g.Policy.DisplayName)
	if a := g.Assignment; a != nil {
		fmt.Fprintf(&b, ", assignment %s (%s, %s)", a.ID, a.State, dates(*a))
	}
	if r := g.Request; r != nil {
		by := "Bestow"
		if r.Requestor != nil {
			by = r.Requestor.DisplayName
		}
		fmt.Fprintf(&b, ", request %s %s by %s on %s", r.ID, r.RequestType, by, r.CreatedDateTime.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// dates renders when an assignment starts and ends.
func dates(a ReportAssignment) string {
	end := "no end"
	if a.EndDateTime != nil {
		end = a.EndDateTime.UTC().Format(time.RFC3339)
	}
	return "from " + a.StartDateTime.UTC().Format(time.RFC3339) + " until " + end
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
