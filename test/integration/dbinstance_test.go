//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	"github.com/appinfra/provider-appinfra/test/probe"
)

// dbConverge bounds an instance's way to available or gone in the local
// cloud: a real PostgreSQL is initialised and started.
const dbConverge = 3 * time.Minute

func dbInstance(name string, mutate ...func(*v1alpha1.DBInstance)) *v1alpha1.DBInstance {
	d := &v1alpha1.DBInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.DBInstanceSpec{ForProvider: v1alpha1.DBInstanceParameters{
			Region:                  "us-east-1",
			Engine:                  v1alpha1.EnginePostgres,
			DBInstanceClass:         "db.t4g.micro",
			AllocatedStorage:        20,
			StorageEncrypted:        true,
			ApplyImmediately:        true,
			MasterUsername:          "appadmin",
			DBName:                  ptr.To("app"),
			MasterPasswordSecretRef: v1alpha1.LocalSecretKeySelector{Name: name + "-master", Key: "password"},
		}},
	}
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	for _, m := range mutate {
		m(d)
	}
	return d
}

// describe reads an instance straight from the local cloud.
func describe(id string) (*rdstypes.DBInstance, error) {
	out, err := rdsStore.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return nil, err
	}
	if len(out.DBInstances) != 1 {
		return nil, fmt.Errorf("%d instances named %s", len(out.DBInstances), id)
	}
	return &out.DBInstances[0], nil
}

func dbGone(id string) error {
	_, err := describe(id)
	var nf *rdstypes.DBInstanceNotFoundFault
	if errors.As(err, &nf) {
		return nil
	}
	return fmt.Errorf("instance %s still there (%v)", id, err)
}

func connSecret(t *testing.T, name string) map[string]string {
	t.Helper()
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), key(ns, name), s); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

// onlyDescribes waits for three polls of instance name after its call
// start and fails if any of its calls was not DescribeDBInstances.
func onlyDescribes(t *testing.T, name string, start int, what string) {
	t.Helper()
	eventually(t, 4*pollInterval+10*time.Second, "three polls", func() error {
		if n := len(rdsCalls.of(name)) - start; n < 3 {
			return fmt.Errorf("%d calls so far", n)
		}
		return nil
	})
	for _, c := range rdsCalls.of(name)[start:] {
		if c.Op != "DescribeDBInstances" {
			t.Errorf("%s sent %s", what, c.Op)
		}
	}
}

// servingStates are the RDS states in which the engine serves connections,
// by AWS's documentation of instance statuses: Ready may be True in them.
var servingStates = []string{"available", "backing-up", "storage-optimization", "configuring-enhanced-monitoring",
	"configuring-iam-database-auth", "configuring-log-exports", "resetting-master-credentials"}

// readyStates records the RDS states a resource was seen in, and fails if
// it was ever Ready while RDS said the engine served no connections.
type readyStates struct {
	mu     sync.Mutex
	states []string
	lies   []string
}

func watchReadiness(t *testing.T, cr *v1alpha1.DBInstance) *readyStates {
	t.Helper()
	r := &readyStates{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil {
			got := &v1alpha1.DBInstance{}
			if err := kube.Get(ctx, client.ObjectKeyFromObject(cr), got); err == nil {
				st, ready := got.Status.AtProvider.Status, got.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue
				r.mu.Lock()
				if st != "" && (len(r.states) == 0 || r.states[len(r.states)-1] != st) {
					r.states = append(r.states, st)
				}
				if ready && !slices.Contains(servingStates, st) {
					r.lies = append(r.lies, st)
				}
				r.mu.Unlock()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return r
}

func (r *readyStates) seen() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states), slices.Clone(r.lies)
}

// TestDBInstancePostgres runs an instance's whole life against the local
// cloud and a real PostgreSQL: created with a generated password, Ready
// only once available, usable through its connection Secret, resized,
// its password rotated, drift corrected, deleted with a final snapshot.
func TestDBInstancePostgres(t *testing.T) {
	t.Parallel()
	const name = "it-pg"
	cr := dbInstance(name)
	create(t, cr)
	states := watchReadiness(t, cr)
	eventually(t, dbConverge, "instance Ready", func() error { return ready(cr) })

	seen, lies := states.seen()
	if len(lies) > 0 {
		t.Errorf("Ready while RDS said %v", lies)
	}
	if !slices.Contains(seen, "creating") {
		t.Errorf("states seen: %v; want creating before available", seen)
	}

	// The generated password is in its Secret and works.
	master := connSecret(t, name+"-master")
	addCanary(master["password"])
	if n := len(master["password"]); n < 32 {
		t.Errorf("generated password has %d characters, want at least 32 (192 bits)", n)
	}
	conn := connSecret(t, name+"-conn")
	for _, k := range []string{"username", "password", "host", "port", "endpoint", "database", "engine", "url"} {
		if conn[k] == "" {
			t.Errorf("connection Secret lacks %q", k)
		}
	}
	if db, err := probe.Query(conn["url"]); err != nil || db != "app" {
		t.Fatalf("query through the connection Secret's url: %q, %v", db, err)
	}

	t.Run("SteadyStateOneDescribe", func(t *testing.T) {
		// Three polls of an in-sync instance: one DescribeDBInstances each,
		// nothing else.
		onlyDescribes(t, name, len(rdsCalls.of(name)), "an in-sync poll")
	})

	t.Run("Resize", func(t *testing.T) {
		eventually(t, 30*time.Second, "class changed", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			cr.Spec.ForProvider.DBInstanceClass = "db.t4g.small"
			return kube.Update(context.Background(), cr)
		})
		eventually(t, dbConverge, "resized", func() error {
			db, err := describe(name)
			if err != nil {
				return err
			}
			if aws.ToString(db.DBInstanceClass) != "db.t4g.small" || aws.ToString(db.DBInstanceStatus) != "available" {
				return fmt.Errorf("class %s, status %s", aws.ToString(db.DBInstanceClass), aws.ToString(db.DBInstanceStatus))
			}
			return ready(cr)
		})
		seen, lies := states.seen()
		if !slices.Contains(seen, "modifying") {
			t.Errorf("states seen: %v; want modifying while the class changed", seen)
		}
		if len(lies) > 0 {
			t.Errorf("Ready while RDS said %v", lies)
		}
	})

	// A write to the password Secret that leaves the password as it was
	// (a label a GitOps tool adds) is no rotation: nothing is sent.
	t.Run("UnrelatedWriteIsNotRotation", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		start := len(rdsCalls.of(name))
		eventually(t, 30*time.Second, "label added", func() error {
			s := &corev1.Secret{}
			if err := kube.Get(context.Background(), key(ns, name+"-master"), s); err != nil {
				return err
			}
			if s.Labels == nil {
				s.Labels = map[string]string{}
			}
			s.Labels["gitops.example.com/synced"] = "true"
			return kube.Update(context.Background(), s)
		})
		onlyDescribes(t, name, start, "a label on the password Secret")
	})

	t.Run("RotatePassword", func(t *testing.T) {
		old := connSecret(t, name+"-conn")["url"]
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, name+"-master"), s); err != nil {
			t.Fatal(err)
		}
		s.Data["password"] = []byte(rotatedDBPassword)
		if err := kube.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		// The connection Secret gets the new password only once RDS has
		// reset it: an application that reads it then connects at once.
		// (RDS has one master password: from the end of the reset to the
		// poll that publishes the new one, at most 10 s, the Secret holds
		// one RDS no longer takes.)
		eventually(t, dbConverge, "new password published", func() error {
			url := connSecret(t, name+"-conn")["url"]
			if url == old {
				return errors.New("connection Secret still has the old password")
			}
			if _, err := probe.Query(url); err != nil {
				t.Errorf("the new password was published before it worked: %v", err)
			}
			return nil
		})
		if _, err := probe.Query(old); err == nil {
			t.Error("the old password still works after rotation")
		}
	})

	t.Run("DriftCorrected", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		want := ptr.Deref(cr.Spec.ForProvider.BackupRetentionPeriod, 1)
		if _, err := rdsStore.ModifyDBInstance(context.Background(), &rds.ModifyDBInstanceInput{
			DBInstanceIdentifier: aws.String(name), BackupRetentionPeriod: aws.Int32(want + 5), ApplyImmediately: aws.Bool(true),
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "drift corrected", func() error {
			db, err := describe(name)
			if err != nil {
				return err
			}
			if got := aws.ToInt32(db.BackupRetentionPeriod); got != want {
				return fmt.Errorf("backup retention %d, want %d", got, want)
			}
			for _, e := range eventsOf(t, cr) {
				if e.Reason == "DriftDetected" {
					return nil
				}
			}
			return errors.New("no DriftDetected event")
		})
	})

	t.Run("DeleteWithFinalSnapshot", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		if err := kube.Delete(context.Background(), cr); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "resource gone", func() error { return gone(cr) })
		if err := dbGone(name); err != nil {
			t.Error(err)
		}
		if err := finalSnapshotTaken(name, cr); err != nil {
			t.Error(err)
		}
		// The password Secret the provider generated goes with the
		// resource.
		eventually(t, converge, "generated password Secret gone", func() error {
			err := kube.Get(context.Background(), key(ns, name+"-master"), &corev1.Secret{})
			if kerrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (%v)", err)
		})
	})

	// The same identifier again, by a new resource: its final snapshot is
	// another, and the delete is not refused for the first one's name.
	t.Run("SameIdentifierCreatedAndDeletedAgain", func(t *testing.T) {
		again := dbInstance(name)
		create(t, again)
		eventually(t, dbConverge, "the new instance Ready", func() error { return ready(again) })
		if err := kube.Delete(context.Background(), again); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "the new resource gone", func() error { return gone(again) })
		if err := finalSnapshotTaken(name, again); err != nil {
			t.Error(err)
		}
		if err := finalSnapshotTaken(name, cr); err != nil {
			t.Errorf("the first resource's snapshot: %v", err)
		}
	})
}

// finalSnapshotTaken checks the local cloud holds cr's default final
// snapshot: the identifier, -final- and the first 8 hex digits of its UID.
func finalSnapshotTaken(id string, cr *v1alpha1.DBInstance) error {
	snap := id + "-final-" + strings.ReplaceAll(string(cr.GetUID()), "-", "")[:8]
	out, err := rdsStore.DescribeDBSnapshots(context.Background(), &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(snap)})
	if err != nil || len(out.DBSnapshots) != 1 {
		return fmt.Errorf("final snapshot %s: %v, %v", snap, out, err)
	}
	return nil
}

// TestDBInstanceDeletionProtection: RDS refuses to delete a protected
// instance; the resource says why and goes once protection is off.
func TestDBInstanceDeletionProtection(t *testing.T) {
	t.Parallel()
	cr := dbInstance("it-pg-protected", func(d *v1alpha1.DBInstance) {
		d.Spec.ForProvider.DeletionProtection = ptr.To(true)
		d.Spec.ForProvider.SkipFinalSnapshot = true
	})
	create(t, cr)
	eventually(t, dbConverge, "instance Ready", func() error { return ready(cr) })
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "deletion refused", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "deletion protection is on")
	})
	eventually(t, 30*time.Second, "protection off", func() error {
		if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
			return err
		}
		cr.Spec.ForProvider.DeletionProtection = ptr.To(false)
		return kube.Update(context.Background(), cr)
	})
	eventually(t, dbConverge, "resource gone", func() error { return gone(cr) })
	if err := dbGone("it-pg-protected"); err != nil {
		t.Error(err)
	}
}

// TestDBInstanceImportAndOrphan: an Observe-only resource reads an instance
// it did not create and leaves it when deleted; so does one without Delete.
func TestDBInstanceImportAndOrphan(t *testing.T) {
	t.Parallel()
	const id = "it-pg-imported"
	if _, err := rdsStore.CreateDBInstance(context.Background(), &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t4g.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("owner"), MasterUserPassword: aws.String(importedDBPassword),
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = rdsStore.DeleteDBInstance(context.Background(), &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
	})
	eventually(t, dbConverge, "available", func() error {
		db, err := describe(id)
		if err != nil || aws.ToString(db.DBInstanceStatus) != "available" {
			return fmt.Errorf("%v %v", db, err)
		}
		return nil
	})

	obs := dbInstance("it-pg-import-view", func(d *v1alpha1.DBInstance) {
		d.Annotations = map[string]string{"crossplane.io/external-name": id}
		d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		d.Spec.ForProvider.MasterUsername = "owner"
		d.Spec.WriteConnectionSecretToReference = nil
	})
	create(t, obs)
	eventually(t, converge, "observed", func() error {
		if err := ready(obs); err != nil {
			return err
		}
		if obs.Status.AtProvider.ARN == "" || obs.Status.AtProvider.Port == 0 {
			return fmt.Errorf("status.atProvider not filled: %+v", obs.Status.AtProvider)
		}
		return nil
	})
	if err := kube.Delete(context.Background(), obs); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(obs) })
	if _, err := describe(id); err != nil {
		t.Errorf("an Observe-only resource's deletion removed the instance: %v", err)
	}
}

// TestDBInstanceOrphaned: without Delete in its policies, deleting the
// resource leaves the instance it created.
func TestDBInstanceOrphaned(t *testing.T) {
	t.Parallel()
	const name = "it-pg-orphan"
	cr := dbInstance(name, func(d *v1alpha1.DBInstance) {
		d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionLateInitialize}
		d.Spec.ForProvider.SkipFinalSnapshot = true
	})
	create(t, cr)
	t.Cleanup(func() {
		_, _ = rdsStore.DeleteDBInstance(context.Background(), &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(name), SkipFinalSnapshot: aws.Bool(true)})
	})
	eventually(t, dbConverge, "instance Ready", func() error { return ready(cr) })
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	// Ready may come while RDS still backs the new instance up (it serves
	// meanwhile): still serving, not deleting, is what orphaning keeps.
	db, err := describe(name)
	if err != nil || !slices.Contains(servingStates, aws.ToString(db.DBInstanceStatus)) {
		t.Errorf("the orphaned instance should still serve: %v, %v", aws.ToString(db.DBInstanceStatus), err)
	}
	// The instance still takes the generated password: its Secret stays.
	if err := kube.Get(context.Background(), key(cr.GetNamespace(), name+"-master"), &corev1.Secret{}); err != nil {
		t.Errorf("the orphaned instance's password Secret: %v", err)
	}
}

// TestDBInstanceBadSpecRefusedAtAdmission: what RDS would refuse, or cannot
// change, is refused before it reaches the provider.
func TestDBInstanceBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"Engine":          {reason: "an engine RDS does not run here", obj: dbInstance("it-bad-engine", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.Engine = "oracle-ee" }), want: "supported values"},
		"SmallStorage":    {reason: "RDS needs 20 GiB at least", obj: dbInstance("it-bad-storage", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.AllocatedStorage = 5 }), want: "allocatedStorage"},
		"ReservedUser":    {reason: "RDS reserves some user names", obj: dbInstance("it-bad-user", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.MasterUsername = "rdsadmin" }), want: "reserved word"},
		"IOPSWithoutType": {reason: "iops needs a provisioned type", obj: dbInstance("it-bad-iops", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.IOPS = ptr.To[int32](3000) }), want: "iops needs storageType"},
		"BadName":         {reason: "metadata.name is the default identifier", obj: dbInstance("it--double", func(*v1alpha1.DBInstance) {}), want: "default instance identifier"},
	})
	o := dbInstance("it-immutable-engine", func(d *v1alpha1.DBInstance) {
		d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	})
	expectImmutable(t, o, func() { o.Spec.ForProvider.Engine = v1alpha1.EngineMySQL }, "engine is immutable")

	// RDS never shrinks storage nor downgrades: a spec asking for either
	// would be refused on every poll, and block every other change.
	observeOnly := func(name string, f func(*v1alpha1.DBInstance)) *v1alpha1.DBInstance {
		return dbInstance(name, func(d *v1alpha1.DBInstance) {
			d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
			f(d)
		})
	}
	storage := observeOnly("it-storage-down", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.AllocatedStorage = 50 })
	expectImmutable(t, storage, func() { storage.Spec.ForProvider.AllocatedStorage = 20 }, "allocatedStorage cannot be reduced")
	for from, to := range map[string]string{"16.3": "16.2", "16": "15", "8.0.35": "8.0.34", "10.11": "10.6"} {
		v := observeOnly("it-version-down-"+strings.ReplaceAll(from, ".", "-"), func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.EngineVersion = ptr.To(from) })
		expectImmutable(t, v, func() { v.Spec.ForProvider.EngineVersion = ptr.To(to) }, "engineVersion cannot go down")
	}
	// Going up, or writing less precisely, is allowed.
	up := observeOnly("it-version-up", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.EngineVersion = ptr.To("16.3") })
	create(t, up)
	for _, to := range []string{"16.10", "16", "17.1"} {
		eventually(t, 30*time.Second, "engineVersion "+to+" accepted", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(up), up); err != nil {
				return err
			}
			up.Spec.ForProvider.EngineVersion = ptr.To(to)
			err := kube.Update(context.Background(), up)
			if err != nil && !kerrors.IsConflict(err) {
				t.Fatalf("engineVersion %s refused: %v", to, err)
			}
			return err
		})
	}
}
