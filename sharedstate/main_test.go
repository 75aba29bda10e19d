package sharedstate

import (
	"os"
	"testing"

	"github.com/ecforce-logiless/connector/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
