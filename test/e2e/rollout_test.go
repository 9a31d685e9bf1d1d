//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var compositionRevisionList = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "CompositionRevisionList"}

// TestCompositionRollout is progressive delivery for infrastructure, as the
// rollout steps of docs/platform-apis.md describe it: a platform team changes a
// Composition; a claim on the Automatic policy picks the change up at
// once; a claim pinned to a revision (Manual) keeps the old one until it is
// moved to the new revision.
func TestCompositionRollout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := namespace(t, "team-rollout")

	// A copy of the AWS ObjectStore composition under its own name, so the
	// change reaches only this test's claims.
	comp := example(t, "apis/platform/objectstore/composition-aws.yaml")
	comp.SetName("objectstore-aws-rollout")
	comp.SetLabels(nil)
	if err := kube.Create(ctx, comp); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.Delete(ctx, comp) })
	rev1 := revision(t, comp.GetName(), 1)

	claim := func(name, policy string) *unstructured.Unstructured {
		c := example(t, "examples/platform/objectstore-aws.yaml")
		c.SetNamespace(ns)
		c.SetName(name)
		must(t, unstructured.SetNestedField(c.Object, comp.GetName(), "spec", "compositionRef", "name"))
		must(t, unstructured.SetNestedField(c.Object, policy, "spec", "compositionUpdatePolicy"))
		must(t, unstructured.SetNestedField(c.Object, name, "spec", "writeConnectionSecretToRef", "name"))
		if policy == "Manual" {
			must(t, unstructured.SetNestedField(c.Object, rev1, "spec", "compositionRevisionRef", "name"))
		}
		if err := kube.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	pinned, follower := claim("pinned", "Manual"), claim("follower", "Automatic")
	pinnedXR, followerXR := compositeOf(t, pinned), compositeOf(t, follower)
	readiness(t, pinned, pinnedXR, 2*time.Minute)
	readiness(t, follower, followerXR, 2*time.Minute)
	pinnedBucket := byKind(t, composed(t, pinnedXR))[s3Bucket]
	followerBucket := byKind(t, composed(t, followerXR))[s3Bucket]

	// The platform team's change: a new tag on every bucket.
	eventually(t, time.Minute, "change the composition", func() error {
		if err := get(comp); err != nil {
			return err
		}
		steps, _, _ := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
		step := steps[0].(map[string]any)
		resources, _, _ := unstructured.NestedSlice(step, "input", "resources")
		res := resources[0].(map[string]any)
		if err := unstructured.SetNestedField(res, "wave-2", "base", "spec", "forProvider", "tags", "rollout"); err != nil {
			return err
		}
		resources[0] = res
		if err := unstructured.SetNestedSlice(step, resources, "input", "resources"); err != nil {
			return err
		}
		steps[0] = step
		if err := unstructured.SetNestedSlice(comp.Object, steps, "spec", "pipeline"); err != nil {
			return err
		}
		return kube.Update(ctx, comp)
	})
	rev2 := revision(t, comp.GetName(), 2)

	rolledOut := map[string]string{"rollout": "wave-2"}
	eventually(t, 2*time.Minute, "the Automatic claim's bucket has the new tag", func() error {
		return bucketTagged(externalName(followerBucket), rolledOut)
	})
	// By now the pinned claim has had the same time to change, and must
	// not have.
	if err := get(pinnedXR); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedString(pinnedXR.Object, "spec", "compositionRevisionRef", "name"); got != rev1 {
		t.Errorf("the pinned claim's composite uses revision %q, want %q", got, rev1)
	}
	if err := bucketTagged(externalName(pinnedBucket), rolledOut); err == nil {
		t.Error("the pinned claim's bucket got the new composition's tag before the claim was moved")
	}

	// Move the pinned claim to the new revision.
	eventually(t, time.Minute, "move the pinned claim to "+rev2, func() error {
		if err := get(pinned); err != nil {
			return err
		}
		must(t, unstructured.SetNestedField(pinned.Object, rev2, "spec", "compositionRevisionRef", "name"))
		return kube.Update(ctx, pinned)
	})
	eventually(t, 2*time.Minute, "the moved claim's bucket has the new tag", func() error {
		return bucketTagged(externalName(pinnedBucket), rolledOut)
	})

	deleteClaim(t, pinned, pinnedXR, pinnedBucket)
	deleteClaim(t, follower, followerXR, followerBucket)
}

// revision waits for a composition's n-th revision and returns its name.
func revision(t *testing.T, composition string, n int64) string {
	t.Helper()
	var name string
	eventually(t, time.Minute, fmt.Sprintf("revision %d of %s", n, composition), func() error {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(compositionRevisionList)
		if err := kube.List(context.Background(), l, client.MatchingLabels{"crossplane.io/composition-name": composition}); err != nil {
			return err
		}
		for _, r := range l.Items {
			if got, _, _ := unstructured.NestedInt64(r.Object, "spec", "revision"); got == n {
				name = r.GetName()
				return nil
			}
		}
		return fmt.Errorf("%d revisions so far", len(l.Items))
	})
	return name
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
