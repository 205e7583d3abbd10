package sqlite_test

import (
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

func TestConformance(t *testing.T) {
	accesstest.Run(t, func(t *testing.T) access.Store { return sqlitetest.Open(t) })
}
