package access

import (
	"context"
	"strings"
)

// Custom workflow extensions of a catalog (CON-5) are managed like the catalog's other
// objects: catalog owners and tenant administrators change them (ActManageCatalog); whoever
// may read the catalog reads them. Their signing secret is shown once, when it is set.

// extensionAs loads an extension of a catalog after authorizing act on the catalog.
func extensionAs(ctx context.Context, tx *op, act Action, catalogID, id string) (Extension, Catalog, error) {
	c, err := catalogAs(ctx, tx, act, catalogID)
	if err != nil {
		return Extension{}, Catalog{}, err
	}
	x, err := tx.Extensions().Get(ctx, id)
	if err != nil || x.CatalogID != c.ID {
		return Extension{}, Catalog{}, notFound("custom workflow extension", id)
	}
	return x, c, nil
}

// withSecret is x as shown in the answer that set its secret: the only time it is shown.
func withSecret(x Extension, secret string) Extension {
	x = x.Public()
	x.AuthenticationConfiguration.Secret = secret
	return x
}

// ListExtensions returns the custom workflow extensions of a catalog.
func (s *Service) ListExtensions(ctx context.Context, who Actor, catalogID string) ([]Extension, error) {
	var out []Extension
	err := s.read(ctx, who, func(tx *op) error {
		if _, err := catalogAs(ctx, tx, ActReadCatalog, catalogID); err != nil {
			return err
		}
		list, err := tx.Extensions().List(ctx, By(KeyCatalog, catalogID))
		for _, x := range list {
			out = append(out, x.Public())
		}
		return err
	})
	return out, err
}

// GetExtension returns a custom workflow extension of a catalog, without its secret.
func (s *Service) GetExtension(ctx context.Context, who Actor, catalogID, id string) (Extension, error) {
	var x Extension
	err := s.read(ctx, who, func(tx *op) error {
		var err error
		x, _, err = extensionAs(ctx, tx, ActReadCatalog, catalogID, id)
		return err
	})
	return x.Public(), err
}

// CreateExtension adds a custom workflow extension to a catalog. Bestow generates its
// signing secret (unless authenticationConfiguration brings one); the answer shows it,
// and nothing shows it again.
func (s *Service) CreateExtension(ctx context.Context, who Actor, catalogID string, x Extension) (Extension, error) {
	var secret string
	err := s.write(ctx, who, func(tx *op) error {
		c, err := catalogAs(ctx, tx, ActManageCatalog, catalogID)
		if err != nil {
			return err
		}
		x.ID, x.Version, x.CatalogID, x.CreatedDateTime, x.LastModifiedDateTime, x.Secret = s.ids.NewID(), 0, c.ID, tx.now, tx.now, ""
		if err := x.Validate(); err != nil {
			return err
		}
		if secret, err = x.takeSecret(); err != nil {
			return err
		}
		return tx.Extensions().Put(ctx, &x)
	})
	return withSecret(x, secret), err
}

// UpdateExtension changes a custom workflow extension; its id, type, catalog and creation
// time are kept. change sees it without authenticationConfiguration: setting one rotates
// the secret (to the one it carries, or a new one), and the answer then shows it once.
func (s *Service) UpdateExtension(ctx context.Context, who Actor, catalogID, id string, change func(*Extension) error) (Extension, error) {
	var secret string
	x, err := update(ctx, s, who,
		func(tx *op) (Extension, error) {
			x, _, err := extensionAs(ctx, tx, ActManageCatalog, catalogID, id)
			return x, err
		},
		func(tx *op, x *Extension) error {
			keep := *x
			view := keep.Public()
			view.AuthenticationConfiguration = nil
			if err := change(&view); err != nil {
				return err
			}
			*x = view
			x.Revision, x.ID, x.Type, x.CatalogID, x.CreatedDateTime, x.LastModifiedDateTime, x.Secret =
				keep.Revision, keep.ID, keep.Type, keep.CatalogID, keep.CreatedDateTime, tx.now, keep.Secret
			if err := x.Validate(); err != nil {
				return err
			}
			var err error
			secret, err = x.takeSecret()
			return err
		},
		func(tx *op, x *Extension) error { return tx.Extensions().Put(ctx, x) })
	return withSecret(x, secret), err
}

// DeleteExtension deletes a custom workflow extension that no policy binds (the error
// names the policy).
func (s *Service) DeleteExtension(ctx context.Context, who Actor, catalogID, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		x, _, err := extensionAs(ctx, tx, ActManageCatalog, catalogID, id)
		if err != nil {
			return err
		}
		pols, err := tx.Policies().List(ctx, By(KeyCatalog, catalogID))
		if err != nil {
			return err
		}
		for _, p := range pols {
			for _, st := range p.CustomExtensionStageSettings {
				if st.CustomExtension.ID == id {
					return Ec(KindFailedPrecondition, "ObjectInUse", "custom workflow extension '%s' is bound at stage %s by assignment policy '%s' (%s); remove it from the policy's customExtensionStageSettings first",
						x.DisplayName, st.Stage, p.DisplayName, p.ID)
				}
			}
		}
		return tx.Extensions().Delete(ctx, id)
	})
}

// checkStageSettings checks what a policy's extension bindings need lookups for: each
// extension exists in the policy's catalog and its type serves the stage.
func checkStageSettings(ctx context.Context, tx Tx, pol Policy) error {
	for i, st := range pol.CustomExtensionStageSettings {
		where := "customExtensionStageSettings[" + itoa(i) + "]"
		x, err := tx.Extensions().Get(ctx, st.CustomExtension.ID)
		if IsKind(err, KindNotFound) || (err == nil && x.CatalogID != pol.CatalogID) {
			return Ec(KindInvalid, "ReferenceNotFound", "%s: custom workflow extension '%s' is not in the policy's catalog; create it under catalogs/%s/customWorkflowExtensions or choose one of that catalog's",
				where, st.CustomExtension.ID, pol.CatalogID)
		} else if err != nil {
			return err
		}
		if !contains(x.Stages(), st.Stage) {
			return Ec(KindInvalid, "StageNotSupported", "%s: extension '%s' is a %s, which runs at %s, not at %s",
				where, x.DisplayName, strings.TrimPrefix(x.Type, "#microsoft.graph."), strings.Join(x.Stages(), " or "), st.Stage)
		}
	}
	return nil
}
