//go:build tools

// Package tools pins the Crossplane binaries this module builds: the
// crossplane CLI (composition render, resource validate, xpkg) and
// Crossplane core, which render runs and the end-to-end tests start; and
// crane, whose `registry serve` is the local OCI registry packages are
// pushed to and installed from. They share one module (crane's
// go-containerregistry is the CLI's and core's too) and so one set of
// dependency builds.
package tools

import (
	_ "github.com/crossplane/cli/v2/cmd/crossplane"
	_ "github.com/crossplane/crossplane/v2/cmd/crossplane"
	_ "github.com/google/go-containerregistry/cmd/crane"
)
