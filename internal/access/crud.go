package access

import "context"

// getAs reads one object after authorizing a tenant-wide action, in one transaction.
func getAs[T any](ctx context.Context, s *Service, who Actor, act Action, c func(Tx) Collection[T], id string) (T, error) {
	var v T
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(act, Target{}); err != nil {
			return err
		}
		var err error
		v, err = c(tx).Get(ctx, id)
		return err
	})
	return v, err
}

// listAs reads every object of a collection after authorizing a tenant-wide action, in
// one transaction.
func listAs[T any](ctx context.Context, s *Service, who Actor, act Action, c func(Tx) Collection[T]) ([]T, error) {
	var out []T
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(act, Target{}); err != nil {
			return err
		}
		var err error
		out, err = c(tx).List(ctx)
		return err
	})
	return out, err
}

func sitesOf(tx Tx) Collection[Site]                 { return tx.Sites() }
func orgsOf(tx Tx) Collection[ConnectedOrganization] { return tx.ConnectedOrganizations() }

// CreateSite adds a site with its roles.
func (s *Service) CreateSite(ctx context.Context, who Actor, site Site) (Site, error) {
	err := s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		site.ID, site.Version, site.CreatedDateTime = s.ids.NewID(), 0, tx.now
		if err := site.Validate(); err != nil {
			return err
		}
		return tx.Sites().Put(ctx, &site)
	})
	return site, err
}

// GetSite returns a site.
func (s *Service) GetSite(ctx context.Context, who Actor, id string) (Site, error) {
	return getAs(ctx, s, who, ActReadDirectory, sitesOf, id)
}

// ListSites returns every site.
func (s *Service) ListSites(ctx context.Context, who Actor) ([]Site, error) {
	return listAs(ctx, s, who, ActReadDirectory, sitesOf)
}

// UpdateSite changes a site; id and creation time are kept.
func (s *Service) UpdateSite(ctx context.Context, who Actor, id string, change func(*Site) error) (Site, error) {
	return update(ctx, s, who,
		func(tx *op) (Site, error) {
			if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
				return Site{}, err
			}
			return tx.Sites().Get(ctx, id)
		},
		func(_ *op, v *Site) error {
			keep := *v
			if err := change(v); err != nil {
				return err
			}
			v.Revision, v.ID, v.CreatedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime
			return v.Validate()
		},
		func(tx *op, v *Site) error { return tx.Sites().Put(ctx, v) })
}

// DeleteSite deletes a site that is not a catalog resource.
func (s *Service) DeleteSite(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		if err := refuseIfResource(ctx, tx, OriginSite, id); err != nil {
			return err
		}
		return tx.Sites().Delete(ctx, id)
	})
}

// CreateConnectedOrganization adds a connected organization (state configured unless
// given).
func (s *Service) CreateConnectedOrganization(ctx context.Context, who Actor, o ConnectedOrganization) (ConnectedOrganization, error) {
	err := s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageConnOrgs, Target{}); err != nil {
			return err
		}
		o.ID, o.Version, o.CreatedDateTime, o.ModifiedDateTime = s.ids.NewID(), 0, tx.now, tx.now
		o.InternalSponsorIDs, o.ExternalSponsorIDs = nil, nil
		if err := o.Validate(); err != nil {
			return err
		}
		return tx.ConnectedOrganizations().Put(ctx, &o)
	})
	return o, err
}

// GetConnectedOrganization returns a connected organization.
func (s *Service) GetConnectedOrganization(ctx context.Context, who Actor, id string) (ConnectedOrganization, error) {
	return getAs(ctx, s, who, ActReadDirectory, orgsOf, id)
}

// ListConnectedOrganizations returns every connected organization.
func (s *Service) ListConnectedOrganizations(ctx context.Context, who Actor) ([]ConnectedOrganization, error) {
	return listAs(ctx, s, who, ActReadDirectory, orgsOf)
}

// UpdateConnectedOrganization changes a connected organization; read-only fields kept.
func (s *Service) UpdateConnectedOrganization(ctx context.Context, who Actor, id string, change func(*ConnectedOrganization) error) (ConnectedOrganization, error) {
	return update(ctx, s, who,
		func(tx *op) (ConnectedOrganization, error) {
			if err := tx.authorize(ActManageConnOrgs, Target{}); err != nil {
				return ConnectedOrganization{}, err
			}
			return tx.ConnectedOrganizations().Get(ctx, id)
		},
		func(tx *op, o *ConnectedOrganization) error {
			keep := *o
			if err := change(o); err != nil {
				return err
			}
			o.Revision, o.ID, o.CreatedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime
			o.InternalSponsorIDs, o.ExternalSponsorIDs = keep.InternalSponsorIDs, keep.ExternalSponsorIDs
			o.ModifiedDateTime = tx.now
			return o.Validate()
		},
		func(tx *op, o *ConnectedOrganization) error { return tx.ConnectedOrganizations().Put(ctx, o) })
}

// DeleteConnectedOrganization deletes a connected organization that no policy names.
func (s *Service) DeleteConnectedOrganization(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageConnOrgs, Target{}); err != nil {
			return err
		}
		pols, err := tx.Policies().List(ctx)
		if err != nil {
			return err
		}
		for _, p := range pols {
			for _, t := range p.SpecificAllowedTargets {
				if t.ConnectedOrganizationID == id {
					return Ec(KindFailedPrecondition, "ObjectInUse", "connected organization '%s' is named by assignment policy '%s' (%s); change that policy first", id, p.DisplayName, p.ID)
				}
			}
		}
		return tx.ConnectedOrganizations().Delete(ctx, id)
	})
}

// ChangeOrgSponsor adds or removes an internal (external=false) or external sponsor.
func (s *Service) ChangeOrgSponsor(ctx context.Context, who Actor, orgID string, external, add bool, sponsorID string) error {
	_, err := update(ctx, s, who,
		func(tx *op) (ConnectedOrganization, error) {
			if err := tx.authorize(ActManageConnOrgs, Target{}); err != nil {
				return ConnectedOrganization{}, err
			}
			return tx.ConnectedOrganizations().Get(ctx, orgID)
		},
		func(tx *op, o *ConnectedOrganization) error {
			list := &o.InternalSponsorIDs
			if external {
				list = &o.ExternalSponsorIDs
			}
			i := indexOf(*list, sponsorID)
			switch {
			case add && i >= 0:
				return Ec(KindConflict, "Conflict", "'%s' is already a sponsor of connected organization '%s'", sponsorID, o.DisplayName)
			case add:
				if _, err := directoryObject(ctx, tx, sponsorID); err != nil {
					return err
				}
				*list = append(*list, sponsorID)
			case i < 0:
				return Ec(KindNotFound, "ResourceNotFound", "'%s' is not a sponsor of connected organization '%s'", sponsorID, o.DisplayName)
			default:
				*list = append((*list)[:i:i], (*list)[i+1:]...)
			}
			o.ModifiedDateTime = tx.now
			return nil
		},
		func(tx *op, o *ConnectedOrganization) error { return tx.ConnectedOrganizations().Put(ctx, o) })
	return err
}

// OrgSponsors lists a connected organization's internal or external sponsors.
func (s *Service) OrgSponsors(ctx context.Context, who Actor, orgID string, external bool) ([]DirectoryObject, error) {
	var out []DirectoryObject
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadDirectory, Target{}); err != nil {
			return err
		}
		o, err := tx.ConnectedOrganizations().Get(ctx, orgID)
		if err != nil {
			return err
		}
		ids := o.InternalSponsorIDs
		if external {
			ids = o.ExternalSponsorIDs
		}
		for _, id := range ids {
			if d, err := directoryObject(ctx, tx, id); err == nil {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// GetSettings returns the entitlement management settings.
func (s *Service) GetSettings(ctx context.Context, who Actor) (Settings, error) {
	return getAs(ctx, s, who, ActReadDirectory, func(tx Tx) Collection[Settings] { return tx.Settings() }, "settings")
}

// UpdateSettings changes the settings.
func (s *Service) UpdateSettings(ctx context.Context, who Actor, change func(*Settings) error) (Settings, error) {
	return update(ctx, s, who,
		func(tx *op) (Settings, error) {
			if err := tx.authorize(ActManageSettings, Target{}); err != nil {
				return Settings{}, err
			}
			return tx.Settings().Get(ctx, "settings")
		},
		func(_ *op, v *Settings) error {
			keep := *v
			if err := change(v); err != nil {
				return err
			}
			v.Revision, v.ID = keep.Revision, keep.ID
			return v.Validate()
		},
		func(tx *op, v *Settings) error { return tx.Settings().Put(ctx, v) })
}
