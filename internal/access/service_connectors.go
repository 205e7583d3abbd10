package access

import (
	"context"
	"fmt"
	"strings"
)

// SetTargets sets how the Service reaches the systems of configured connectors (to check
// their settings, test them, list and describe their groups). Without it connectors can
// be neither created nor used.
func (s *Service) SetTargets(t Targets) { s.targets = t }

func (s *Service) reach() (Targets, error) {
	if s.targets == nil {
		return nil, Ec(KindFailedPrecondition, "ConnectorsUnavailable", "this server was started without connector support")
	}
	return s.targets, nil
}

func connectorsOf(tx Tx) Collection[ConnectorConfig] { return tx.Connectors() }

// CreateConnector adds a connector (Global and Identity Governance administrators). The
// secret settings (bindPassword, token) are kept apart and never returned.
func (s *Service) CreateConnector(ctx context.Context, who Actor, c ConnectorConfig) (ConnectorConfig, error) {
	err := s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageConnectors, Target{}); err != nil {
			return err
		}
		t, err := s.reach()
		if err != nil {
			return err
		}
		c.Version, c.Secrets, c.SecretsSet, c.Declared, c.CreatedDateTime, c.ModifiedDateTime = 0, nil, nil, false, tx.now, tx.now
		if c.Settings == nil {
			c.Settings = map[string]any{}
		}
		if err := c.refuseFiles(); err != nil {
			return err
		}
		if err := c.prepare(t); err != nil {
			return err
		}
		if _, err := tx.Connectors().Get(ctx, c.ID); err == nil {
			return Ec(KindConflict, "Conflict", "a connector with id '%s' already exists; choose another id or change that one", c.ID)
		}
		return tx.Connectors().Put(ctx, &c)
	})
	return c.Public(), err
}

// GetConnector returns a connector without its secrets.
func (s *Service) GetConnector(ctx context.Context, who Actor, id string) (ConnectorConfig, error) {
	c, err := getAs(ctx, s, who, ActManageConnectors, connectorsOf, id)
	return c.Public(), err
}

// ListConnectors returns every connector without its secrets.
func (s *Service) ListConnectors(ctx context.Context, who Actor) ([]ConnectorConfig, error) {
	list, err := listAs(ctx, s, who, ActManageConnectors, connectorsOf)
	for i := range list {
		list[i] = list[i].Public()
	}
	return list, err
}

// UpdateConnector changes a connector's name, settings and secrets; its id, type and
// creation time are kept. change sees the connector without its secrets; a secret setting
// it puts in Settings replaces the stored one (null or "" removes it).
func (s *Service) UpdateConnector(ctx context.Context, who Actor, id string, change func(*ConnectorConfig) error) (ConnectorConfig, error) {
	c, err := update(ctx, s, who,
		func(tx *op) (ConnectorConfig, error) {
			if err := tx.authorize(ActManageConnectors, Target{}); err != nil {
				return ConnectorConfig{}, err
			}
			c, err := tx.Connectors().Get(ctx, id)
			if err == nil && c.Declared {
				err = declaredErr(id)
			}
			return c, err
		},
		func(tx *op, c *ConnectorConfig) error {
			keep := *c
			shown := c.Public()
			if err := change(&shown); err != nil {
				return err
			}
			*c = shown
			c.SecretsSet = nil
			c.Revision, c.ID, c.Type, c.CreatedDateTime, c.ModifiedDateTime = keep.Revision, keep.ID, keep.Type, keep.CreatedDateTime, tx.now
			c.Declared = false
			if c.Settings == nil {
				c.Settings = map[string]any{}
			}
			for _, k := range FileSettings { // kept as they were: only the config file changes them
				if fmt.Sprint(keep.Settings[k]) != fmt.Sprint(c.Settings[k]) {
					return invalid("settings.%s names a file on the server, which only the server's config file may change", k)
				}
			}
			c.Secrets = map[string]string{}
			if !c.retargeted(keep) { // secrets follow only the target they were given for
				for k, v := range keep.Secrets {
					c.Secrets[k] = v
				}
			}
			t, err := s.reach()
			if err != nil {
				return err
			}
			return c.prepare(t)
		},
		func(tx *op, c *ConnectorConfig) error { return tx.Connectors().Put(ctx, c) })
	return c.Public(), err
}

// DeleteConnector deletes a connector, refused while a catalog holds one of its
// resources (naming them).
func (s *Service) DeleteConnector(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageConnectors, Target{}); err != nil {
			return err
		}
		if c, err := tx.Connectors().Get(ctx, id); err != nil {
			return err
		} else if c.Declared {
			return declaredErr(id)
		}
		rs, err := tx.Resources().List(ctx, ByPrefix(KeyOrigin, OriginKey(id, "")))
		if err != nil {
			return err
		}
		var held []string
		for _, r := range rs {
			if r.OriginSystem != id {
				continue
			}
			c, err := tx.Catalogs().Get(ctx, r.CatalogID)
			if err != nil {
				return err
			}
			held = append(held, "'"+r.DisplayName+"' in catalog '"+c.DisplayName+"'")
		}
		if len(held) > 0 {
			return Ec(KindFailedPrecondition, "ObjectInUse", "connector '%s' cannot be deleted while catalogs hold its resources: %s; remove them from their catalogs first (resourceRequests adminRemove)",
				id, strings.Join(held, ", "))
		}
		return tx.Connectors().Delete(ctx, id)
	})
}

// connectorAs loads a connector, with its secrets, for a caller allowed act.
func (s *Service) connectorAs(ctx context.Context, who Actor, act Action, id string) (ConnectorConfig, error) {
	var c ConnectorConfig
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(act, Target{}); err != nil {
			return err
		}
		var err error
		c, err = tx.Connectors().Get(ctx, id)
		return err
	})
	return c, err
}

// TestConnector checks that a connector reaches its target: nil when it does, otherwise
// the target's complaint (bad URL, refused bind, unreachable host). The error result is
// for the call itself (not found, not allowed).
func (s *Service) TestConnector(ctx context.Context, who Actor, id string) (problem, err error) {
	c, err := s.connectorAs(ctx, who, ActManageConnectors, id)
	if err != nil {
		return nil, err
	}
	t, err := s.reach()
	if err != nil {
		return nil, err
	}
	return t.Test(ctx, c), nil
}

// ConnectorGroups lists the groups of a connector's target whose name contains search:
// what may be added to a catalog (by administrators who may manage catalogs tenant-wide).
func (s *Service) ConnectorGroups(ctx context.Context, who Actor, id, search string) ([]TargetResource, error) {
	c, err := s.connectorAs(ctx, who, ActManageCatalog, id)
	if err != nil {
		return nil, err
	}
	t, err := s.reach()
	if err != nil {
		return nil, err
	}
	return t.Groups(ctx, c, search)
}

// Connector returns a connector with its secrets, for the delivery worker that delivers
// through it.
func (s *Service) Connector(ctx context.Context, id string) (ConnectorConfig, error) {
	var c ConnectorConfig
	err := s.systemRead(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Connectors().Get(ctx, id)
		return err
	})
	return c, err
}

// describeTarget asks a connector's target for the resource a change names, before the
// change's transaction (a target is never called inside one). The caller must be allowed
// to manage the catalog (to create catalogs, when the same call creates it; the Default
// catalog when the change names none) and hold a tenant role that adds resources (RES-5).
// It returns the connector too, for the calls that follow.
func (s *Service) describeTarget(ctx context.Context, who Actor, in ResourceChange) (*TargetResource, ConnectorConfig, error) {
	var c ConnectorConfig
	err := s.read(ctx, who, func(tx *op) error {
		switch {
		case in.newCatalog:
			if err := tx.authorize(ActCreateCatalog, Target{}); err != nil {
				return err
			}
		case in.CatalogID == "":
			def, err := s.defaultCatalog(ctx, tx)
			if err != nil {
				return err
			}
			if err := tx.authorize(ActManageCatalog, catalogTarget(def)); err != nil {
				return err
			}
		default:
			if _, err := catalogAs(ctx, tx, ActManageCatalog, in.CatalogID); err != nil {
				return err
			}
		}
		if err := tx.who.requireTenantRole("add groups of connector '" + in.OriginSystem + "' to a catalog"); err != nil {
			return err
		}
		var err error
		if c, err = tx.Connectors().Get(ctx, in.OriginSystem); IsKind(err, KindNotFound) {
			return Ec(KindInvalid, "InvalidEnumValue", "resource.originSystem '%s' is neither %s nor a configured connector; create the connector first (POST /bestow/v1/connectors)",
				in.OriginSystem, strings.Join(originSystems, ", "))
		}
		return err
	})
	if err != nil {
		return nil, c, err
	}
	if in.OriginID == "" {
		return nil, c, invalid("resource.originId is required: the group's id in '%s' (for LDAP its DN)", c.ID)
	}
	t, err := s.reach()
	if err != nil {
		return nil, c, err
	}
	r, err := t.Resolve(ctx, c, in.OriginID)
	if err != nil {
		return nil, c, err
	}
	if len(r.Roles) == 0 {
		return nil, c, Ec(KindInvalid, "ResourceHasNoRoles", "'%s' of connector '%s' has no role an access package could grant", r.DisplayName, c.ID)
	}
	return &r, c, nil
}

func declaredErr(id string) error {
	return Ec(KindFailedPrecondition, "ConnectorDeclared", "connector '%s' is declared in the server's config file (serve --config); change it there and restart", id)
}

// DeclareConnectors makes the stored connectors agree with those of the server's config
// file, at start: each declared one is created or replaced (secrets the file leaves out
// are kept) and marked Declared; one declared before and no longer in the file is kept,
// managed through the API from then on. Settings are checked as the API checks them.
func (s *Service) DeclareConnectors(ctx context.Context, declared []ConnectorConfig) error {
	t, err := s.reach()
	if err != nil {
		return err
	}
	return s.system(ctx, func(tx Tx) error {
		now := s.clock.Now()
		in := map[string]bool{}
		for _, d := range declared {
			in[d.ID] = true
			c := d
			c.Declared, c.SecretsSet = true, nil
			if c.Settings == nil {
				c.Settings = map[string]any{}
			}
			old, err := tx.Connectors().Get(ctx, c.ID)
			switch {
			case IsKind(err, KindNotFound):
				c.Version, c.CreatedDateTime = 0, now
			case err != nil:
				return err
			case old.Type != c.Type:
				return fmt.Errorf("connector %s is of type %s, not %s: a connector's type cannot change (its resources' ids belong to its system); declare a new connector instead", c.ID, old.Type, c.Type)
			default:
				c.Revision, c.CreatedDateTime, c.Secrets = old.Revision, old.CreatedDateTime, old.Secrets
			}
			c.ModifiedDateTime = now
			if err := c.prepare(t); err != nil {
				return fmt.Errorf("connector %s: %w", c.ID, err)
			}
			if err := tx.Connectors().Put(ctx, &c); err != nil {
				return err
			}
		}
		all, err := tx.Connectors().List(ctx)
		for _, c := range all {
			if c.Declared && !in[c.ID] {
				c.Declared = false
				if err := tx.Connectors().Put(ctx, &c); err != nil {
					return err
				}
			}
		}
		return err
	})
}
