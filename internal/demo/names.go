package demo

import (
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

func lower(s string) string { return strings.ToLower(s) }

// nameOf makes a display name from a demo principal name such as maria.owner@….
func nameOf(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	first, _, _ := strings.Cut(local, ".")
	return strings.ToUpper(first[:1]) + first[1:]
}

func roleName(id string) string {
	def, _ := access.RoleByID(id)
	return def.DisplayName
}
