// Package reconciler wires a managed resource kind into crossplane-runtime's
// managed reconciler with what every kind of this provider shares: the
// generic connector, management policies, events, metrics, polling and
// rate limiting, the drift event and the late-initialisation policy check.
package reconciler
