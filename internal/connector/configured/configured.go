// Package configured holds a server's connectors: the built-in ones, and those an
// administrator configured as data (POST /bestow/v1/connectors), built on demand from
// their settings by a factory per type. It gives the delivery worker the connector of an
// origin system (connector.Source) and the domain its view of the targets
// (access.Targets), so that neither knows a connector type.
package configured

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// Factory builds a live connector from a configured one. It checks the settings and
// reaches no network; an error says what is wrong with them.
type Factory func(c access.ConnectorConfig) (connector.Connector, error)

// Loader reads a configured connector, with its secrets, by id.
type Loader func(ctx context.Context, id string) (access.ConnectorConfig, error)

// Set is the connectors of one server. It is safe for concurrent use.
type Set struct {
	builtin connector.Registry
	types   map[string]Factory
	load    Loader

	mu    sync.Mutex
	built map[string]built // connector id → the connector built from a version of it
}

// built is a connector built from one version of a configured connector; created tells
// a connector deleted and made again with the same id (versions restart) from the old one.
type built struct {
	version int64
	created time.Time
	conn    connector.Connector
}

// New returns the set of the built-in connectors and those that load finds, built by the
// factory of their type.
func New(builtin connector.Registry, types map[string]Factory, load Loader) *Set {
	return &Set{builtin: builtin, types: types, load: load, built: map[string]built{}}
}

// Lookup implements connector.Source: the built-in connector of the system, or the
// configured connector whose id it is, as its latest settings describe it.
func (s *Set) Lookup(ctx context.Context, system string) (connector.Connector, error) {
	if c, ok := s.builtin[system]; ok {
		return c, nil
	}
	cfg, err := s.load(ctx, system)
	if access.IsKind(err, access.KindNotFound) {
		return nil, connector.NoConnector(system)
	}
	if err != nil {
		return nil, err
	}
	return s.connector(cfg)
}

// connector returns the live connector of cfg, building it when cfg is newer than the
// one built before (whose resources are then released).
func (s *Set) connector(cfg access.ConnectorConfig) (connector.Connector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.built[cfg.ID]; ok && b.version == cfg.Version && b.created.Equal(cfg.CreatedDateTime) {
		return b.conn, nil
	}
	conn, err := s.build(cfg)
	if err != nil {
		return nil, err
	}
	if old, ok := s.built[cfg.ID]; ok {
		closeConnector(old.conn)
	}
	s.built[cfg.ID] = built{version: cfg.Version, created: cfg.CreatedDateTime, conn: conn}
	return conn, nil
}

func (s *Set) build(cfg access.ConnectorConfig) (connector.Connector, error) {
	f, ok := s.types[cfg.Type]
	if !ok {
		return nil, access.Ec(access.KindFailedPrecondition, "ConnectorTypeUnavailable", "connector type '%s' is not available in this server", cfg.Type)
	}
	return f(cfg)
}

// Close releases every connector built so far.
func (s *Set) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, b := range s.built {
		closeConnector(b.conn)
		delete(s.built, id)
	}
}

func closeConnector(c connector.Connector) {
	if cl, ok := c.(io.Closer); ok {
		_ = cl.Close()
	}
}

// Check implements access.Targets: the factory of the type accepts the settings.
func (s *Set) Check(cfg access.ConnectorConfig) error {
	conn, err := s.build(cfg)
	if err != nil {
		return err
	}
	closeConnector(conn)
	return nil
}

// Test implements access.Targets.
func (s *Set) Test(ctx context.Context, cfg access.ConnectorConfig) error {
	conn, err := s.connector(cfg)
	if err != nil {
		return err
	}
	t, ok := conn.(connector.Tester)
	if !ok {
		return fmt.Errorf("connector type '%s' cannot be tested", cfg.Type)
	}
	return t.Test(ctx)
}

// Groups implements access.Targets.
func (s *Set) Groups(ctx context.Context, cfg access.ConnectorConfig, search string) ([]access.TargetResource, error) {
	src, err := s.source(cfg)
	if err != nil {
		return nil, err
	}
	return src.Groups(ctx, search)
}

// Resolve implements access.Targets.
func (s *Set) Resolve(ctx context.Context, cfg access.ConnectorConfig, originID string) (access.TargetResource, error) {
	src, err := s.source(cfg)
	if err != nil {
		return access.TargetResource{}, err
	}
	return src.Resolve(ctx, originID)
}

// Members implements access.Targets.
func (s *Set) Members(ctx context.Context, cfg access.ConnectorConfig, resourceOriginID, roleOriginID string) ([]access.SubjectRef, error) {
	conn, err := s.connector(cfg)
	if err != nil {
		return nil, err
	}
	ml, ok := conn.(connector.MemberLister)
	if !ok {
		return nil, access.Ec(access.KindInvalid, "NotSupported", "connector '%s' (%s) cannot list members, so it cannot be reconciled", cfg.ID, cfg.Type)
	}
	return ml.Members(ctx, resourceOriginID, roleOriginID)
}

func (s *Set) source(cfg access.ConnectorConfig) (connector.ResourceSource, error) {
	conn, err := s.connector(cfg)
	if err != nil {
		return nil, err
	}
	src, ok := conn.(connector.ResourceSource)
	if !ok {
		return nil, access.Ec(access.KindInvalid, "NotSupported", "connector '%s' (%s) cannot list its groups", cfg.ID, cfg.Type)
	}
	return src, nil
}
