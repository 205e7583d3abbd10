package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/kernel"
)

// Extension is a custom workflow extension of a catalog (Graph's customCalloutExtension,
// CON-5): an HTTP endpoint Bestow calls when a request or assignment reaches a stage that
// a policy binds to it. Its JSON is Graph's, so that a PATCH body merges into it; the
// secret that signs its callouts is kept apart (Secret) and never shown after creation.
type Extension struct {
	Revision
	Type                        string                 `json:"@odata.type"`
	ID                          string                 `json:"id"`
	CatalogID                   string                 `json:"catalogId"`
	DisplayName                 string                 `json:"displayName"`
	Description                 string                 `json:"description"`
	EndpointConfiguration       *EndpointConfiguration `json:"endpointConfiguration"`
	AuthenticationConfiguration *ExtensionAuth         `json:"authenticationConfiguration"`
	ClientConfiguration         *ClientConfiguration   `json:"clientConfiguration"`
	CallbackConfiguration       *CallbackConfiguration `json:"callbackConfiguration,omitempty"`
	CreatedDateTime             time.Time              `json:"createdDateTime"`
	LastModifiedDateTime        time.Time              `json:"lastModifiedDateTime"`
	// Secret signs the callouts (HMAC-SHA256); stored, left out of the audit log, never
	// returned except once, in the answer that set it.
	Secret string `json:"secret,omitempty"`
}

// EndpointConfiguration is where callouts go. Bestow supports Graph's httpRequestEndpoint;
// the Logic App fields are read only to refuse them with a clear message.
type EndpointConfiguration struct {
	Type                 string `json:"@odata.type"`
	TargetURL            string `json:"targetUrl"`
	SubscriptionID       string `json:"subscriptionId,omitempty"`
	LogicAppWorkflowName string `json:"logicAppWorkflowName,omitempty"`
}

// ExtensionAuth is Bestow's authenticationConfiguration: an HMAC signature with a
// per-extension secret. Secret is only ever filled in the answer that sets it.
type ExtensionAuth struct {
	Type   string `json:"@odata.type"`
	Secret string `json:"secret,omitempty"`
}

// ClientConfiguration bounds one callout: its timeout and immediate retries.
type ClientConfiguration struct {
	Type                  string `json:"@odata.type,omitempty"`
	TimeoutInMilliseconds *int   `json:"timeoutInMilliseconds"`
	MaximumRetries        *int   `json:"maximumRetries"`
}

// CallbackConfiguration makes a request workflow extension wait for a callback (resume)
// for at most TimeoutDuration.
type CallbackConfiguration struct {
	Type            string   `json:"@odata.type,omitempty"`
	TimeoutDuration Duration `json:"timeoutDuration"`
}

// Extension types, endpoint and authentication types, as Graph (and Bestow) spell them.
const (
	ExtRequestWorkflow    = "#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension"
	ExtAssignmentWorkflow = "#microsoft.graph.accessPackageAssignmentWorkflowExtension"
	EndpointHTTP          = "#microsoft.graph.httpRequestEndpoint"
	EndpointLogicApp      = "#microsoft.graph.logicAppTriggerEndpointConfiguration"
	AuthHMAC              = "#microsoft.graph.bestowHmacSignature"
)

// The stages a policy binds extensions to (Graph's accessPackageCustomExtensionStage).
const (
	ExtCreated        = "assignmentRequestCreated"
	ExtApproved       = "assignmentRequestApproved"
	ExtGranted        = "assignmentRequestGranted"
	ExtRemoved        = "assignmentRequestRemoved"
	ExtFourteenDays   = "assignmentFourteenDaysBeforeExpiration"
	ExtOneDayBefore   = "assignmentOneDayBeforeExpiration"
	DefaultTimeoutMS  = 1000
	MinCallbackWait   = 5 * time.Minute
	MaxCallbackWait   = 14 * 24 * time.Hour
	SignatureHeader   = "X-Bestow-Signature"
	TimestampHeader   = "X-Bestow-Timestamp"
	SignatureValidFor = 5 * time.Minute
)

// RequestStages and AssignmentStages are the stages of each extension type.
var (
	RequestStages    = []string{ExtCreated, ExtApproved, ExtGranted, ExtRemoved}
	AssignmentStages = []string{ExtFourteenDays, ExtOneDayBefore}
)

// Stages returns the stages an extension of this type may be bound to.
func (x *Extension) Stages() []string {
	if x.Type == ExtAssignmentWorkflow {
		return AssignmentStages
	}
	return RequestStages
}

// Waits reports whether the extension makes a request wait for its callback at stage:
// request workflow extensions with a callbackConfiguration, at the created and approved
// stages (the request has not been granted yet; later stages are only told).
func (x *Extension) Waits(stage string) bool {
	return x.Type == ExtRequestWorkflow && x.CallbackConfiguration != nil && (stage == ExtCreated || stage == ExtApproved)
}

// Timeout is how long one callout may take.
func (x *Extension) Timeout() time.Duration {
	if c := x.ClientConfiguration; c != nil && c.TimeoutInMilliseconds != nil {
		return time.Duration(*c.TimeoutInMilliseconds) * time.Millisecond
	}
	return DefaultTimeoutMS * time.Millisecond
}

// Retries is how many times a callout that failed is tried again at once (0 or 1).
func (x *Extension) Retries() int {
	if c := x.ClientConfiguration; c != nil && c.MaximumRetries != nil {
		return *c.MaximumRetries
	}
	return 0
}

// Validate checks an extension and fills Graph's defaults (CON-5).
func (x *Extension) Validate() error {
	x.Type = "#" + strings.TrimPrefix(x.Type, "#")
	switch {
	case x.Type != ExtRequestWorkflow && x.Type != ExtAssignmentWorkflow:
		return Ec(KindInvalid, "InvalidEnumValue", "@odata.type '%s' is not a custom workflow extension Bestow supports; use %s (request stages, may wait for a callback) or %s (before expiration)",
			strings.TrimPrefix(x.Type, "#"), ExtRequestWorkflow, ExtAssignmentWorkflow)
	case strings.TrimSpace(x.DisplayName) == "":
		return invalid("displayName is required: a name administrators recognise the extension by")
	}
	if err := x.validateEndpoint(); err != nil {
		return err
	}
	if err := x.validateClient(); err != nil {
		return err
	}
	return x.validateCallback()
}

func (x *Extension) validateEndpoint() error {
	e := x.EndpointConfiguration
	if e == nil {
		return invalid("endpointConfiguration is required: {\"@odata.type\": \"%s\", \"targetUrl\": \"https://…\"}", EndpointHTTP)
	}
	typ := "#" + strings.TrimPrefix(e.Type, "#")
	if typ == EndpointLogicApp || e.LogicAppWorkflowName != "" || e.SubscriptionID != "" {
		return Ec(KindInvalid, "EndpointNotSupported", "endpointConfiguration %s (an Azure Logic App) is not supported by Bestow; use {\"@odata.type\": \"%s\", \"targetUrl\": \"https://…\"} and point it at the endpoint that receives the callouts", EndpointLogicApp, EndpointHTTP)
	}
	if e.Type != "" && typ != EndpointHTTP {
		return Ec(KindInvalid, "EndpointNotSupported", "endpointConfiguration @odata.type '%s' is not supported; use %s", e.Type, EndpointHTTP)
	}
	e.Type = EndpointHTTP
	u := strings.ToLower(e.TargetURL)
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") || len(u) < len("http://x") {
		return invalid("endpointConfiguration.targetUrl '%s' is not an http(s) URL: say where Bestow sends the callouts", e.TargetURL)
	}
	return nil
}

func (x *Extension) validateClient() error {
	if x.ClientConfiguration == nil {
		x.ClientConfiguration = &ClientConfiguration{}
	}
	c := x.ClientConfiguration
	c.Type = "#microsoft.graph.customExtensionClientConfiguration"
	if c.TimeoutInMilliseconds == nil {
		ms := DefaultTimeoutMS
		c.TimeoutInMilliseconds = &ms
	}
	if c.MaximumRetries == nil {
		n := 0
		c.MaximumRetries = &n
	}
	if ms := *c.TimeoutInMilliseconds; ms < 200 || ms > 2000 {
		return invalid("clientConfiguration.timeoutInMilliseconds is %d; it must be between 200 and 2000 (default 1000)", ms)
	}
	if n := *c.MaximumRetries; n != 0 && n != 1 {
		return invalid("clientConfiguration.maximumRetries is %d; it must be 0 or 1", n)
	}
	return nil
}

func (x *Extension) validateCallback() error {
	c := x.CallbackConfiguration
	if c == nil {
		return nil
	}
	if x.Type == ExtAssignmentWorkflow {
		return invalid("callbackConfiguration is for request workflow extensions (%s) only: a pre-expiration extension never waits", ExtRequestWorkflow)
	}
	c.Type = "#microsoft.graph.customExtensionCallbackConfiguration"
	if d := time.Duration(c.TimeoutDuration); d < MinCallbackWait || d > MaxCallbackWait {
		return invalid("callbackConfiguration.timeoutDuration is %s; it must be between PT5M (5 minutes) and P14D (14 days)", c.TimeoutDuration)
	}
	return nil
}

// takeSecret sets the signing secret from authenticationConfiguration: a secret given
// there (at least 32 characters) is taken; an authenticationConfiguration without one, or
// an extension that has no secret yet, gets a new one. It returns the secret to show once,
// or "" when it did not change.
func (x *Extension) takeSecret() (string, error) {
	a := x.AuthenticationConfiguration
	x.AuthenticationConfiguration = &ExtensionAuth{Type: AuthHMAC}
	if a != nil && a.Type != "" && "#"+strings.TrimPrefix(a.Type, "#") != AuthHMAC {
		return "", Ec(KindInvalid, "AuthenticationNotSupported", "authenticationConfiguration @odata.type '%s' is not supported; Bestow signs callouts itself: send {\"@odata.type\": \"%s\"} (a secret is generated) or add a \"secret\" of at least 32 characters", a.Type, AuthHMAC)
	}
	switch {
	case a != nil && a.Secret != "":
		if len(a.Secret) < 32 {
			return "", invalid("authenticationConfiguration.secret must be at least 32 characters")
		}
		x.Secret = a.Secret
	case a != nil || x.Secret == "":
		x.Secret = NewExtensionSecret()
	default:
		return "", nil
	}
	return x.Secret, nil
}

// Public returns the extension as it may be shown: without its secret.
func (x Extension) Public() Extension {
	x.Secret = ""
	x.AuthenticationConfiguration = &ExtensionAuth{Type: AuthHMAC}
	return x
}

// NewExtensionSecret returns a new random signing secret.
func NewExtensionSecret() string { return kernel.NewSecret("bxs_") }

// Sign returns the X-Bestow-Signature of a body sent at ts: "sha256=" and the hex
// HMAC-SHA256, keyed by the secret, of "<unix seconds>.<body>".
func Sign(secret string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10) + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Signed is a body with the signature headers its sender presented.
type Signed struct {
	Signature, Timestamp string
	Body                 []byte
}

// Verify checks a signature made with secret, and that its timestamp is within
// SignatureValidFor of now (so a recorded call cannot be replayed later).
func (s Signed) Verify(secret string, now time.Time) error {
	sec, err := strconv.ParseInt(s.Timestamp, 10, 64)
	if err != nil {
		return Ec(KindUnauthenticated, "InvalidSignature", "%s must be the unix time in seconds at which the body was signed", TimestampHeader)
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > SignatureValidFor || d < -SignatureValidFor {
		return Ec(KindUnauthenticated, "InvalidSignature", "%s is more than 5 minutes from the server's time; sign the body again", TimestampHeader)
	}
	if secret == "" || !hmac.Equal([]byte(Sign(secret, ts, s.Body)), []byte(s.Signature)) {
		return Ec(KindUnauthenticated, "InvalidSignature", "%s does not match the body: sign \"<timestamp>.<body>\" with the extension's secret (HMAC-SHA256, hex, prefixed sha256=)", SignatureHeader)
	}
	return nil
}

// ExtensionStageSetting binds an extension to a stage of a policy (Graph's
// customExtensionStageSetting).
type ExtensionStageSetting struct {
	ID              string       `json:"id,omitempty"`
	Stage           string       `json:"stage"`
	CustomExtension ExtensionRef `json:"customExtension"`
}

// ExtensionRef names an extension.
type ExtensionRef struct {
	Type string `json:"@odata.type,omitempty"`
	ID   string `json:"id"`
}

// validateStageSettings checks the stage names of a policy's bindings and gives each an
// id; that the extensions exist, are in the catalog and fit their stages needs lookups
// (checkStageSettings).
func (p *Policy) validateStageSettings(ids IDs) error {
	if p.CustomExtensionStageSettings == nil {
		p.CustomExtensionStageSettings = []ExtensionStageSetting{}
	}
	all := append(append([]string{}, RequestStages...), AssignmentStages...)
	seen := map[string]bool{}
	for i := range p.CustomExtensionStageSettings {
		st := &p.CustomExtensionStageSettings[i]
		where := "customExtensionStageSettings[" + itoa(i) + "]"
		switch {
		case !slices.Contains(all, st.Stage):
			return Ec(KindInvalid, "InvalidEnumValue", "%s.stage '%s' is not a stage; use one of %s", where, st.Stage, strings.Join(all, ", "))
		case st.CustomExtension.ID == "":
			return invalid("%s.customExtension.id is required: say which custom workflow extension of the catalog runs at %s", where, st.Stage)
		case seen[st.Stage+"/"+st.CustomExtension.ID]:
			return invalid("%s binds extension '%s' to %s a second time", where, st.CustomExtension.ID, st.Stage)
		}
		seen[st.Stage+"/"+st.CustomExtension.ID] = true
		if st.ID == "" {
			st.ID = ids.NewID()
		}
		st.CustomExtension.Type = ""
	}
	return nil
}

// boundAt lists the extension ids the policy binds at stage.
func (p *Policy) boundAt(stage string) []string {
	var out []string
	for _, st := range p.CustomExtensionStageSettings {
		if st.Stage == stage {
			out = append(out, st.CustomExtension.ID)
		}
	}
	return out
}
