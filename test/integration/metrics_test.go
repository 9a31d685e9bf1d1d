//go:build integration

package integration

import (
	"fmt"
	"testing"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
)

// TestMetricsAreRecorded checks that the managed reconciler's metrics reach
// the registry: time to readiness, and the ready/synced/exists gauges per
// kind.
func TestMetricsAreRecorded(t *testing.T) {
	t.Parallel()
	cr := bucket("it-metrics")
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	eventually(t, converge, "metrics recorded", func() error {
		families, err := metrics.Gather()
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "gvk" && l.GetValue() == v1alpha1.BucketGroupVersionKind.String() {
						seen[f.GetName()] = true
					}
				}
			}
		}
		for _, name := range []string{
			"crossplane_managed_resource_first_time_to_readiness_seconds",
			"crossplane_managed_resource_ready",
			"crossplane_managed_resource_synced",
			"crossplane_managed_resource_exists",
		} {
			if !seen[name] {
				return fmt.Errorf("no %s sample for Buckets (seen: %v)", name, seen)
			}
		}
		return nil
	})
}
