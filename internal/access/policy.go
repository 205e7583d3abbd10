package access

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Policy is an assignment policy of a package: who may request or be assigned, who
// approves, what must be answered and when access ends. Policies are versioned values:
// every save stores a new Version, and requests pin the version they were made under (POL-9).
type Policy struct {
	Revision
	ID                           string                    `json:"id"`
	DisplayName                  string                    `json:"displayName"`
	Description                  string                    `json:"description"`
	PackageID                    string                    `json:"accessPackageId"`
	CatalogID                    string                    `json:"catalogId"`
	AllowedTargetScope           string                    `json:"allowedTargetScope"`
	SpecificAllowedTargets       []SubjectSet              `json:"specificAllowedTargets"`
	AutomaticRequestSettings     *AutomaticRequestSettings `json:"automaticRequestSettings"`
	RequestorSettings            RequestorSettings         `json:"requestorSettings"`
	RequestApprovalSettings      ApprovalSettings          `json:"requestApprovalSettings"`
	Expiration                   Expiration                `json:"expiration"`
	ReviewSettings               json.RawMessage           `json:"reviewSettings,omitempty"`
	NotificationSettings         *NotificationSettings     `json:"notificationSettings,omitempty"`
	CustomExtensionStageSettings []ExtensionStageSetting   `json:"customExtensionStageSettings"`
	Questions                    []Question                `json:"questions"`
	CreatedDateTime              time.Time                 `json:"createdDateTime"`
	ModifiedDateTime             time.Time                 `json:"modifiedDateTime"`
}

// RequestorSettings say who may request for themselves or on behalf of others.
// AcceptRequests is Bestow's "enabled" switch (Graph beta's name): a disabled policy takes
// no new requests, and a disabled admin-only policy takes no direct assignments (POL-8).
type RequestorSettings struct {
	EnableTargetsToSelfAddAccess           bool         `json:"enableTargetsToSelfAddAccess"`
	EnableTargetsToSelfUpdateAccess        bool         `json:"enableTargetsToSelfUpdateAccess"`
	EnableTargetsToSelfRemoveAccess        bool         `json:"enableTargetsToSelfRemoveAccess"`
	AllowCustomAssignmentSchedule          bool         `json:"allowCustomAssignmentSchedule"`
	EnableOnBehalfRequestorsToAddAccess    bool         `json:"enableOnBehalfRequestorsToAddAccess"`
	EnableOnBehalfRequestorsToUpdateAccess bool         `json:"enableOnBehalfRequestorsToUpdateAccess"`
	EnableOnBehalfRequestorsToRemoveAccess bool         `json:"enableOnBehalfRequestorsToRemoveAccess"`
	OnBehalfRequestors                     []SubjectSet `json:"onBehalfRequestors"`
	AcceptRequests                         *bool        `json:"acceptRequests,omitempty"`
}

// ApprovalSettings say whether requests need approval and by whom, in up to three stages.
type ApprovalSettings struct {
	IsApprovalRequiredForAdd         bool            `json:"isApprovalRequiredForAdd"`
	IsApprovalRequiredForUpdate      bool            `json:"isApprovalRequiredForUpdate"`
	IsRequestorJustificationRequired bool            `json:"isRequestorJustificationRequired"`
	Stages                           []ApprovalStage `json:"stages"`
}

// ApprovalStage is one stage of approval (POL-3).
type ApprovalStage struct {
	DurationBeforeAutomaticDenial   Duration     `json:"durationBeforeAutomaticDenial"`
	IsApproverJustificationRequired bool         `json:"isApproverJustificationRequired"`
	IsEscalationEnabled             bool         `json:"isEscalationEnabled"`
	DurationBeforeEscalation        Duration     `json:"durationBeforeEscalation"`
	PrimaryApprovers                []SubjectSet `json:"primaryApprovers"`
	FallbackPrimaryApprovers        []SubjectSet `json:"fallbackPrimaryApprovers"`
	EscalationApprovers             []SubjectSet `json:"escalationApprovers"`
	FallbackEscalationApprovers     []SubjectSet `json:"fallbackEscalationApprovers"`
}

// Expiration says when an assignment ends (POL-6).
type Expiration struct {
	Type        string     `json:"type"`
	EndDateTime *time.Time `json:"endDateTime"`
	Duration    *Duration  `json:"duration"`
}

// Expiration types, as Graph spells them.
const (
	ExpireNotSpecified  = "notSpecified"
	ExpireNever         = "noExpiration"
	ExpireAfterDateTime = "afterDateTime"
	ExpireAfterDuration = "afterDuration"
)

// AutomaticRequestSettings make a policy assign everyone its rule matches.
type AutomaticRequestSettings struct {
	RequestAccessForAllowedTargets             bool      `json:"requestAccessForAllowedTargets"`
	RemoveAccessWhenTargetLeavesAllowedTargets bool      `json:"removeAccessWhenTargetLeavesAllowedTargets"`
	GracePeriodBeforeAccessRemoval             *Duration `json:"gracePeriodBeforeAccessRemoval"`
}

// NotificationSettings can turn off assignment mails.
type NotificationSettings struct {
	IsAssignmentNotificationDisabled bool `json:"isAssignmentNotificationDisabled"`
}

// Allowed target scopes, as Graph spells them (POL-1).
const (
	ScopeNotSpecified           = "notSpecified"
	ScopeSpecificDirectoryUsers = "specificDirectoryUsers"
	ScopeSpecificConnectedOrgs  = "specificConnectedOrganizationUsers"
	ScopeAllMemberUsers         = "allMemberUsers"
	ScopeAllDirectoryUsers      = "allDirectoryUsers"
	ScopeAllConfiguredConnected = "allConfiguredConnectedOrganizationUsers"
	ScopeAllExternalUsers       = "allExternalUsers"
	ScopeSpecificDirectorySPs   = "specificDirectoryServicePrincipals"
	ScopeAllDirectorySPs        = "allDirectoryServicePrincipals"
)

var targetScopes = []string{ScopeNotSpecified, ScopeSpecificDirectoryUsers, ScopeSpecificConnectedOrgs,
	ScopeAllMemberUsers, ScopeAllDirectoryUsers, ScopeAllConfiguredConnected, ScopeAllExternalUsers,
	ScopeSpecificDirectorySPs, ScopeAllDirectorySPs}

// MaxLifetime is the longest fixed lifetime a policy may give (3660 days, as Graph's UI).
const MaxLifetime = 3660 * 24 * time.Hour

// Enabled reports whether the policy takes new requests and direct assignments (POL-8).
func (p *Policy) Enabled() bool {
	return p.RequestorSettings.AcceptRequests == nil || *p.RequestorSettings.AcceptRequests
}

// IsExternal reports whether the policy serves users outside the directory (POL-2).
func (p *Policy) IsExternal() bool {
	switch p.AllowedTargetScope {
	case ScopeSpecificConnectedOrgs, ScopeAllConfiguredConnected, ScopeAllExternalUsers:
		return true
	}
	return false
}

// Validate checks everything about the policy that needs no lookups, fills defaults
// (empty lists, ids of questions, default stage timeout) and returns the first problem as
// an Invalid error that says what to change. now is the time of the save.
func (p *Policy) Validate(now time.Time, ids IDs) error {
	if strings.TrimSpace(p.DisplayName) == "" {
		return invalid("displayName is required")
	}
	if err := p.validateTargets(); err != nil {
		return err
	}
	if err := p.validateApproval(); err != nil {
		return err
	}
	if err := p.validateExpiration(now); err != nil {
		return err
	}
	if err := p.validateQuestions(ids); err != nil {
		return err
	}
	if err := p.validateStageSettings(ids); err != nil {
		return err
	}
	if p.RequestorSettings.OnBehalfRequestors == nil {
		p.RequestorSettings.OnBehalfRequestors = []SubjectSet{}
	}
	for i, s := range p.RequestorSettings.OnBehalfRequestors {
		if err := s.validate("requestorSettings.onBehalfRequestors[" + itoa(i) + "]"); err != nil {
			return err
		}
	}
	return nil
}

func (p *Policy) validateTargets() error {
	if p.AllowedTargetScope == "" {
		p.AllowedTargetScope = ScopeNotSpecified
	}
	if !contains(targetScopes, p.AllowedTargetScope) {
		return Ec(KindInvalid, "InvalidEnumValue", "allowedTargetScope '%s' is not valid; use one of %s",
			p.AllowedTargetScope, strings.Join(targetScopes, ", "))
	}
	if p.SpecificAllowedTargets == nil {
		p.SpecificAllowedTargets = []SubjectSet{}
	}
	var internal, external int
	for i, s := range p.SpecificAllowedTargets {
		where := "specificAllowedTargets[" + itoa(i) + "]"
		if err := s.validate(where); err != nil {
			return err
		}
		switch s.Kind() {
		case SubjectSingleUser, SubjectGroupMembers, SubjectAttributeRule, SubjectSingleSP:
			internal++
		case SubjectConnectedOrgMembers:
			external++
		default:
			return invalid("%s: %s cannot say who may request; use singleUser, groupMembers or connectedOrganizationMembers", where, s.Type)
		}
	}
	// POL-2: one policy serves internal users or external users, never both.
	if internal > 0 && external > 0 {
		return Ec(KindInvalid, "PolicyMixesInternalAndExternal",
			"a policy serves users in your directory or users in connected organizations, never both; create two policies")
	}
	switch p.AllowedTargetScope {
	case ScopeSpecificDirectoryUsers:
		if internal == 0 {
			return invalid("allowedTargetScope specificDirectoryUsers needs specificAllowedTargets naming users (singleUser) or groups (groupMembers)")
		}
	case ScopeSpecificConnectedOrgs:
		if external == 0 {
			return invalid("allowedTargetScope specificConnectedOrganizationUsers needs specificAllowedTargets naming connected organizations (connectedOrganizationMembers)")
		}
	case ScopeSpecificDirectorySPs:
		if internal == 0 {
			return invalid("allowedTargetScope specificDirectoryServicePrincipals needs specificAllowedTargets naming service principals")
		}
	default:
		if len(p.SpecificAllowedTargets) > 0 {
			return invalid("allowedTargetScope %s takes no specificAllowedTargets; remove them or use a specific* scope", p.AllowedTargetScope)
		}
	}
	rs := p.RequestorSettings
	if p.AllowedTargetScope == ScopeNotSpecified && (rs.EnableTargetsToSelfAddAccess || rs.EnableOnBehalfRequestorsToAddAccess) {
		return invalid("allowedTargetScope notSpecified means administrator direct assignment only, so requestorSettings.enableTargetsToSelfAddAccess must be false; choose who may request with allowedTargetScope")
	}
	if a := p.AutomaticRequestSettings; a != nil && a.RequestAccessForAllowedTargets {
		if p.AllowedTargetScope != ScopeSpecificDirectoryUsers || len(p.SpecificAllowedTargets) != 1 || p.SpecificAllowedTargets[0].Kind() != SubjectAttributeRule {
			return invalid("an automatic assignment policy needs allowedTargetScope specificDirectoryUsers and exactly one attributeRuleMembers target with a membershipRule")
		}
	} else {
		for i, s := range p.SpecificAllowedTargets {
			if s.Kind() == SubjectAttributeRule {
				return invalid("specificAllowedTargets[%d]: attributeRuleMembers is only for automatic assignment policies (set automaticRequestSettings.requestAccessForAllowedTargets)", i)
			}
		}
	}
	return nil
}

// approverKinds are the subject sets that can approve.
var approverKinds = []string{SubjectSingleUser, SubjectGroupMembers, SubjectRequestorManager,
	SubjectInternalSponsors, SubjectExternalSponsors, SubjectTargetUserSponsors}

func (p *Policy) validateApproval() error {
	a := &p.RequestApprovalSettings
	if a.Stages == nil {
		a.Stages = []ApprovalStage{}
	}
	if len(a.Stages) > 3 {
		return invalid("requestApprovalSettings.stages has %d stages; a policy has at most 3", len(a.Stages))
	}
	if (a.IsApprovalRequiredForAdd || a.IsApprovalRequiredForUpdate) && len(a.Stages) == 0 {
		return invalid("approval is required but requestApprovalSettings.stages is empty; add 1 to 3 stages or turn approval off")
	}
	for i := range a.Stages {
		st := &a.Stages[i]
		where := "requestApprovalSettings.stages[" + itoa(i) + "]"
		if st.DurationBeforeAutomaticDenial == 0 {
			st.DurationBeforeAutomaticDenial = Duration(14 * 24 * time.Hour)
		}
		if st.DurationBeforeAutomaticDenial < Duration(time.Hour) || st.DurationBeforeAutomaticDenial > Duration(14*24*time.Hour) {
			return invalid("%s.durationBeforeAutomaticDenial is %s; it must be between PT1H and P14D", where, st.DurationBeforeAutomaticDenial)
		}
		for _, l := range []*[]SubjectSet{&st.PrimaryApprovers, &st.FallbackPrimaryApprovers, &st.EscalationApprovers, &st.FallbackEscalationApprovers} {
			if *l == nil {
				*l = []SubjectSet{}
			}
		}
		if len(st.PrimaryApprovers)+len(st.FallbackPrimaryApprovers) == 0 {
			return invalid("%s has no approvers; set primaryApprovers (or fallbackPrimaryApprovers)", where)
		}
		lists := map[string][]SubjectSet{"primaryApprovers": st.PrimaryApprovers, "fallbackPrimaryApprovers": st.FallbackPrimaryApprovers,
			"escalationApprovers": st.EscalationApprovers, "fallbackEscalationApprovers": st.FallbackEscalationApprovers}
		for name, l := range lists {
			for j, s := range l {
				w := where + "." + name + "[" + itoa(j) + "]"
				if err := s.validate(w); err != nil {
					return err
				}
				if !contains(approverKinds, s.Kind()) {
					return invalid("%s: %s cannot approve; use singleUser, groupMembers, requestorManager, targetUserSponsors, internalSponsors or externalSponsors", w, s.Type)
				}
				if (s.Kind() == SubjectInternalSponsors || s.Kind() == SubjectExternalSponsors) && !p.IsExternal() {
					return invalid("%s: %s only resolve for requestors from connected organizations; this policy is for users in your directory", w, s.Type)
				}
				if strings.HasPrefix(name, "fallback") && (s.Kind() == SubjectRequestorManager || s.Kind() == SubjectTargetUserSponsors) {
					return invalid("%s: a fallback approver must be a specific user or group, because it stands in when the manager or sponsors cannot be found", w)
				}
			}
		}
		if st.IsEscalationEnabled {
			if len(st.EscalationApprovers)+len(st.FallbackEscalationApprovers) == 0 {
				return invalid("%s.isEscalationEnabled is true but escalationApprovers is empty; name the alternate approvers", where)
			}
			if st.DurationBeforeEscalation <= 0 || st.DurationBeforeEscalation >= st.DurationBeforeAutomaticDenial {
				return invalid("%s.durationBeforeEscalation (%s) must be more than zero and less than durationBeforeAutomaticDenial (%s)",
					where, st.DurationBeforeEscalation, st.DurationBeforeAutomaticDenial)
			}
		}
	}
	return nil
}

func (p *Policy) validateExpiration(now time.Time) error {
	e := &p.Expiration
	if e.Type == "" {
		e.Type = ExpireNotSpecified
	}
	switch e.Type {
	case ExpireNotSpecified, ExpireNever:
		if e.EndDateTime != nil || (e.Duration != nil && *e.Duration != 0) {
			return invalid("expiration.type %s takes neither endDateTime nor duration", e.Type)
		}
		e.Duration = nil
	case ExpireAfterDateTime:
		if e.EndDateTime == nil {
			return invalid("expiration.type afterDateTime needs expiration.endDateTime")
		}
		if !e.EndDateTime.After(now) {
			return invalid("expiration.endDateTime %s is in the past; choose a future date", e.EndDateTime.Format(time.RFC3339))
		}
		if e.Duration != nil && *e.Duration != 0 {
			return invalid("expiration.type afterDateTime takes no duration")
		}
		e.Duration = nil
	case ExpireAfterDuration:
		if e.Duration == nil || *e.Duration <= 0 {
			return invalid("expiration.type afterDuration needs a positive expiration.duration, such as P90D or PT8H")
		}
		if time.Duration(*e.Duration) > MaxLifetime {
			return invalid("expiration.duration %s is longer than the maximum of 3660 days", *e.Duration)
		}
		if e.EndDateTime != nil {
			return invalid("expiration.type afterDuration takes no endDateTime")
		}
	default:
		return Ec(KindInvalid, "InvalidEnumValue", "expiration.type '%s' is not valid; use noExpiration, afterDateTime or afterDuration", e.Type)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }
