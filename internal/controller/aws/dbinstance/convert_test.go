package dbinstance

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
)

// params are the parameters desired(instance()) gives: instance()'s spec
// with the provider's tags.
func params(mods ...func(*v1alpha1.DBInstanceParameters)) v1alpha1.DBInstanceParameters {
	p := instance().Spec.ForProvider
	p.Tags = allTags()
	for _, m := range mods {
		m(&p)
	}
	return p
}

// ignoreSDK lets cmp compare SDK structs, whose unexported fields only
// mark them as not serialisable by smithy documents.
var ignoreSDK = cmpopts.IgnoreUnexported(
	types.PendingModifiedValues{}, types.Tag{},
	rds.CreateDBInstanceInput{}, rds.ModifyDBInstanceInput{}, rds.DeleteDBInstanceInput{},
)

func TestObserveConversion(t *testing.T) {
	full := func() types.DBInstance {
		return dbInstance(t, func(db *types.DBInstance) {
			db.MaxAllocatedStorage = aws.Int32(100)
			db.PubliclyAccessible = aws.Bool(true)
			db.MultiAZ = aws.Bool(true)
			db.PendingModifiedValues = &types.PendingModifiedValues{
				DBInstanceClass:       aws.String("db.t4g.large"),
				AllocatedStorage:      aws.Int32(50),
				EngineVersion:         aws.String("16.3"),
				BackupRetentionPeriod: aws.Int32(14),
				MultiAZ:               aws.Bool(false),
				StorageType:           aws.String("io2"),
				Iops:                  aws.Int32(5000),
				MasterUserPassword:    aws.String(testPassword),
			}
		})
	}
	cases := map[string]struct {
		reason string
		db     types.DBInstance
		want   observed
	}{
		"Full": {
			reason: "Every field RDS describes should land in the parameters, tags and observation; a pending password only as a flag.",
			db:     full(),
			want: observed{
				status: "available",
				tags:   allTags(),
				pending: &types.PendingModifiedValues{
					DBInstanceClass:       aws.String("db.t4g.large"),
					AllocatedStorage:      aws.Int32(50),
					EngineVersion:         aws.String("16.3"),
					BackupRetentionPeriod: aws.Int32(14),
					MultiAZ:               aws.Bool(false),
					StorageType:           aws.String("io2"),
					Iops:                  aws.Int32(5000),
					MasterUserPassword:    aws.String(testPassword),
				},
				params: v1alpha1.DBInstanceParameters{
					Engine:                     "postgres",
					EngineVersion:              ptr.To("15.7"),
					DBInstanceClass:            "db.t4g.micro",
					AllocatedStorage:           20,
					MaxAllocatedStorage:        ptr.To[int32](100),
					StorageType:                ptr.To("gp3"),
					IOPS:                       ptr.To[int32](3000),
					StorageEncrypted:           true,
					KMSKeyID:                   ptr.To("arn:aws:kms:eu-west-1:111122223333:key/abc"),
					MultiAZ:                    ptr.To(true),
					PubliclyAccessible:         true,
					DBName:                     ptr.To("orders"),
					MasterUsername:             "app",
					BackupRetentionPeriod:      ptr.To[int32](7),
					PreferredBackupWindow:      ptr.To("03:00-04:00"),
					PreferredMaintenanceWindow: ptr.To("sun:05:00-sun:06:00"),
					AutoMinorVersionUpgrade:    ptr.To(true),
					DeletionProtection:         ptr.To(false),
					VPCSecurityGroupIDs:        []string{"sg-2", "sg-1"},
					DBParameterGroupName:       ptr.To("default.postgres15"),
					Port:                       ptr.To[int32](5432),
					Tags:                       allTags(),
				},
				observation: v1alpha1.DBInstanceObservation{
					Status:        "available",
					Address:       testAddress,
					Port:          5432,
					ARN:           testARN,
					ResourceID:    testResourceID,
					EngineVersion: "15.7",
					PendingModifiedValues: &v1alpha1.PendingModifiedValues{
						DBInstanceClass:       "db.t4g.large",
						AllocatedStorage:      ptr.To[int32](50),
						EngineVersion:         "16.3",
						BackupRetentionPeriod: ptr.To[int32](14),
						MultiAZ:               ptr.To(false),
						StorageType:           "io2",
						IOPS:                  ptr.To[int32](5000),
						MasterUserPassword:    true,
					},
				},
			},
		},
		"Creating": {
			reason: "An instance being created has no endpoint, tags or pending values yet: none should be made up.",
			db: types.DBInstance{
				DBInstanceIdentifier: aws.String(testName),
				DBInstanceStatus:     aws.String("creating"),
				DBInstanceArn:        aws.String(testARN),
				Engine:               aws.String("mysql"),
				DBInstanceClass:      aws.String("db.t4g.micro"),
				AllocatedStorage:     aws.Int32(20),
				MasterUsername:       aws.String("app"),
			},
			want: observed{
				status: "creating",
				tags:   map[string]string{},
				params: v1alpha1.DBInstanceParameters{
					Engine:           "mysql",
					DBInstanceClass:  "db.t4g.micro",
					AllocatedStorage: 20,
					MasterUsername:   "app",
					Tags:             map[string]string{},
				},
				observation: v1alpha1.DBInstanceObservation{Status: "creating", ARN: testARN},
			},
		},
		"PendingOnlyUnmapped": {
			reason: "Pending values the status does not show should not leave an empty pendingModifiedValues behind.",
			db: dbInstance(t, func(db *types.DBInstance) {
				db.PendingModifiedValues = &types.PendingModifiedValues{CACertificateIdentifier: aws.String("rds-ca-rsa2048-g1")}
			}),
			want: observed{
				status:  "available",
				tags:    allTags(),
				pending: &types.PendingModifiedValues{CACertificateIdentifier: aws.String("rds-ca-rsa2048-g1")},
				params: params(func(p *v1alpha1.DBInstanceParameters) {
					p.Region, p.MasterPasswordSecretRef, p.ApplyImmediately, p.DBSubnetGroupName = "", v1alpha1.LocalSecretKeySelector{}, false, nil
					p.IOPS = ptr.To[int32](3000)
					p.KMSKeyID = ptr.To("arn:aws:kms:eu-west-1:111122223333:key/abc")
					p.PubliclyAccessible = false
					p.VPCSecurityGroupIDs = []string{"sg-2", "sg-1"}
				}),
				observation: observation(),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := observe(tc.db)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(observed{}), ignoreSDK); diff != "" {
				t.Errorf("\n%s\nobserve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCondition(t *testing.T) {
	unavailable := func(msg string) xpv2.Condition { return xpv2.Unavailable().WithMessage(msg) }
	attention := func(s string) xpv2.Condition {
		return unavailable("RDS reports the instance " + s + "; it needs attention (see the RDS events of the instance)")
	}
	cases := map[string]struct {
		reason string
		status string
		want   xpv2.Condition
		busy   bool
	}{
		"Available":              {reason: "Only an available instance is Available.", status: "available", want: xpv2.Available()},
		"Creating":               {reason: "A creating instance is Unavailable, naming the state.", status: "creating", want: unavailable("RDS reports the instance creating"), busy: true},
		"BackingUp":              {reason: "A backing-up instance serves connections: Available, naming the state; RDS refuses changes meanwhile.", status: "backing-up", want: xpv2.Available().WithMessage("RDS reports the instance backing-up; it serves connections meanwhile"), busy: true},
		"StorageOptimization":    {reason: "storage-optimization follows every storage change and can last hours while the instance serves: Available, and changes are sent (RDS accepts all but storage ones).", status: "storage-optimization", want: xpv2.Available().WithMessage("RDS reports the instance storage-optimization; it serves connections meanwhile")},
		"Stopped":                {reason: "A stopped instance says so, and is polled at the normal interval.", status: "stopped", want: unavailable("RDS reports the instance stopped: it serves no connections until it is started (RDS starts a stopped instance by itself after seven days)"), busy: true},
		"Modifying":              {reason: "A modifying instance is Unavailable, naming the state.", status: "modifying", want: unavailable("RDS reports the instance modifying"), busy: true},
		"Rebooting":              {reason: "A rebooting instance is Unavailable, naming the state.", status: "rebooting", want: unavailable("RDS reports the instance rebooting"), busy: true},
		"Failed":                 {reason: "A failed instance needs attention.", status: "failed", want: attention("failed"), busy: true},
		"StorageFull":            {reason: "A full instance says how to fix it from the spec, and takes the modify that adds storage.", status: "storage-full", want: unavailable("RDS reports the instance storage-full: raise allocatedStorage (or set maxAllocatedStorage for autoscaling) and the provider adds the storage")},
		"IncompatibleParameters": {reason: "An instance with incompatible parameters needs attention.", status: "incompatible-parameters", want: attention("incompatible-parameters"), busy: true},
		"Deleting":               {reason: "A deleting instance is Deleting.", status: "deleting", want: xpv2.Deleting(), busy: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := condition(tc.status)
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\ncondition(%q): -want, +got:\n%s", tc.reason, tc.status, diff)
			}
			if got := isBusy(tc.status); got != tc.busy {
				t.Errorf("\n%s\nisBusy(%q): got %t, want %t", tc.reason, tc.status, got, tc.busy)
			}
			if got, want := pollSoon(tc.status), map[string]bool{"creating": true, "modifying": true, "rebooting": true, "deleting": true}[tc.status]; got != want {
				t.Errorf("\n%s\npollSoon(%q): got %t, want %t", tc.reason, tc.status, got, want)
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	// got is what observe makes of dbInstance() changed by mods.
	got := func(mods ...func(*types.DBInstance)) observed { return observe(dbInstance(t, mods...)) }
	pending := func(pv types.PendingModifiedValues) func(*types.DBInstance) {
		return func(db *types.DBInstance) { db.PendingModifiedValues = &pv }
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.DBInstanceParameters
		got    observed
		drift  []string
	}{
		"InSync": {
			reason: "An instance matching the spec has not drifted; security groups in another order are the same set.",
			want:   params(),
			got:    got(),
		},
		"UnsetIsIgnored": {
			reason: "What the spec leaves unset is not compared.",
			want: params(func(p *v1alpha1.DBInstanceParameters) {
				p.EngineVersion, p.StorageType, p.MultiAZ, p.BackupRetentionPeriod = nil, nil, nil, nil
				p.PreferredBackupWindow, p.PreferredMaintenanceWindow, p.AutoMinorVersionUpgrade = nil, nil, nil
				p.DeletionProtection, p.VPCSecurityGroupIDs, p.DBParameterGroupName, p.Port = nil, nil, nil, nil
			}),
			got: got(func(db *types.DBInstance) {
				db.EngineVersion, db.StorageType, db.MultiAZ = aws.String("16.1"), aws.String("io1"), aws.Bool(true)
				db.BackupRetentionPeriod, db.PreferredBackupWindow = aws.Int32(1), aws.String("01:00-02:00")
				db.PreferredMaintenanceWindow, db.AutoMinorVersionUpgrade = aws.String("mon:01:00-mon:02:00"), aws.Bool(false)
				db.DeletionProtection, db.VpcSecurityGroups = aws.Bool(true), nil
				db.DBParameterGroups, db.Endpoint = nil, &types.Endpoint{Address: aws.String(testAddress), Port: aws.Int32(6543)}
				db.MaxAllocatedStorage = aws.Int32(500)
			}),
		},
		"Class": {
			reason: "A different instance class is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.DBInstanceClass = aws.String("db.t4g.large") }),
			drift:  []string{fieldClass},
		},
		"ClassPending": {
			reason: "A class RDS holds as pending is not drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.DBInstanceClass = aws.String("db.t4g.large") }, pending(types.PendingModifiedValues{DBInstanceClass: aws.String("db.t4g.micro")})),
		},
		"ClassPendingOther": {
			reason: "A pending class other than the spec's is still drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.DBInstanceClass = aws.String("db.t4g.large") }, pending(types.PendingModifiedValues{DBInstanceClass: aws.String("db.t4g.small")})),
			drift:  []string{fieldClass},
		},
		"Storage": {
			reason: "Less allocated storage than the spec's is drift.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 50 }),
			got:    got(func(db *types.DBInstance) { db.AllocatedStorage = aws.Int32(30) }),
			drift:  []string{fieldStorage},
		},
		"StoragePending": {
			reason: "Storage RDS holds as pending is not drift.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 50 }),
			got:    got(func(db *types.DBInstance) { db.AllocatedStorage = aws.Int32(30) }, pending(types.PendingModifiedValues{AllocatedStorage: aws.Int32(50)})),
		},
		"MaxStorage": {
			reason: "A different storage autoscaling limit is drift.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.MaxAllocatedStorage = ptr.To[int32](100) }),
			got:    got(),
			drift:  []string{fieldMaxStorage},
		},
		"StorageType": {
			reason: "A different storage type is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.StorageType = aws.String("gp2") }),
			drift:  []string{fieldStorageType},
		},
		"StorageTypePending": {
			reason: "A storage type RDS holds as pending is not drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.StorageType = aws.String("gp2") }, pending(types.PendingModifiedValues{StorageType: aws.String("gp3")})),
		},
		"IOPS": {
			reason: "Different provisioned IOPS are drift.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.IOPS = ptr.To[int32](6000) }),
			got:    got(),
			drift:  []string{fieldIOPS},
		},
		"IOPSPending": {
			reason: "IOPS RDS holds as pending are not drift.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.IOPS = ptr.To[int32](6000) }),
			got:    got(pending(types.PendingModifiedValues{Iops: aws.Int32(6000)})),
		},
		"MajorVersionMatchesMinor": {
			reason: "Engine version 15 is satisfied by 15.7.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.EngineVersion = ptr.To("15") }),
			got:    got(),
		},
		"MajorVersionNotPrefix": {
			reason: "Engine version 1 is not satisfied by 15.7: versions match by component, not by characters.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.EngineVersion = ptr.To("1") }),
			got:    got(),
			drift:  []string{fieldEngineVersion},
		},
		"LaterMinorSatisfies": {
			reason: "Engine version 15.7 is satisfied by 15.8, which RDS upgraded to by itself and cannot go back from: asking for 15.7 would be refused on every poll.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.EngineVersion = aws.String("15.8") }),
		},
		"LaterMinorComparedAsNumbers": {
			reason: "Engine version 15.9 is satisfied by 15.10: components compare as numbers.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.EngineVersion = ptr.To("15.9") }),
			got:    got(func(db *types.DBInstance) { db.EngineVersion = aws.String("15.10") }),
		},
		"EarlierMinorDiffers": {
			reason: "Engine version 15.8 is not satisfied by 15.7: that is an upgrade to make.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.EngineVersion = ptr.To("15.8") }),
			got:    got(),
			drift:  []string{fieldEngineVersion},
		},
		"LaterMajorDiffers": {
			reason: "Engine version 15.7 is not satisfied by 16.1: a later minor of another major is not what was written.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.EngineVersion = aws.String("16.1") }),
			drift:  []string{fieldEngineVersion},
		},
		"MySQLMajorIsTwoComponents": {
			reason: "MySQL 8.0.35 is not satisfied by 8.4.3: 8.0 to 8.4 is a major upgrade for RDS.",
			want: params(func(p *v1alpha1.DBInstanceParameters) {
				p.Engine, p.EngineVersion = v1alpha1.EngineMySQL, ptr.To("8.0.35")
			}),
			got:   got(func(db *types.DBInstance) { db.Engine, db.EngineVersion = aws.String("mysql"), aws.String("8.4.3") }),
			drift: []string{fieldEngineVersion},
		},
		"MoreStorageInSync": {
			reason: "Storage autoscaling grew the instance beyond the spec: in sync, since RDS never shrinks storage.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.AllocatedStorage = aws.Int32(500) }),
		},
		"DefaultParameterGroupOfAnotherFamily": {
			reason: "A default parameter group in the spec is satisfied by the default group of the family a major upgrade moved to.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.DBParameterGroupName = ptr.To("default.postgres15") }),
			got: got(func(db *types.DBInstance) {
				db.DBParameterGroups = []types.DBParameterGroupStatus{{DBParameterGroupName: aws.String("default.postgres16")}}
			}),
		},
		"CustomParameterGroupDiffers": {
			reason: "A named parameter group is drift from the default one.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.DBParameterGroupName = ptr.To("tuned") }),
			got:    got(),
			drift:  []string{fieldParameterGroup},
		},
		"VersionPending": {
			reason: "An upgrade RDS holds as pending is not drift.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.EngineVersion = ptr.To("16") }),
			got:    got(pending(types.PendingModifiedValues{EngineVersion: aws.String("16.3")})),
		},
		"MultiAZ": {
			reason: "A different multi-AZ setting is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.MultiAZ = aws.Bool(true) }),
			drift:  []string{fieldMultiAZ},
		},
		"MultiAZPending": {
			reason: "A multi-AZ setting RDS holds as pending is not drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.MultiAZ = aws.Bool(true) }, pending(types.PendingModifiedValues{MultiAZ: aws.Bool(false)})),
		},
		"Public": {
			reason: "A different public accessibility is drift, even when the spec says false.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.PubliclyAccessible = aws.Bool(true) }),
			drift:  []string{fieldPublic},
		},
		"BackupRetention": {
			reason: "A different backup retention is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.BackupRetentionPeriod = aws.Int32(1) }),
			drift:  []string{fieldBackupRetention},
		},
		"BackupRetentionPending": {
			reason: "A backup retention RDS holds as pending is not drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.BackupRetentionPeriod = aws.Int32(1) }, pending(types.PendingModifiedValues{BackupRetentionPeriod: aws.Int32(7)})),
		},
		"BackupWindow": {
			reason: "A different backup window is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.PreferredBackupWindow = aws.String("04:00-05:00") }),
			drift:  []string{fieldBackupWindow},
		},
		"MaintenanceWindow": {
			reason: "A different maintenance window is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.PreferredMaintenanceWindow = aws.String("mon:05:00-mon:06:00") }),
			drift:  []string{fieldMaintenance},
		},
		"MaintenanceWindowCase": {
			reason: "A maintenance window differing only in case is the same window.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.PreferredMaintenanceWindow = ptr.To("Sun:05:00-Sun:06:00") }),
			got:    got(),
		},
		"AutoMinorVersionUpgrade": {
			reason: "A different automatic minor upgrade setting is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.AutoMinorVersionUpgrade = aws.Bool(false) }),
			drift:  []string{fieldAutoMinorUpgrade},
		},
		"DeletionProtection": {
			reason: "A different deletion protection is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.DeletionProtection = aws.Bool(true) }),
			drift:  []string{fieldDeletionProtect},
		},
		"SecurityGroups": {
			reason: "Another set of security groups is drift.",
			want:   params(),
			got: got(func(db *types.DBInstance) {
				db.VpcSecurityGroups = []types.VpcSecurityGroupMembership{{VpcSecurityGroupId: aws.String("sg-1")}, {VpcSecurityGroupId: aws.String("sg-3")}}
			}),
			drift: []string{fieldSecurityGroups},
		},
		"ParameterGroup": {
			reason: "A different parameter group is drift.",
			want:   params(),
			got: got(func(db *types.DBInstance) {
				db.DBParameterGroups = []types.DBParameterGroupStatus{{DBParameterGroupName: aws.String("custom")}}
			}),
			drift: []string{fieldParameterGroup},
		},
		"Port": {
			reason: "A different port is drift.",
			want:   params(),
			got:    got(func(db *types.DBInstance) { db.Endpoint.Port = aws.Int32(6543) }),
			drift:  []string{fieldPort},
		},
		"ExtraTag": {
			reason: "A tag the spec does not name is drift: the spec owns the whole set.",
			want:   params(),
			got: got(withTags(func() map[string]string {
				t := allTags()
				t["owner"] = "someone"
				return t
			}())),
			drift: []string{fieldTags},
		},
		"MissingTag": {
			reason: "A missing tag is drift.",
			want:   params(),
			got:    got(withTags(providerTags())),
			drift:  []string{fieldTags},
		},
		"TagValue": {
			reason: "A tag with another value is drift.",
			want:   params(),
			got: got(withTags(func() map[string]string {
				t := allTags()
				t["team"] = "payments"
				return t
			}())),
			drift: []string{fieldTags},
		},
		"Several": {
			reason: "Every drifted field is named, in a stable order.",
			want:   params(),
			got: got(withTags(nil), func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.large")
				db.EngineVersion = aws.String("16.1")
				db.DeletionProtection = aws.Bool(true)
			}),
			drift: []string{fieldClass, fieldEngineVersion, fieldDeletionProtect, fieldTags},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := drifted(tc.want, tc.got)
			if diff := cmp.Diff(tc.drift, got); diff != "" {
				t.Errorf("\n%s\ndrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	// unset is instance()'s spec with every late-initialised field unset.
	unset := func() v1alpha1.DBInstanceParameters {
		p := instance().Spec.ForProvider
		p.EngineVersion, p.StorageType, p.PreferredBackupWindow, p.PreferredMaintenanceWindow = nil, nil, nil, nil
		p.DBParameterGroupName, p.BackupRetentionPeriod, p.Port, p.AutoMinorVersionUpgrade = nil, nil, nil, nil
		p.MultiAZ, p.DeletionProtection, p.VPCSecurityGroupIDs = nil, nil, nil
		return p
	}
	observedParams := func(mods ...func(*types.DBInstance)) v1alpha1.DBInstanceParameters {
		return observe(dbInstance(t, mods...)).params
	}
	cases := map[string]struct {
		reason  string
		spec    v1alpha1.DBInstanceParameters
		got     v1alpha1.DBInstanceParameters
		want    v1alpha1.DBInstanceParameters
		changed bool
	}{
		"FillsUnset": {
			reason: "Every unset late-initialised field should take what RDS chose, and the change be reported; never the engine version (RDS moves its minor version by itself) nor a default parameter group (a major upgrade changes its family).",
			spec:   unset(),
			got:    observedParams(),
			want: instance(withParams(func(p *v1alpha1.DBInstanceParameters) {
				p.VPCSecurityGroupIDs = []string{"sg-2", "sg-1"}
				p.EngineVersion, p.DBParameterGroupName = nil, nil
			})).Spec.ForProvider,
			changed: true,
		},
		"FillsANamedParameterGroup": {
			reason: "A parameter group someone named (in the cloud, before an import) is late-initialised: it is a choice, not a default.",
			spec:   instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.DBParameterGroupName = nil })).Spec.ForProvider,
			got: observedParams(func(db *types.DBInstance) {
				db.DBParameterGroups = []types.DBParameterGroupStatus{{DBParameterGroupName: aws.String("tuned")}}
			}),
			want:    instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.DBParameterGroupName = ptr.To("tuned") })).Spec.ForProvider,
			changed: true,
		},
		"KeepsSet": {
			reason: "Fields the spec sets should be left as they are, however RDS differs, and no change reported.",
			spec:   instance().Spec.ForProvider,
			got: observedParams(func(db *types.DBInstance) {
				db.EngineVersion, db.StorageType, db.PreferredBackupWindow = aws.String("16.3"), aws.String("io1"), aws.String("01:00-02:00")
				db.PreferredMaintenanceWindow, db.BackupRetentionPeriod = aws.String("mon:01:00-mon:02:00"), aws.Int32(1)
				db.AutoMinorVersionUpgrade, db.MultiAZ, db.DeletionProtection = aws.Bool(false), aws.Bool(true), aws.Bool(true)
				db.VpcSecurityGroups = []types.VpcSecurityGroupMembership{{VpcSecurityGroupId: aws.String("sg-9")}}
				db.DBParameterGroups = []types.DBParameterGroupStatus{{DBParameterGroupName: aws.String("custom")}}
				db.Endpoint.Port = aws.Int32(6543)
			}),
			want: instance().Spec.ForProvider,
		},
		"NothingToFill": {
			reason: "What RDS does not report (no endpoint or groups while creating, empty strings) should not be filled.",
			spec:   unset(),
			got: observedParams(func(db *types.DBInstance) {
				db.EngineVersion, db.StorageType, db.PreferredBackupWindow, db.PreferredMaintenanceWindow = nil, aws.String(""), nil, nil
				db.BackupRetentionPeriod, db.AutoMinorVersionUpgrade, db.MultiAZ, db.DeletionProtection = nil, nil, nil, nil
				db.VpcSecurityGroups, db.DBParameterGroups, db.Endpoint = nil, nil, nil
			}),
			want: unset(),
		},
		"FillsOne": {
			reason:  "A single unset field should be filled and reported.",
			spec:    instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.Port = nil })).Spec.ForProvider,
			got:     observedParams(),
			want:    instance().Spec.ForProvider,
			changed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			spec := tc.spec
			changed := lateInitialize(&spec, tc.got)
			if diff := cmp.Diff(tc.want, spec); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("\n%s\nlateInitialize(...): reported a change: %t, want %t", tc.reason, changed, tc.changed)
			}
		})
	}
}

func TestCreateInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.DBInstanceParameters
		want   *rds.CreateDBInstanceInput
	}{
		"Full": {
			reason: "Every parameter should be sent, with the tags sorted and the password given.",
			p: params(func(p *v1alpha1.DBInstanceParameters) {
				p.MaxAllocatedStorage, p.IOPS = ptr.To[int32](100), ptr.To[int32](3000)
				p.KMSKeyID, p.PubliclyAccessible = ptr.To("alias/rds"), true
			}),
			want: func() *rds.CreateDBInstanceInput {
				in := wantCreateInput()
				in.MasterUserPassword = aws.String(testPassword)
				in.MaxAllocatedStorage, in.Iops = aws.Int32(100), aws.Int32(3000)
				in.KmsKeyId, in.PubliclyAccessible = aws.String("alias/rds"), aws.Bool(true)
				return in
			}(),
		},
		"Minimal": {
			reason: "Optional parameters left unset should not be sent: RDS picks them.",
			p: v1alpha1.DBInstanceParameters{
				Engine: "mysql", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, MasterUsername: "app",
				Tags: map[string]string{"b": "2", "a": "1"},
			},
			want: &rds.CreateDBInstanceInput{
				DBInstanceIdentifier: aws.String(testName),
				Engine:               aws.String("mysql"),
				DBInstanceClass:      aws.String("db.t4g.micro"),
				AllocatedStorage:     aws.Int32(20),
				StorageEncrypted:     aws.Bool(false),
				PubliclyAccessible:   aws.Bool(false),
				MasterUsername:       aws.String("app"),
				MasterUserPassword:   aws.String(testPassword),
				Tags:                 []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := createInput(testName, tc.p, testPassword)
			if diff := cmp.Diff(tc.want, got, ignoreSDK); diff != "" {
				t.Errorf("\n%s\ncreateInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestModifyInput(t *testing.T) {
	in := func(m func(*rds.ModifyDBInstanceInput)) *rds.ModifyDBInstanceInput {
		i := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(testName), ApplyImmediately: aws.Bool(true)}
		m(i)
		return i
	}
	running := func(engine, version string) observed {
		return observe(dbInstance(t, func(db *types.DBInstance) { db.Engine, db.EngineVersion = aws.String(engine), aws.String(version) }))
	}
	upgrade := func(engine, to string) v1alpha1.DBInstanceParameters {
		return params(func(p *v1alpha1.DBInstanceParameters) { p.Engine, p.EngineVersion = engine, ptr.To(to) })
	}
	allFields := []string{
		fieldClass, fieldStorage, fieldMaxStorage, fieldStorageType, fieldIOPS, fieldEngineVersion, fieldMultiAZ, fieldPublic,
		fieldBackupRetention, fieldBackupWindow, fieldMaintenance, fieldAutoMinorUpgrade, fieldDeletionProtect,
		fieldSecurityGroups, fieldParameterGroup, fieldPort, fieldTags, fieldPassword,
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.DBInstanceParameters
		got    observed
		fields []string
		in     *rds.ModifyDBInstanceInput
	}{
		"EveryField": {
			reason: "Each drifted field should be sent under its RDS name, with ApplyImmediately.",
			want: params(func(p *v1alpha1.DBInstanceParameters) {
				p.MaxAllocatedStorage, p.IOPS, p.EngineVersion = ptr.To[int32](100), ptr.To[int32](6000), ptr.To("16.3")
			}),
			got:    running("postgres", "15.7"),
			fields: allFields,
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.DBInstanceClass, i.AllocatedStorage, i.MaxAllocatedStorage = aws.String("db.t4g.micro"), aws.Int32(20), aws.Int32(100)
				i.StorageType, i.Iops, i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("gp3"), aws.Int32(6000), aws.String("16.3"), aws.Bool(true)
				i.MultiAZ, i.PubliclyAccessible, i.BackupRetentionPeriod = aws.Bool(false), aws.Bool(false), aws.Int32(7)
				i.PreferredBackupWindow, i.PreferredMaintenanceWindow = aws.String("03:00-04:00"), aws.String("sun:05:00-sun:06:00")
				i.AutoMinorVersionUpgrade, i.DeletionProtection = aws.Bool(true), aws.Bool(false)
				i.VpcSecurityGroupIds, i.DBParameterGroupName, i.DBPortNumber = []string{"sg-1", "sg-2"}, aws.String("default.postgres15"), aws.Int32(5432)
				i.MasterUserPassword = aws.String(testPassword)
			}),
		},
		"OnlyWhatDiffers": {
			reason: "Fields that have not drifted should not be sent.",
			want:   params(),
			got:    running("postgres", "15.7"),
			fields: []string{fieldMultiAZ},
			in:     in(func(i *rds.ModifyDBInstanceInput) { i.MultiAZ = aws.Bool(false) }),
		},
		"StorageWithIOPS": {
			reason: "More storage on gp3 (or io1, io2) is sent with the IOPS, as RDS requires (the current value will do).",
			want:   params(),
			got:    running("postgres", "15.7"),
			fields: []string{fieldStorage},
			in:     in(func(i *rds.ModifyDBInstanceInput) { i.AllocatedStorage, i.Iops = aws.Int32(20), aws.Int32(3000) }),
		},
		"Later": {
			reason: "applyImmediately false should be sent as false.",
			want:   params(func(p *v1alpha1.DBInstanceParameters) { p.ApplyImmediately = false }),
			got:    running("postgres", "15.7"),
			fields: []string{fieldClass},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.ApplyImmediately, i.DBInstanceClass = aws.Bool(false), aws.String("db.t4g.micro")
			}),
		},
		"Password": {
			reason: "A rotation should send the password alone.",
			want:   params(),
			got:    running("postgres", "15.7"),
			fields: []string{fieldPassword},
			in:     in(func(i *rds.ModifyDBInstanceInput) { i.MasterUserPassword = aws.String(testPassword) }),
		},
		"OnlyTags": {
			reason: "Tags have calls of their own: with only tags drifted there is no Modify.",
			want:   params(),
			got:    running("postgres", "15.7"),
			fields: []string{fieldTags},
		},
		"Nothing": {
			reason: "Without drift there is no Modify.",
			want:   params(),
			got:    running("postgres", "15.7"),
		},
		"PostgresMinor": {
			reason: "postgres 15.7 to 15.8 is a minor upgrade: no major upgrade allowed.",
			want:   upgrade("postgres", "15.8"),
			got:    running("postgres", "15.7"),
			fields: []string{fieldEngineVersion},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("15.8"), aws.Bool(false)
			}),
		},
		"PostgresMajor": {
			reason: "postgres 15.7 to 16 is a major upgrade and must say so.",
			want:   upgrade("postgres", "16"),
			got:    running("postgres", "15.7"),
			fields: []string{fieldEngineVersion},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("16"), aws.Bool(true)
			}),
		},
		"MySQLMinor": {
			reason: "mysql 8.0.35 to 8.0.39 is a minor upgrade.",
			want:   upgrade("mysql", "8.0.39"),
			got:    running("mysql", "8.0.35"),
			fields: []string{fieldEngineVersion},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("8.0.39"), aws.Bool(false)
			}),
		},
		"MySQLMajor": {
			reason: "mysql 8.0 to 8.4 is a major upgrade: RDS refuses it without AllowMajorVersionUpgrade.",
			want:   upgrade("mysql", "8.4.3"),
			got:    running("mysql", "8.0.35"),
			fields: []string{fieldEngineVersion},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("8.4.3"), aws.Bool(true)
			}),
		},
		"MySQLMajorFrom57": {
			reason: "mysql 5.7 to 8.0 is a major upgrade.",
			want:   upgrade("mysql", "8.0"),
			got:    running("mysql", "5.7.44"),
			fields: []string{fieldEngineVersion},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("8.0"), aws.Bool(true)
			}),
		},
		"MariaDBMajor": {
			reason: "mariadb 10.6 to 10.11 is a major upgrade.",
			want:   upgrade("mariadb", "10.11.6"),
			got:    running("mariadb", "10.6.14"),
			fields: []string{fieldEngineVersion},
			in: in(func(i *rds.ModifyDBInstanceInput) {
				i.EngineVersion, i.AllowMajorVersionUpgrade = aws.String("10.11.6"), aws.Bool(true)
			}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := modifyInput(testName, tc.want, tc.got, tc.fields, testPassword)
			if diff := cmp.Diff(tc.in, got, ignoreSDK); diff != "" {
				t.Errorf("\n%s\nmodifyInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestFinalSnapshotNameIsPerResource: the same identifier, deleted by two
// resources (deleted and created again, or in two namespaces), leaves two
// snapshots, not a refused second delete.
func TestFinalSnapshotNameIsPerResource(t *testing.T) {
	first := finalSnapshotName("orders-db", "0d2e1c9a-77f1-4b3e-9b1a-2c5d8e6f7a90")
	second := finalSnapshotName("orders-db", "5b7e0a11-0c2d-4f5e-8a9b-1c2d3e4f5a6b")
	if first == second {
		t.Errorf("two resources of identifier orders-db both name their final snapshot %s", first)
	}
	if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$`).MatchString(first) {
		t.Errorf("%s is not a valid DB snapshot identifier (letters, digits, single hyphens, a letter first)", first)
	}
}

func TestDeleteInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.DBInstanceParameters
		want   *rds.DeleteDBInstanceInput
	}{
		"Default": {
			reason: "By default a final snapshot named <identifier>-final is taken.",
			p:      params(),
			want:   &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(false), FinalDBSnapshotIdentifier: aws.String("orders-db-final-0d2e1c9a")},
		},
		"Named": {
			reason: "A named final snapshot is taken under its name.",
			p:      params(func(p *v1alpha1.DBInstanceParameters) { p.FinalDBSnapshotIdentifier = ptr.To("orders-last") }),
			want:   &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(false), FinalDBSnapshotIdentifier: aws.String("orders-last")},
		},
		"Skip": {
			reason: "skipFinalSnapshot takes none, whatever name is given.",
			p: params(func(p *v1alpha1.DBInstanceParameters) {
				p.SkipFinalSnapshot, p.FinalDBSnapshotIdentifier = true, ptr.To("orders-last")
			}),
			want: &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(true)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := deleteInput(testName, "0d2e1c9a-77f1-4b3e-9b1a-2c5d8e6f7a90", tc.p)
			if diff := cmp.Diff(tc.want, got, ignoreSDK); diff != "" {
				t.Errorf("\n%s\ndeleteInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagChanges(t *testing.T) {
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	cases := map[string]struct {
		reason string
		want   map[string]string
		got    map[string]string
		add    []types.Tag
		remove []string
	}{
		"Same": {
			reason: "Equal sets need no change.",
			want:   map[string]string{"a": "1"},
			got:    map[string]string{"a": "1"},
		},
		"AddRemoveChange": {
			reason: "Missing and changed tags are added, sorted; extra ones removed, sorted.",
			want:   map[string]string{"c": "3", "a": "1", "b": "2"},
			got:    map[string]string{"a": "0", "z": "x", "y": "x", "b": "2"},
			add:    []types.Tag{tag("a", "1"), tag("c", "3")},
			remove: []string{"y", "z"},
		},
		"AllGone": {
			reason: "Wanting no tags removes every tag.",
			got:    map[string]string{"a": "1"},
			remove: []string{"a"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			add, remove := tagChanges(tc.want, tc.got)
			if diff := cmp.Diff(tc.add, add, ignoreSDK); diff != "" {
				t.Errorf("\n%s\ntagChanges(...): -want add, +got add:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.remove, remove); diff != "" {
				t.Errorf("\n%s\ntagChanges(...): -want remove, +got remove:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectionDetails(t *testing.T) {
	at := v1alpha1.DBInstanceObservation{Address: testAddress, Port: 5432}
	cases := map[string]struct {
		reason   string
		p        v1alpha1.DBInstanceParameters
		o        v1alpha1.DBInstanceObservation
		password string
		want     managed.ConnectionDetails
	}{
		"Postgres": {
			reason:   "A postgres instance's URL escapes the password and asks for TLS when offered.",
			p:        params(),
			o:        at,
			password: testPassword,
			want:     connection(),
		},
		"PostgresDefaultDatabase": {
			reason:   "A postgres instance without a database name connects to the postgres database.",
			p:        params(func(p *v1alpha1.DBInstanceParameters) { p.DBName = nil }),
			o:        at,
			password: "pw",
			want: managed.ConnectionDetails{
				"username": []byte("app"), "password": []byte("pw"), "host": []byte(testAddress), "port": []byte("5432"),
				"endpoint": []byte(testAddress), "database": []byte("postgres"), "engine": []byte("postgres"),
				"url": []byte("postgres://app:pw@" + testAddress + ":5432/postgres?sslmode=prefer"),
			},
		},
		"MySQL": {
			reason:   "A mysql instance has a mysql URL, without a default database.",
			p:        params(func(p *v1alpha1.DBInstanceParameters) { p.Engine, p.DBName = v1alpha1.EngineMySQL, nil }),
			o:        v1alpha1.DBInstanceObservation{Address: testAddress, Port: 3306},
			password: "p@ss word",
			want: managed.ConnectionDetails{
				"username": []byte("app"), "password": []byte("p@ss word"), "host": []byte(testAddress), "port": []byte("3306"),
				"endpoint": []byte(testAddress), "database": []byte(""), "engine": []byte("mysql"),
				"url": []byte("mysql://app:p%40ss%20word@" + testAddress + ":3306/"),
			},
		},
		"MySQLDatabase": {
			reason:   "A mysql instance with a database name connects to it.",
			p:        params(func(p *v1alpha1.DBInstanceParameters) { p.Engine = v1alpha1.EngineMySQL }),
			o:        v1alpha1.DBInstanceObservation{Address: testAddress, Port: 3306},
			password: "pw",
			want: managed.ConnectionDetails{
				"username": []byte("app"), "password": []byte("pw"), "host": []byte(testAddress), "port": []byte("3306"),
				"endpoint": []byte(testAddress), "database": []byte("orders"), "engine": []byte("mysql"),
				"url": []byte("mysql://app:pw@" + testAddress + ":3306/orders"),
			},
		},
		"NoEndpoint": {
			reason:   "An instance without an address yet has nothing to connect to.",
			p:        params(),
			password: testPassword,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := connectionDetails(tc.p, tc.o, tc.password)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nconnectionDetails(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidIdentifier(t *testing.T) {
	cases := map[string]struct {
		reason string
		id     string
		valid  bool
	}{
		"Simple":         {reason: "Letters, digits and single hyphens are valid.", id: "orders-db-1", valid: true},
		"OneLetter":      {reason: "One letter is valid.", id: "a", valid: true},
		"Longest":        {reason: "63 characters are valid.", id: "a" + strings.Repeat("b", 62), valid: true},
		"TooLong":        {reason: "64 characters are not.", id: "a" + strings.Repeat("b", 63)},
		"Empty":          {reason: "An empty identifier is not valid.", id: ""},
		"LeadingDigit":   {reason: "An identifier starts with a letter.", id: "1orders"},
		"TrailingHyphen": {reason: "An identifier does not end with a hyphen.", id: "orders-"},
		"DoubleHyphen":   {reason: "An identifier has no two hyphens in a row.", id: "orders--db"},
		"Underscore":     {reason: "Underscores are not allowed.", id: "orders_db"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validIdentifier(tc.id)
			if (err == nil) != tc.valid {
				t.Errorf("\n%s\nvalidIdentifier(%q): %v, want valid: %t", tc.reason, tc.id, err, tc.valid)
			}
		})
	}
}

func TestIsNotFound(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		want   bool
	}{
		"Code":        {reason: "RDS's code is not found.", err: errors.Wrap(apiError("DBInstanceNotFound"), "operation error RDS"), want: true},
		"FaultSuffix": {reason: "The code with the Fault suffix some emulators answer is not found.", err: apiError("DBInstanceNotFoundFault"), want: true},
		"Other":       {reason: "Another code is not.", err: apiError("DBSnapshotNotFound")},
		"Plain":       {reason: "An error without a code is not.", err: errBoom},
		"Nil":         {reason: "No error is not.", err: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := isNotFound(tc.err); got != tc.want {
				t.Errorf("\n%s\nisNotFound(%v): got %t, want %t", tc.reason, tc.err, got, tc.want)
			}
		})
	}
}
