package postgres_test

import (
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/postgres/pgtest"
)

func TestConformance(t *testing.T) {
	accesstest.Run(t, func(t *testing.T) access.Store { return pgtest.Open(t) })
}
