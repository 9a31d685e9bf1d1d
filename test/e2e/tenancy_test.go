//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestUntaggedDatabaseAdoption: a database made outside Crossplane (no
// crossplane- tags) is not taken over by a tenant's DBInstance that names
// it through the shared default config, which would otherwise reset its
// password and could delete it; the platform team's import config
// (adoption: AllowUntagged, limited to its namespaces) takes it over and
// tags it.
func TestUntaggedDatabaseAdoption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const id = "legacy-orders"
	if _, err := rdsClient.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t4g.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("legacy"), MasterUserPassword: aws.String("made-by-hand-1"),
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = rdsClient.DeleteDBInstance(context.Background(), &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
	})

	ns := namespace(t, "team-import")
	db := func(config string) *unstructured.Unstructured {
		return decode(fmt.Sprintf(`
apiVersion: rds.aws.appinfra.io/v1alpha1
kind: DBInstance
metadata:
  name: orders
  namespace: %s
  annotations:
    crossplane.io/external-name: %s
spec:
  providerConfigRef: {kind: ClusterProviderConfig, name: %s}
  forProvider:
    region: us-east-1
    engine: postgres
    dbInstanceClass: db.t4g.micro
    allocatedStorage: 20
    masterUsername: legacy
    masterPasswordSecretRef: {name: orders-master, key: password}
    skipFinalSnapshot: true
`, ns, id, config))[0]
	}

	tenant := db("default")
	if err := kube.Create(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the tenant's DBInstance refused", func() error {
		if err := get(tenant); err != nil {
			return err
		}
		if status, msg := condition(tenant, "Synced"); status != "False" || !strings.Contains(msg, "carries none of the provider's crossplane- tags") {
			return fmt.Errorf("Synced %s: %q", status, msg)
		}
		return nil
	})
	if tags, err := instanceTags(id); err != nil || tags["crossplane-uid"] != "" {
		t.Errorf("the refused resource touched the instance: tags %v, %v", tags, err)
	}
	// Refused from the start, it has nothing to let go: it is deleted at
	// once, and the instance stays.
	deleteAndWait(t, tenant, time.Minute)
	if _, err := instanceTags(id); err != nil {
		t.Fatalf("the instance is gone after the refused resource was deleted: %v", err)
	}

	// The platform team's import config: every setting of the default
	// one, untagged adoption allowed, for labelled namespaces only.
	def := &unstructured.Unstructured{}
	def.SetAPIVersion("aws.appinfra.io/v1alpha1")
	def.SetKind("ClusterProviderConfig")
	if err := kube.Get(ctx, client.ObjectKey{Name: "default"}, def); err != nil {
		t.Fatal(err)
	}
	imp := &unstructured.Unstructured{Object: map[string]any{"apiVersion": def.GetAPIVersion(), "kind": def.GetKind(), "spec": def.Object["spec"]}}
	imp.SetName("platform-import")
	_ = unstructured.SetNestedField(imp.Object, "AllowUntagged", "spec", "adoption")
	_ = unstructured.SetNestedStringMap(imp.Object, map[string]string{"platform.appinfra.io/import": "true"}, "spec", "namespaceSelector", "matchLabels")
	if err := kube.Create(ctx, imp); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.Delete(context.Background(), imp) })
	nsObj := &corev1.Namespace{}
	if err := kube.Get(ctx, client.ObjectKey{Name: ns}, nsObj); err != nil {
		t.Fatal(err)
	}
	nsObj.Labels = map[string]string{"platform.appinfra.io/import": "true"}
	if err := kube.Update(ctx, nsObj); err != nil {
		t.Fatal(err)
	}

	platform := db("platform-import")
	if err := kube.Create(ctx, platform); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Minute, "the instance taken over and tagged", func() error {
		if err := get(platform); err != nil {
			return err
		}
		if err := conditionTrue(platform, "Synced"); err != nil {
			return err
		}
		tags, err := instanceTags(id)
		if err != nil {
			return err
		}
		if tags["crossplane-uid"] != string(platform.GetUID()) {
			return fmt.Errorf("tags %v", tags)
		}
		return nil
	})
	deleteAndWait(t, platform, 3*time.Minute)
	eventually(t, 2*time.Minute, "the instance deleted with its resource", func() error {
		_, err := instanceTags(id)
		if nf := (*rdstypes.DBInstanceNotFoundFault)(nil); errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("instance %s: %v", id, err)
	})
}

// instanceTags reads an RDS instance's tags straight from the local cloud.
func instanceTags(id string) (map[string]string, error) {
	out, err := rdsClient.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, tg := range out.DBInstances[0].TagList {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return tags, nil
}

// TestConfigServesOnlyItsNamespaces: a managed resource in a namespace a
// ClusterProviderConfig does not select gets a condition that says so, and
// nothing in the cloud. (The integration tests count its cloud calls:
// none.)
func TestConfigServesOnlyItsNamespaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := &unstructured.Unstructured{}
	def.SetAPIVersion("aws.appinfra.io/v1alpha1")
	def.SetKind("ClusterProviderConfig")
	if err := kube.Get(ctx, client.ObjectKey{Name: "default"}, def); err != nil {
		t.Fatal(err)
	}
	team := &unstructured.Unstructured{Object: map[string]any{"apiVersion": def.GetAPIVersion(), "kind": def.GetKind(), "spec": def.Object["spec"]}}
	team.SetName("team-payments-only")
	_ = unstructured.SetNestedStringMap(team.Object, map[string]string{"platform.appinfra.io/team": "payments"}, "spec", "namespaceSelector", "matchLabels")
	if err := kube.Create(ctx, team); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.Delete(context.Background(), team) })

	ns := namespace(t, "team-other")
	const bucket = "e2e-not-served-bucket"
	b := decode(fmt.Sprintf(`
apiVersion: s3.aws.appinfra.io/v1alpha1
kind: Bucket
metadata:
  name: %s
  namespace: %s
spec:
  providerConfigRef: {kind: ClusterProviderConfig, name: team-payments-only}
  forProvider:
    region: us-east-1
`, bucket, ns))[0]
	if err := kube.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the bucket refused its config", func() error {
		if err := get(b); err != nil {
			return err
		}
		if status, msg := condition(b, "Synced"); status != "False" || !strings.Contains(msg, fmt.Sprintf("does not serve namespace %q", ns)) {
			return fmt.Errorf("Synced %s: %q", status, msg)
		}
		return nil
	})
	if _, err := s3Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		t.Errorf("bucket %s exists: a resource its config does not serve made it", bucket)
	}
	deleteAndWait(t, b, time.Minute)
}
