package access

import (
	"encoding/json"
	"strings"
)

// SubjectSet names a set of people in a policy: requestors, targets or approvers. Graph
// tells the kinds apart by @odata.type; Type holds the canonical "#microsoft.graph.x".
type SubjectSet struct {
	Type                    string
	Description             string
	UserID                  string // singleUser
	GroupID                 string // groupMembers
	ManagerLevel            int    // requestorManager (1 or 2)
	ConnectedOrganizationID string // connectedOrganizationMembers
	MembershipRule          string // attributeRuleMembers
	ServicePrincipalID      string // singleServicePrincipal
	IsBackup                bool
}

// Subject set kinds (the short names of their @odata.type).
const (
	SubjectSingleUser          = "singleUser"
	SubjectGroupMembers        = "groupMembers"
	SubjectRequestorManager    = "requestorManager"
	SubjectInternalSponsors    = "internalSponsors"
	SubjectExternalSponsors    = "externalSponsors"
	SubjectTargetUserSponsors  = "targetUserSponsors"
	SubjectConnectedOrgMembers = "connectedOrganizationMembers"
	SubjectAttributeRule       = "attributeRuleMembers"
	SubjectSingleSP            = "singleServicePrincipal"
)

var subjectKinds = []string{SubjectSingleUser, SubjectGroupMembers, SubjectRequestorManager,
	SubjectInternalSponsors, SubjectExternalSponsors, SubjectTargetUserSponsors,
	SubjectConnectedOrgMembers, SubjectAttributeRule, SubjectSingleSP}

// Kind returns the short kind name, such as "singleUser".
func (s SubjectSet) Kind() string { return strings.TrimPrefix(s.Type, "#microsoft.graph.") }

type subjectJSON struct {
	Type                    string `json:"@odata.type"`
	Description             string `json:"description,omitempty"`
	UserID                  string `json:"userId,omitempty"`
	GroupID                 string `json:"groupId,omitempty"`
	ManagerLevel            int    `json:"managerLevel,omitempty"`
	ConnectedOrganizationID string `json:"connectedOrganizationId,omitempty"`
	MembershipRule          string `json:"membershipRule,omitempty"`
	ServicePrincipalID      string `json:"servicePrincipalId,omitempty"`
	IsBackup                bool   `json:"isBackup,omitempty"`
}

// MarshalJSON writes the Graph shape with its @odata.type discriminator.
func (s SubjectSet) MarshalJSON() ([]byte, error) {
	j := subjectJSON(s)
	if s.Kind() == SubjectRequestorManager && j.ManagerLevel == 0 {
		j.ManagerLevel = 1
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the Graph shape. The @odata.type must name a known subject set;
// fields that belong to another kind are refused so mistakes do not pass silently.
func (s *SubjectSet) UnmarshalJSON(b []byte) error {
	var j subjectJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Type == "" {
		return Ec(KindInvalid, "InvalidODataType", "a subject set needs an @odata.type, one of #microsoft.graph.%s",
			strings.Join(subjectKinds, ", #microsoft.graph."))
	}
	t, ok := normalizeODataType(j.Type, subjectKinds)
	if !ok {
		return Ec(KindInvalid, "InvalidODataType", "@odata.type '%s' is not a subject set; use one of #microsoft.graph.%s",
			j.Type, strings.Join(subjectKinds, ", #microsoft.graph."))
	}
	j.Type = t
	*s = SubjectSet(j)
	return nil
}

// validate checks the fields the kind needs. where names the list for messages.
func (s SubjectSet) validate(where string) error {
	need := func(v, field string) error {
		if strings.TrimSpace(v) == "" {
			return invalid("%s: %s needs %s", where, s.Type, field)
		}
		return nil
	}
	switch s.Kind() {
	case SubjectSingleUser:
		return need(s.UserID, "userId")
	case SubjectGroupMembers:
		return need(s.GroupID, "groupId")
	case SubjectConnectedOrgMembers:
		return need(s.ConnectedOrganizationID, "connectedOrganizationId")
	case SubjectAttributeRule:
		return need(s.MembershipRule, "membershipRule")
	case SubjectSingleSP:
		return need(s.ServicePrincipalID, "servicePrincipalId")
	case SubjectRequestorManager:
		if s.ManagerLevel < 0 || s.ManagerLevel > 2 {
			return invalid("%s: managerLevel must be 1 or 2, got %d", where, s.ManagerLevel)
		}
	}
	return nil
}
