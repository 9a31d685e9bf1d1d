//go:build tools

// Package tools pins the composition functions this module builds. They
// live apart from the CLI and core: they still import
// crossplane-runtime's apis/common/v1, which runtime v2.4 no longer has.
package tools

import (
	_ "github.com/crossplane-contrib/function-go-templating"
	_ "github.com/crossplane-contrib/function-patch-and-transform"
)
