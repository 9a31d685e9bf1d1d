// Package awsparams compares spec values with what AWS reports the way
// RDS and ElastiCache both need: sets the API returns in any order, and
// the parameter groups AWS picks by itself.
package awsparams

import (
	"slices"
	"strings"
)

// DefaultParameterGroup is the prefix of the parameter groups RDS and
// ElastiCache pick when none is named: default.postgres16, default.redis7.
const DefaultParameterGroup = "default."

// IsDefaultParameterGroup says whether name is one AWS picked.
func IsDefaultParameterGroup(name string) bool { return strings.HasPrefix(name, DefaultParameterGroup) }

// ParameterGroupMatches says whether a running group satisfies the spec's:
// the same group, or, for a default group in the spec, the default group
// of whichever family runs now (a major upgrade changes the family).
func ParameterGroupMatches(want, got string) bool {
	return want == got || (IsDefaultParameterGroup(want) && IsDefaultParameterGroup(got))
}

// SameSet says whether a and b hold the same strings, in any order.
func SameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
