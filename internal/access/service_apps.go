package access

import "context"

// CreateServicePrincipal adds an application (with its app roles) to the directory.
func (s *Service) CreateServicePrincipal(ctx context.Context, who Actor, sp ServicePrincipal) (ServicePrincipal, error) {
	err := s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		sp.ID, sp.Version, sp.DeletedDateTime = s.ids.NewID(), 0, nil
		sp.CreatedDateTime = tx.now
		if sp.AppID == "" {
			sp.AppID = s.ids.NewID()
		}
		if err := sp.Validate(s.ids); err != nil {
			return err
		}
		return tx.ServicePrincipals().Put(ctx, &sp)
	})
	return sp, err
}

// GetServicePrincipal returns a service principal by id.
func (s *Service) GetServicePrincipal(ctx context.Context, who Actor, id string) (ServicePrincipal, error) {
	return getAs(ctx, s, who, ActReadDirectory, servicePrincipalsOf, id)
}

// ListServicePrincipals returns every service principal.
func (s *Service) ListServicePrincipals(ctx context.Context, who Actor) ([]ServicePrincipal, error) {
	return listAs(ctx, s, who, ActReadDirectory, servicePrincipalsOf)
}

func servicePrincipalsOf(tx Tx) Collection[ServicePrincipal] { return tx.ServicePrincipals() }

// UpdateServicePrincipal changes a service principal; id, appId and times are kept.
func (s *Service) UpdateServicePrincipal(ctx context.Context, who Actor, id string, change func(*ServicePrincipal) error) (ServicePrincipal, error) {
	return update(ctx, s, who,
		func(tx *op) (ServicePrincipal, error) {
			if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
				return ServicePrincipal{}, err
			}
			return tx.ServicePrincipals().Get(ctx, id)
		},
		func(_ *op, sp *ServicePrincipal) error {
			keep := *sp
			if err := change(sp); err != nil {
				return err
			}
			sp.Revision, sp.ID, sp.AppID, sp.CreatedDateTime, sp.DeletedDateTime = keep.Revision, keep.ID, keep.AppID, keep.CreatedDateTime, keep.DeletedDateTime
			return sp.Validate(s.ids)
		},
		func(tx *op, sp *ServicePrincipal) error { return tx.ServicePrincipals().Put(ctx, sp) })
}

// DeleteServicePrincipal deletes a service principal that is not a catalog resource,
// with its app role assignments.
func (s *Service) DeleteServicePrincipal(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		if _, err := tx.ServicePrincipals().Get(ctx, id); err != nil {
			return err
		}
		if err := refuseIfResource(ctx, tx, OriginApplication, id); err != nil {
			return err
		}
		ras, err := tx.AppRoleAssignments().List(ctx, By(KeyResource, id))
		if err != nil {
			return err
		}
		for _, ra := range ras {
			if err := tx.AppRoleAssignments().Delete(ctx, ra.ID); err != nil {
				return err
			}
		}
		return purgeObject(ctx, tx, id, func() error { return tx.ServicePrincipals().Delete(ctx, id) })
	})
}

// AssignAppRole grants an app role of service principal spID to a user or group. The
// role must be one the application defines, or Default Access when it defines none.
func (s *Service) AssignAppRole(ctx context.Context, who Actor, spID string, a AppRoleAssignment) (AppRoleAssignment, error) {
	err := s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		sp, err := tx.ServicePrincipals().Get(ctx, spID)
		if err != nil {
			return err
		}
		if a.ResourceID != "" && a.ResourceID != spID {
			return invalid("resourceId '%s' does not match the service principal in the path '%s'", a.ResourceID, spID)
		}
		if !appRoleValid(sp, a.AppRoleID) {
			return invalid("appRoleId '%s' is not a role of '%s'; use one of its appRoles ids (or %s when it has none)", a.AppRoleID, sp.DisplayName, DefaultAccessRoleID)
		}
		o, err := directoryObject(ctx, tx, a.PrincipalID)
		if err != nil {
			return err
		}
		a.ID, a.Version, a.ResourceID, a.ResourceDisplayName = s.ids.NewID(), 0, sp.ID, sp.DisplayName
		a.PrincipalType = map[string]string{TypeUser: "User", TypeGroup: "Group", TypeServicePrincipal: "ServicePrincipal"}[o.Type]
		a.PrincipalDisplayName = o.DisplayName()
		a.CreatedDateTime = tx.now
		return tx.AppRoleAssignments().Put(ctx, &a)
	})
	return a, err
}

func appRoleValid(sp ServicePrincipal, roleID string) bool {
	if len(sp.AppRoles) == 0 {
		return roleID == DefaultAccessRoleID
	}
	for _, r := range sp.AppRoles {
		if r.ID == roleID {
			return true
		}
	}
	return false
}

// AppRoleAssignedTo lists the assignments of a service principal's app roles.
func (s *Service) AppRoleAssignedTo(ctx context.Context, who Actor, spID string) ([]AppRoleAssignment, error) {
	var out []AppRoleAssignment
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadDirectory, Target{}); err != nil {
			return err
		}
		if _, err := tx.ServicePrincipals().Get(ctx, spID); err != nil {
			return err
		}
		var err error
		out, err = tx.AppRoleAssignments().List(ctx, By(KeyResource, spID))
		return err
	})
	return out, err
}

// RemoveAppRoleAssignment deletes one app role assignment of a service principal.
func (s *Service) RemoveAppRoleAssignment(ctx context.Context, who Actor, spID, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		a, err := tx.AppRoleAssignments().Get(ctx, id)
		if err != nil {
			return err
		}
		if a.ResourceID != spID {
			return notFound("app role assignment", id)
		}
		return tx.AppRoleAssignments().Delete(ctx, id)
	})
}
