//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"google.golang.org/api/option"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/cluster/local"
	localec2 "github.com/appinfra/provider-appinfra/cluster/localcloud/ec2"
	"github.com/appinfra/provider-appinfra/internal/plan"
	"github.com/appinfra/provider-appinfra/test/probe"
)

// appKeys are the keys an application loads from an AppEnvironment's
// Secret as environment variables, as they are.
var appKeys = []string{
	"DATABASE_URL", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD",
	"REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_CA_CERT",
	"BUCKET_NAME", "AWS_ENDPOINT_URL_S3", "AWS_REGION",
}

// TestAppEnvironmentClaim is an application team's day: one claim in its
// namespace; a bucket, a PostgreSQL database and a Redis cache; one Secret
// that works; then nothing left once the claim is deleted.
func TestAppEnvironmentClaim(t *testing.T) {
	t.Parallel()
	ns := namespace(t, "team-shop")
	claim := example(t, "examples/platform/appenvironment.yaml")
	claim.SetNamespace(ns)
	if err := kube.Create(context.Background(), claim); err != nil {
		t.Fatal(err)
	}
	xr := compositeOf(t, claim)

	seen := readiness(t, claim, xr, 6*time.Minute)
	if !anyContains(seen, "Unready resources") {
		t.Errorf("neither the claim nor its composite said which composed resources they waited for; their Ready messages were %q", seen)
	}
	mrs := byKind(t, composed(t, xr))
	for _, k := range []string{s3Bucket, dbInstance, replicationGroup} {
		if mrs[k] == nil {
			t.Fatalf("no %s composed; got %v", k, mrs)
		}
		if err := conditionTrue(mrs[k], "Ready"); err != nil {
			t.Errorf("the claim is Ready but a composed resource is not: %v", err)
		}
		if mrs[k].GetNamespace() != ns {
			t.Errorf("%s composed in namespace %q, want the claim's %q", k, mrs[k].GetNamespace(), ns)
		}
	}

	env := secretData(t, ns, claim.GetName()+"-env")
	for _, k := range appKeys {
		if env[k] == "" {
			t.Errorf("Secret %s-env has no %s", claim.GetName(), k)
		}
	}
	useAppEnvironment(t, env)
	// Only where the environment's applications run reaches them: the dev
	// environment names the host (127.0.0.1); another address is refused
	// by the security groups the platform composed.
	for _, ep := range [][2]string{{env["DATABASE_HOST"], env["DATABASE_PORT"]}, {env["REDIS_HOST"], env["REDIS_PORT"]}} {
		for src, want := range map[string]bool{"127.0.0.1": true, "127.0.50.1": false} {
			if got, err := probe.Admitted(src, ep[0], ep[1]); err != nil || got != want {
				t.Errorf("a connection to %s:%s from %s: admitted %t (%v), want %t", ep[0], ep[1], src, got, err, want)
			}
		}
	}

	// The database is placed in the dev environment's network: a subnet
	// group of its private subnets and a security group of its own.
	if err := placedIn(externalName(mrs[dbInstance]), externalName(mrs[dbSubnetGroup]), mrs[securityGroup+"/database-firewall"]); err != nil {
		t.Error(err)
	}

	// The claim's labels are tags on the cloud resources.
	wantTags := map[string]string{"team": "shop", "environment": "dev", "cost-centre": "cc-5678"}
	if err := bucketTagged(env["BUCKET_NAME"], wantTags); err != nil {
		t.Error(err)
	}
	if err := dbTagged(externalName(mrs[dbInstance]), wantTags); err != nil {
		t.Error(err)
	}

	// The claim says whether its composed resources are all Synced and
	// Ready, and when one is not, which and why: here a version the
	// cloud refuses (the local cloud runs PostgreSQL 15 only, as a region
	// without a major version would refuse it).
	eventually(t, time.Minute, "the claim's ResourcesReady is True", func() error {
		if err := get(claim); err != nil {
			return err
		}
		return conditionTrue(claim, "ResourcesReady")
	})
	eventually(t, time.Minute, "version 99 asked for", func() error {
		if err := get(claim); err != nil {
			return err
		}
		if err := unstructured.SetNestedField(claim.Object, "99", "spec", "parameters", "database", "version"); err != nil {
			return err
		}
		return kube.Update(context.Background(), claim)
	})
	eventually(t, 2*time.Minute, "the cloud's refusal on the claim and the composite", func() error {
		for _, o := range []*unstructured.Unstructured{claim, xr} {
			if err := get(o); err != nil {
				return err
			}
			status, msg := condition(o, "ResourcesReady")
			// The default Composition (by cloud) names it database-aws.
			if status != "False" || !strings.Contains(msg, "database-aws (DBInstance ") || !strings.Contains(msg, "Synced=False") || !strings.Contains(msg, "InvalidParameterCombination") {
				return fmt.Errorf("%s ResourcesReady is %s: %q", o.GetKind(), status, msg)
			}
		}
		return nil
	})
	// The cloud refuses the same change at every poll: its message carries
	// no request ID, so Kubernetes folds the refusals into one event that
	// counts them, instead of adding one per retry.
	eventually(t, 2*time.Minute, "the refusals folded into one event", func() error {
		db := mrs[dbInstance]
		if err := get(db); err != nil {
			return err
		}
		events := &corev1.EventList{}
		if err := kube.List(context.Background(), events, client.InNamespace(ns)); err != nil {
			return err
		}
		var refusals []corev1.Event
		for _, e := range events.Items {
			if e.InvolvedObject.UID == db.GetUID() && e.Type == corev1.EventTypeWarning && strings.Contains(e.Message, "InvalidParameterCombination") {
				refusals = append(refusals, e)
			}
		}
		if len(refusals) != 1 || refusals[0].Count < 2 {
			var seen []string
			for _, e := range refusals {
				seen = append(seen, fmt.Sprintf("x%d %s", e.Count, e.Message))
			}
			return fmt.Errorf("want one refusal event counted at least twice, got %d: %q", len(refusals), seen)
		}
		return nil
	})

	// Deleting finishes: the subnet groups and security groups wait for
	// the database and the cache in them, then go.
	deleteClaim(t, claim, xr, composed(t, xr)...)
	assertSecretGone(t, ns, claim.GetName()+"-env")
	assertCloudGone(t, externalName(mrs[s3Bucket]), externalName(mrs[dbInstance]), externalName(mrs[replicationGroup]))
}

// TestAppEnvironmentNamespaced is the same bundle as a Crossplane v2
// namespaced XR: no claim, and the Secret is composed by the pipeline.
// Its name has 50 characters and a dot, more than ElastiCache takes for a
// group id (40): every cloud name is derived to fit.
func TestAppEnvironmentNamespaced(t *testing.T) {
	t.Parallel()
	ns := namespace(t, "team-shop-v2")
	xr := example(t, "examples/platform/appenvironment-namespaced.yaml")
	xr.SetNamespace(ns)
	const longName = "checkout.sessions-for-the-european-storefront-2026"
	if len(longName) != 50 {
		t.Fatalf("the name has %d characters, not 50", len(longName))
	}
	xr.SetName(longName)
	if err := kube.Create(context.Background(), xr); err != nil {
		t.Fatal(err)
	}
	seen := readiness(t, xr, nil, 6*time.Minute)
	if !anyContains(seen, "Unready resources") {
		t.Errorf("the XR never said which composed resources it waited for; its Ready messages were %q", seen)
	}
	all := composed(t, xr)
	var mrs []*unstructured.Unstructured
	for _, r := range all {
		if r.GetKind() != "Secret" {
			mrs = append(mrs, r)
		}
	}
	kinds := byKind(t, mrs)
	for _, k := range []string{s3Bucket, dbInstance, replicationGroup} {
		if kinds[k] == nil {
			t.Fatalf("no %s composed; got %v", k, kinds)
		}
	}
	if id := externalName(kinds[replicationGroup]); len(id) > 40 || !strings.HasPrefix(id, "checkout-sessions-") {
		t.Errorf("the cache's group id %q is not derived from the XR's name to ElastiCache's 40 characters", id)
	}

	secretName, _, _ := unstructured.NestedString(xr.Object, "spec", "writeConnectionSecretToRef", "name")
	env := secretData(t, ns, secretName)
	for _, k := range appKeys {
		if env[k] == "" {
			t.Errorf("Secret %s has no %s", secretName, k)
		}
	}
	useAppEnvironment(t, env)

	// The plan of a v2 XR: as it is, nothing; at size medium, the class
	// and storage of its database (and its cache's node type).
	file := example(t, "examples/platform/appenvironment-namespaced.yaml")
	file.SetNamespace(ns)
	file.SetName(longName)
	dir := t.TempDir()
	rep, out := planned(t, 0, "-f", writeObjects(t, dir, "xr.yaml", file))
	if got := rep.Resources[0]; got.Action != plan.ActionNoChange || got.Composition == nil || len(got.Composed) < 7 {
		t.Errorf("the v2 XR as it is: want no change over its composed resources:\n%s", out)
	}
	must(t, unstructured.SetNestedField(file.Object, "medium", "spec", "parameters", "database", "size"))
	rep, out = planned(t, 2, "-f", writeObjects(t, dir, "xr-medium.yaml", file))
	if db := composedOfKind(rep.Resources[0], "DBInstance"); len(db) != 1 || db[0].Action != plan.ActionUpdate || changeFields(db[0])["dbInstanceClass"] != "db.t4g.medium" {
		t.Errorf("the v2 XR at size medium: want its DBInstance's class changed to db.t4g.medium:\n%s", out)
	}

	// Day two: a larger size, then a smaller one. The instance class
	// follows the size; the storage grows and never shrinks (RDS refuses
	// it), and the XR stays Synced instead of failing to apply.
	resizeDatabase(t, xr, kinds[dbInstance], "medium", "db.t4g.medium", 50)
	resizeDatabase(t, xr, kinds[dbInstance], "small", "db.t4g.micro", 50)

	deleteAndWait(t, xr, 5*time.Minute, mrs...)
	assertSecretGone(t, ns, secretName)
	assertCloudGone(t, externalName(kinds[s3Bucket]), externalName(kinds[dbInstance]), externalName(kinds[replicationGroup]))
}

// TestObjectStoreClaimOnGCP: a claim that names gcp and no composition
// gets a GCS bucket (the default composition follows the claim's cloud),
// which an application writes to and reads from with the Secret's
// endpoint.
func TestObjectStoreClaimOnGCP(t *testing.T) {
	t.Parallel()
	ns := namespace(t, "team-media")
	claim := example(t, "examples/platform/objectstore-gcp.yaml")
	claim.SetNamespace(ns)
	// fake-gcs-server ignores a bucket's location and reports US-CENTRAL1
	// (TOOLCHAIN.md), which the provider rightly calls a bucket in the
	// wrong place: the claim asks for the one location the emulator has.
	// Locations are covered by the integration tests' GCS stand-in.
	if err := unstructured.SetNestedField(claim.Object, "us-central1", "spec", "parameters", "region"); err != nil {
		t.Fatal(err)
	}
	// A selector for another cloud than the claim's is refused at
	// admission; the example has none, and gets the default composition,
	// which composes the cloud the claim names.
	otherCloud := claim.DeepCopy()
	must(t, unstructured.SetNestedField(otherCloud.Object, "aws", "spec", "compositionSelector", "matchLabels", "platform.appinfra.io/cloud"))
	if err := kube.Create(context.Background(), otherCloud); err == nil || !strings.Contains(err.Error(), "names another cloud") {
		t.Errorf("a GCP claim selecting the AWS composition: got %v, want a refusal", err)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(claim.Object, "spec", "compositionSelector"); found {
		t.Fatal("the GCP example selects its composition: this test is for a claim without a selector")
	}
	if err := kube.Create(context.Background(), claim); err != nil {
		t.Fatal(err)
	}
	xr := compositeOf(t, claim)
	readiness(t, claim, xr, 3*time.Minute)
	mrs := byKind(t, composed(t, xr))
	bucket := mrs[gcsBucket]
	if bucket == nil || mrs[s3Bucket] != nil {
		t.Fatalf("want a GCS bucket composed and no S3 bucket, got %v", mrs)
	}
	if ref, _, _ := unstructured.NestedString(xr.Object, "spec", "compositionRef", "name"); ref != "objectstore-by-cloud" {
		t.Errorf("the composite's composition is %q, want the default, objectstore-by-cloud", ref)
	}
	// fake-gcs-server drops bucket labels (TOOLCHAIN.md): the claim's
	// labels are checked on the managed resource, whose labels the
	// provider's own tests show reach the GCS API.
	labels, _, _ := unstructured.NestedStringMap(bucket.Object, "spec", "forProvider", "labels")
	if labels["team"] != "media" {
		t.Errorf("bucket labels %v, want team=media from the claim", labels)
	}

	env := secretData(t, ns, "media")
	for _, k := range []string{"BUCKET_NAME", "GCS_ENDPOINT", "GOOGLE_CLOUD_PROJECT"} {
		if env[k] == "" {
			t.Errorf("Secret media has no %s", k)
		}
	}
	ctx := context.Background()
	gcs, err := storage.NewClient(ctx, option.WithEndpoint(env["GCS_ENDPOINT"]), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close() //nolint:errcheck // Test client.
	obj := gcs.Bucket(env["BUCKET_NAME"]).Object("hello.txt")
	w := obj.NewWriter(ctx)
	if _, err := io.WriteString(w, "hello from the claim"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("put an object in the claim's bucket: %v", err)
	}
	r, err := obj.NewReader(ctx)
	if err != nil {
		t.Fatalf("get the object back: %v", err)
	}
	got, _ := io.ReadAll(r)
	_ = r.Close()
	if string(got) != "hello from the claim" {
		t.Errorf("read back %q", got)
	}
	// The bucket is not empty: deleting it must still finish (the
	// provider empties nothing on the user's behalf; see the README's
	// bucket section), so remove the object as an application would.
	if err := obj.Delete(ctx); err != nil {
		t.Fatal(err)
	}

	deleteClaim(t, claim, xr, bucket)
	assertSecretGone(t, ns, "media")
	eventually(t, time.Minute, "GCS bucket gone", func() error {
		_, err := gcs.Bucket(externalName(bucket)).Attrs(ctx)
		if errors.Is(err, storage.ErrBucketNotExist) {
			return nil
		}
		return fmt.Errorf("bucket %s still exists (%v)", externalName(bucket), err)
	})
}

// useAppEnvironment does what the application would with the Secret:
// query the database, PING the cache, put and get an object.
func useAppEnvironment(t *testing.T, env map[string]string) {
	t.Helper()
	// A password just set may reach the Secret a poll before the engine
	// accepts it: retry for a while.
	eventually(t, time.Minute, "query the database with DATABASE_URL", func() error {
		db, err := probe.Query(env["DATABASE_URL"])
		if err == nil && db != env["DATABASE_NAME"] {
			err = fmt.Errorf("connected to %q, want %q", db, env["DATABASE_NAME"])
		}
		return err
	})
	eventually(t, time.Minute, "PING the cache with REDIS_*", func() error {
		return probe.WithToken(env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_CA_CERT"], env["REDIS_PASSWORD"], probe.Ping)
	})

	id, secret, _ := strings.Cut(local.AWSCredentials, ":")
	app := s3.NewFromConfig(aws.Config{Region: env["AWS_REGION"], Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")},
		func(o *s3.Options) {
			o.BaseEndpoint = aws.String(env["AWS_ENDPOINT_URL_S3"])
			o.UsePathStyle = true
		})
	ctx := context.Background()
	body := []byte("hello from the app environment")
	if _, err := app.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env["BUCKET_NAME"]), Key: aws.String("hello.txt"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("put an object in BUCKET_NAME: %v", err)
	}
	out, err := app.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(env["BUCKET_NAME"]), Key: aws.String("hello.txt")})
	if err != nil {
		t.Fatalf("get the object back: %v", err)
	}
	got, _ := io.ReadAll(out.Body)
	_ = out.Body.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("read back %q", got)
	}
	// The bucket is versioned: S3, and so the provider, will not delete it
	// while any object version is left (the Bucket's condition says so).
	// Empty it, as its team would before deleting the claim.
	versions, err := app.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(env["BUCKET_NAME"])})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range versions.Versions {
		if _, err := app.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(env["BUCKET_NAME"]), Key: v.Key, VersionId: v.VersionId}); err != nil {
			t.Fatal(err)
		}
	}
	if len(versions.Versions) == 0 {
		t.Fatal("the object put in the bucket has no version")
	}
}

// deleteClaim deletes a claim and waits for its composite and every
// composed resource to be gone.
func deleteClaim(t *testing.T, claim, xr *unstructured.Unstructured, mrs ...*unstructured.Unstructured) {
	t.Helper()
	deleteAndWait(t, claim, 5*time.Minute, append([]*unstructured.Unstructured{xr}, mrs...)...)
}

func assertSecretGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, time.Minute, "Secret "+ns+"/"+name+" deleted", func() error {
		err := kube.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &corev1.Secret{})
		if err == nil {
			return errors.New("still there")
		}
		return client.IgnoreNotFound(err)
	})
}

// assertCloudGone asks the clouds themselves: nothing leaked.
func assertCloudGone(t *testing.T, bucket, dbID, groupID string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s3Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		t.Errorf("S3 bucket %s still exists", bucket)
	}
	_, err := rdsClient.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(dbID)})
	if nf := (*rdstypes.DBInstanceNotFoundFault)(nil); !errors.As(err, &nf) {
		t.Errorf("RDS instance %s: want DBInstanceNotFound, got %v", dbID, err)
	}
	_, err = cacheClient.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(groupID)})
	if nf := (*ectypes.ReplicationGroupNotFoundFault)(nil); !errors.As(err, &nf) {
		t.Errorf("replication group %s: want ReplicationGroupNotFoundFault, got %v", groupID, err)
	}
}

func bucketTagged(bucket string, want map[string]string) error {
	out, err := s3Client.GetBucketTagging(context.Background(), &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil {
		return fmt.Errorf("bucket %s tags: %w", bucket, err)
	}
	got := map[string]string{}
	for _, tg := range out.TagSet {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return contains(got, want, "bucket "+bucket)
}

func dbTagged(id string, want map[string]string) error {
	out, err := rdsClient.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil || len(out.DBInstances) != 1 {
		return fmt.Errorf("RDS instance %s: %v", id, err)
	}
	got := map[string]string{}
	for _, tg := range out.DBInstances[0].TagList {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return contains(got, want, "RDS instance "+id)
}

func contains(got, want map[string]string, what string) error {
	for k, v := range want {
		if got[k] != v {
			return fmt.Errorf("%s has tags %v, want %s=%s", what, got, k, v)
		}
	}
	return nil
}

func anyContains(msgs []string, part string) bool {
	for _, m := range msgs {
		if strings.Contains(m, part) {
			return true
		}
	}
	return false
}

// resizeDatabase sets an AppEnvironment XR's database size and waits for
// its DBInstance to have the class and storage wanted, Synced and Ready,
// and the XR to be Synced and Ready.
func resizeDatabase(t *testing.T, xr, db *unstructured.Unstructured, size, class string, storage int64) {
	t.Helper()
	eventually(t, 30*time.Second, "size "+size+" set", func() error {
		if err := get(xr); err != nil {
			return err
		}
		if err := unstructured.SetNestedField(xr.Object, size, "spec", "parameters", "database", "size"); err != nil {
			return err
		}
		return kube.Update(context.Background(), xr)
	})
	eventually(t, 4*time.Minute, "database at size "+size, func() error {
		if err := get(db); err != nil {
			return err
		}
		gotClass, _, _ := unstructured.NestedString(db.Object, "spec", "forProvider", "dbInstanceClass")
		gotStorage, _, _ := unstructured.NestedInt64(db.Object, "spec", "forProvider", "allocatedStorage")
		if gotClass != class || gotStorage != storage {
			return fmt.Errorf("DBInstance %s: class %s, storage %d GiB; want %s, %d GiB", db.GetName(), gotClass, gotStorage, class, storage)
		}
		// And in the cloud, not only in the spec.
		out, err := rdsClient.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(externalName(db))})
		if err != nil {
			return err
		}
		in := out.DBInstances[0]
		if aws.ToString(in.DBInstanceClass) != class || int64(aws.ToInt32(in.AllocatedStorage)) != storage || aws.ToString(in.DBInstanceStatus) != "available" {
			return fmt.Errorf("RDS reports %s: class %s, storage %d GiB, %s", externalName(db), aws.ToString(in.DBInstanceClass), aws.ToInt32(in.AllocatedStorage), aws.ToString(in.DBInstanceStatus))
		}
		for _, u := range []*unstructured.Unstructured{db, xr} {
			if u != db {
				if err := get(u); err != nil {
					return err
				}
			}
			for _, c := range []string{"Synced", "Ready"} {
				if err := conditionTrue(u, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// placedIn says whether RDS reports instance id in the subnet group and
// behind the security group the platform composed for it.
func placedIn(id, subnets string, sg *unstructured.Unstructured) error {
	out, err := rdsClient.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return err
	}
	db := out.DBInstances[0]
	if db.DBSubnetGroup == nil || aws.ToString(db.DBSubnetGroup.DBSubnetGroupName) != subnets || aws.ToString(db.DBSubnetGroup.VpcId) != localec2.VPCID {
		return fmt.Errorf("instance %s is in subnet group %+v, want %s of %s", id, db.DBSubnetGroup, subnets, localec2.VPCID)
	}
	sgID, _, _ := unstructured.NestedString(sg.Object, "status", "atProvider", "id")
	if len(db.VpcSecurityGroups) != 1 || aws.ToString(db.VpcSecurityGroups[0].VpcSecurityGroupId) != sgID {
		return fmt.Errorf("instance %s has security groups %+v, want only %s", id, db.VpcSecurityGroups, sgID)
	}
	return nil
}

// TestClaimOutsideAnyEnvironment: a claim whose environment no
// EnvironmentConfig describes gets nothing that needs a network, no cloud
// call, and says why on the claim.
func TestClaimOutsideAnyEnvironment(t *testing.T) {
	t.Parallel()
	ns := namespace(t, "team-qa")
	claim := example(t, "examples/platform/sqldatabase.yaml")
	claim.SetNamespace(ns)
	claim.SetName("unplaced-db")
	labels := claim.GetLabels()
	labels["environment"] = "qa"
	claim.SetLabels(labels)
	if err := kube.Create(context.Background(), claim); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the claim says it has no environment", func() error {
		if err := get(claim); err != nil {
			return err
		}
		status, msg := condition(claim, "EnvironmentReady")
		if status != "False" || !strings.Contains(msg, "no EnvironmentConfig is labelled platform.appinfra.io/environment=qa") {
			return fmt.Errorf("EnvironmentReady %s: %q", status, msg)
		}
		if status, _ := condition(claim, "Ready"); status == "True" {
			return errors.New("the claim is Ready with nothing composed")
		}
		return nil
	})
	xr := compositeOf(t, claim)
	if mrs := composed(t, xr); len(mrs) != 0 {
		t.Errorf("composed %d resources for a claim with no network", len(mrs))
	}
	deleteClaim(t, claim, xr)
}
