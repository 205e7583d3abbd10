package access

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ConnectorConfig is a configured connection to a target system (DESIGN §5: connectors
// are data): an LDAP directory, a SCIM service. Its ID is chosen by the administrator and
// is the originSystem of the resources taken from it. Settings hold what its type needs
// (URL, base DN, attributes, ...); Secrets hold what is never shown again once written
// (bindPassword, token).
type ConnectorConfig struct {
	Revision
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	DisplayName string         `json:"displayName"`
	Settings    map[string]any `json:"settings"`
	// Reconcile says what the periodic reconcile does with drift (ASG-6): ReconcileReport
	// (the default) marks it and reports it, ReconcileRepair also puts the target right.
	Reconcile        string            `json:"reconcile,omitempty"`
	Secrets          map[string]string `json:"secrets,omitempty"`
	CreatedDateTime  time.Time         `json:"createdDateTime"`
	ModifiedDateTime time.Time         `json:"modifiedDateTime"`
	// SecretsSet names the secrets that are set, in place of their values (Public).
	SecretsSet []string `json:"secretsSet,omitempty"`
	// Declared says the connector comes from the server's config file (serve --config):
	// it is changed there, not through the API.
	Declared bool `json:"declared,omitempty"`
}

// Connector types Bestow knows.
const (
	ConnectorLDAP = "ldap"
	ConnectorSCIM = "scim"
)

var connectorTypes = []string{ConnectorLDAP, ConnectorSCIM}

// Reconcile modes of a connector.
const (
	ReconcileReport = "report"
	ReconcileRepair = "repair"
)

// SecretSettings are the settings that are write-only: given in settings, kept apart in
// Secrets, never returned.
var SecretSettings = []string{"bindPassword", "token"}

// FileSettings name files on the server (a secret, a CA). Only the server's config file
// may set them: through the API they would let an administrator read the server's files
// (a bind to their own host sends the file as the password).
var FileSettings = []string{"bindPasswordFile", "tokenFile", "caFile"}

// targetSettings are the settings that say where a connector's secrets go: changing one
// through the API drops the stored secrets unless the same change gives them again.
var targetSettings = []string{"url", "bindDN"}

// refuseFiles refuses the settings that name files on the server (FileSettings).
func (c *ConnectorConfig) refuseFiles() error {
	for _, k := range FileSettings {
		if _, ok := c.Settings[k]; ok {
			return invalid("settings.%s names a file on the server, which only the server's config file may do: give the value itself (secrets are write-only), or declare the connector in the config file (serve --config)", k)
		}
	}
	return nil
}

// retargeted reports whether c's settings send its secrets somewhere else than before's.
func (c *ConnectorConfig) retargeted(before ConnectorConfig) bool {
	for _, k := range targetSettings {
		if fmt.Sprint(c.Settings[k]) != fmt.Sprint(before.Settings[k]) {
			return true
		}
	}
	return false
}

var connectorID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

// Validate checks what the domain knows of a connector: its id, type and name. What its
// settings must hold is the connector type's business (Targets.Check).
func (c *ConnectorConfig) Validate() error {
	switch {
	case !connectorID.MatchString(c.ID):
		return invalid("connector id '%s' is not valid: use 1 to 64 letters, digits and '-', starting with a letter or digit (for example corp-ldap)", c.ID)
	case slices.ContainsFunc(originSystems, func(s string) bool { return strings.EqualFold(s, c.ID) }):
		return invalid("connector id '%s' is the origin system of the built-in directory; choose another", c.ID)
	case !slices.Contains(connectorTypes, c.Type):
		return Ec(KindInvalid, "InvalidEnumValue", "connector type '%s' is not supported; use %s", c.Type, strings.Join(connectorTypes, " or "))
	case strings.TrimSpace(c.DisplayName) == "":
		return invalid("displayName is required: a name administrators recognise the connector by")
	case c.Reconcile != "" && c.Reconcile != ReconcileReport && c.Reconcile != ReconcileRepair:
		return Ec(KindInvalid, "InvalidEnumValue", "reconcile '%s' is not valid: use report (mark and report drift) or repair (also put the target right)", c.Reconcile)
	}
	return nil
}

// takeSecrets moves the write-only settings out of Settings into Secrets (a secret given
// as null or "" is removed).
func (c *ConnectorConfig) takeSecrets() error {
	for _, k := range SecretSettings {
		v, ok := c.Settings[k]
		if !ok {
			continue
		}
		delete(c.Settings, k)
		switch v := v.(type) {
		case nil:
			delete(c.Secrets, k)
		case string:
			if c.Secrets == nil {
				c.Secrets = map[string]string{}
			}
			if v == "" {
				delete(c.Secrets, k)
			} else {
				c.Secrets[k] = v
			}
		default:
			return invalid("settings.%s must be a string", k)
		}
	}
	return nil
}

// prepare readies a connector to be saved: its secrets kept apart, its fields checked,
// and its settings checked by its type.
func (c *ConnectorConfig) prepare(t Targets) error {
	if err := c.takeSecrets(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return t.Check(*c)
}

// Public returns the connector as it may be shown: without its secrets, naming those set.
func (c ConnectorConfig) Public() ConnectorConfig {
	c.SecretsSet = nil
	for _, k := range SecretSettings {
		if c.Secrets[k] != "" {
			c.SecretsSet = append(c.SecretsSet, k)
		}
	}
	c.Secrets = nil
	return c
}

// Targets reaches the systems behind configured connectors; cmd/bestow wires the
// implementation (internal/connector/configured) so that the domain knows no connector.
type Targets interface {
	// Check reports whether the settings and secrets suit the connector's type, with a
	// message that says what is wrong.
	Check(c ConnectorConfig) error
	// Test checks that the target can be reached and accepts the credentials.
	Test(ctx context.Context, c ConnectorConfig) error
	// Groups lists what a catalog can take from the target: groups whose name contains
	// search.
	Groups(ctx context.Context, c ConnectorConfig, search string) ([]TargetResource, error)
	// Resolve describes one resource of the target by its originId, with its roles; an
	// *Error of KindNotFound when there is none.
	Resolve(ctx context.Context, c ConnectorConfig, originID string) (TargetResource, error)
	// Members lists who holds a role in the target, as the target names them (mail or
	// userPrincipalName filled).
	Members(ctx context.Context, c ConnectorConfig, resourceOriginID, roleOriginID string) ([]SubjectRef, error)
}

// TargetResource is a resource of a target system as its connector describes it.
type TargetResource struct {
	OriginID    string
	DisplayName string
	Description string
	Roles       []TargetRole
}

// TargetRole is a role of a TargetResource.
type TargetRole struct {
	OriginID    string
	DisplayName string
	Description string
}
