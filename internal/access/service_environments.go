package access

import (
	"context"
	"crypto/sha1"
	"fmt"
	"sort"
	"time"
)

// ResourceEnvironment is Graph's accessPackageResourceEnvironment: where the resources of
// an origin system live. Bestow's built-in directory is the one environment of every origin
// system it serves (groups, applications, sites), so environments are not stored: there is
// one per origin system in use by some catalog's resources, derived when asked, with an id
// that never changes (NameUUID of the origin system) and the times of the directory itself
// (the creation of the Default catalog, when Bestow was initialised).
type ResourceEnvironment struct {
	ID                   string          `json:"id"`
	DisplayName          string          `json:"displayName"`
	Description          string          `json:"description"`
	IsDefaultEnvironment bool            `json:"isDefaultEnvironment"`
	OriginID             string          `json:"originId"`
	OriginSystem         string          `json:"originSystem"`
	ConnectionInfo       *ConnectionInfo `json:"connectionInfo"`
	CreatedDateTime      time.Time       `json:"createdDateTime"`
	ModifiedDateTime     time.Time       `json:"modifiedDateTime"`
}

// ConnectionInfo is Graph's connectionInfo: how to reach an environment. The built-in
// directory needs none, so Bestow's environments have it null.
type ConnectionInfo struct {
	URL string `json:"url"`
}

// BuiltInDirectory is the originId of the environment of Bestow's built-in directory.
const BuiltInDirectory = "bestow-directory"

// environmentNames describes what each origin system holds in the built-in directory.
var environmentNames = map[string]string{
	OriginGroup:       "groups",
	OriginApplication: "applications",
	OriginSite:        "sites",
}

// EnvironmentOf returns the environment of an origin system's resources; created is when
// the directory came to be.
func EnvironmentOf(originSystem string, created time.Time) ResourceEnvironment {
	what := environmentNames[originSystem]
	if what == "" {
		what = originSystem + " resources"
	}
	return ResourceEnvironment{
		ID:                   NameUUID("resourceEnvironment/" + BuiltInDirectory + "/" + originSystem),
		DisplayName:          "Bestow directory (" + originSystem + ")",
		Description:          "The " + what + " of Bestow's built-in directory",
		IsDefaultEnvironment: true,
		OriginID:             BuiltInDirectory,
		OriginSystem:         originSystem,
		CreatedDateTime:      created,
		ModifiedDateTime:     created,
	}
}

// bestowNamespace is the namespace of NameUUID (a fixed random UUID).
var bestowNamespace = [16]byte{0x6d, 0x1e, 0x4b, 0x2a, 0x93, 0x5c, 0x4f, 0x0e, 0xa2, 0x77, 0x1c, 0x38, 0xd5, 0x0b, 0xe9, 0x41}

// NameUUID returns the version-5 (SHA-1, RFC 9562) UUID of name in Bestow's namespace: the
// same name gives the same id on every server and every run.
func NameUUID(name string) string {
	h := sha1.New()
	h.Write(bestowNamespace[:])
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ListResourceEnvironments returns the environments of the origin systems that resources
// use in the catalogs the caller may read, ordered by origin system. A caller who may read
// no catalog is refused (Forbidden).
func (s *Service) ListResourceEnvironments(ctx context.Context, who Actor) ([]ResourceEnvironment, error) {
	var out []ResourceEnvironment
	err := s.read(ctx, who, func(tx *op) error {
		var err error
		out, err = environmentsAs(ctx, tx)
		return err
	})
	return out, err
}

// GetResourceEnvironment returns one environment of ListResourceEnvironments; one that is
// unknown or whose resources the caller cannot read is NotFound.
func (s *Service) GetResourceEnvironment(ctx context.Context, who Actor, id string) (ResourceEnvironment, error) {
	var out ResourceEnvironment
	err := s.read(ctx, who, func(tx *op) error {
		list, err := environmentsAs(ctx, tx)
		if err != nil {
			return err
		}
		for _, e := range list {
			if e.ID == id {
				out = e
				return nil
			}
		}
		return notFound("access package resource environment", id)
	})
	return out, err
}

// ResourceEnvironmentOf returns the environment of a resource of any catalog the caller may
// read (Graph's accessPackageResource.environment).
func (s *Service) ResourceEnvironmentOf(ctx context.Context, who Actor, resourceID string) (ResourceEnvironment, error) {
	var out ResourceEnvironment
	err := s.read(ctx, who, func(tx *op) error {
		r, err := tx.Resources().Get(ctx, resourceID)
		if err != nil {
			return err
		}
		if _, err := catalogAs(ctx, tx, ActReadCatalog, r.CatalogID); err != nil {
			return err
		}
		def, err := s.defaultCatalog(ctx, tx)
		out = EnvironmentOf(r.OriginSystem, def.CreatedDateTime)
		return err
	})
	return out, err
}

// environmentsAs derives the environments the caller may see.
func environmentsAs(ctx context.Context, tx *op) ([]ResourceEnvironment, error) {
	if err := tx.authorizeAnywhere(ActReadCatalog); err != nil {
		return nil, err
	}
	wide := tx.can(ActReadCatalog, Target{}) // decides even when there is no resource
	cats, err := tx.Catalogs().List(ctx)
	if err != nil {
		return nil, err
	}
	systems := map[string]bool{}
	var created time.Time // when the directory came to be: the Default catalog's creation
	for _, c := range cats {
		if c.IsDefault() {
			created = c.CreatedDateTime
		}
		if !wide && !tx.can(ActReadCatalog, catalogTarget(c)) {
			continue
		}
		res, err := tx.Resources().List(ctx, By(KeyCatalog, c.ID))
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			systems[r.OriginSystem] = true
		}
	}
	out := make([]ResourceEnvironment, 0, len(systems))
	for sys := range systems {
		out = append(out, EnvironmentOf(sys, created))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OriginSystem < out[j].OriginSystem })
	return out, nil
}
