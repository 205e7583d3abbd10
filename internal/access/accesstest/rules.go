package accesstest

import "testing"

func runRules(t *testing.T, open Opener) {}
