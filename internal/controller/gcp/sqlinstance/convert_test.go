package sqlinstance

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
)

func TestParameters(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     *sqladmin.DatabaseInstance
		want   v1alpha1.DatabaseInstanceParameters
	}{
		"Full": {
			reason: "Every managed setting is read, in spec terms.",
			in:     cloudInstance(),
			want: func() v1alpha1.DatabaseInstanceParameters {
				p := instance().Spec.ForProvider
				p.UserLabels, p.DatabaseName, p.MasterPasswordSecretRef = allLabels(), nil, v1alpha1.LocalSecretKeySelector{}
				return p
			}(),
		},
		"MySQLPointInTimeRecovery": {
			reason: "On MySQL, point-in-time recovery is the binary log.",
			in: cloudInstance(func(in *sqladmin.DatabaseInstance) { in.DatabaseVersion = "MYSQL_8_0" }, withSettings(func(s *sqladmin.Settings) {
				s.BackupConfiguration = &sqladmin.BackupConfiguration{Enabled: true, BinaryLogEnabled: true}
			})),
			want: func() v1alpha1.DatabaseInstanceParameters {
				p := instance().Spec.ForProvider
				p.DatabaseVersion, p.UserLabels, p.DatabaseName, p.MasterPasswordSecretRef = "MYSQL_8_0", allLabels(), nil, v1alpha1.LocalSecretKeySelector{}
				p.BackupConfiguration = &v1alpha1.BackupConfiguration{Enabled: ptr.To(true), PointInTimeRecoveryEnabled: ptr.To(true)}
				return p
			}(),
		},
		"NoSettings": {
			reason: "An instance reporting no settings reads as its region and version, with no labels.",
			in:     &sqladmin.DatabaseInstance{Region: testRegion, DatabaseVersion: "POSTGRES_15"},
			want:   v1alpha1.DatabaseInstanceParameters{Region: testRegion, DatabaseVersion: "POSTGRES_15", UserLabels: map[string]string{}},
		},
		"Sparse": {
			reason: "No maintenance window (day 0), no private network, no networks nor flags read as unset or empty.",
			in: cloudInstance(withSettings(func(s *sqladmin.Settings) {
				s.MaintenanceWindow = &sqladmin.MaintenanceWindow{}
				s.IpConfiguration = &sqladmin.IpConfiguration{Ipv4Enabled: true}
				s.DatabaseFlags, s.StorageAutoResize, s.UserLabels = nil, nil, nil
			})),
			want: func() v1alpha1.DatabaseInstanceParameters {
				p := instance().Spec.ForProvider
				p.UserLabels, p.DatabaseName, p.MasterPasswordSecretRef = map[string]string{}, nil, v1alpha1.LocalSecretKeySelector{}
				p.MaintenanceWindow, p.StorageAutoResize, p.DatabaseFlags = nil, nil, []v1alpha1.DatabaseFlag{}
				p.IPConfiguration = &v1alpha1.IPConfiguration{IPv4Enabled: ptr.To(true), AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{}}
				return p
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, parameters(tc.in)); diff != "" {
				t.Errorf("\n%s\nparameters(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	got := parameters(cloudInstance())
	cases := map[string]struct {
		reason  string
		spec    v1alpha1.DatabaseInstanceParameters
		want    v1alpha1.DatabaseInstanceParameters
		changed bool
	}{
		"NothingToFill": {
			reason: "A spec that sets every field is left alone.",
			spec:   instance().Spec.ForProvider,
			want:   instance().Spec.ForProvider,
		},
		"FillsUnset": {
			reason: "Unset settings take the instance's; sub-settings field by field; not labels, flags or the database.",
			spec: v1alpha1.DatabaseInstanceParameters{
				Region: testRegion, DatabaseVersion: "POSTGRES_15", Tier: "db-custom-1-3840",
				BackupConfiguration: &v1alpha1.BackupConfiguration{StartTime: ptr.To("01:00")},
				IPConfiguration:     &v1alpha1.IPConfiguration{SSLMode: ptr.To(v1alpha1.SSLModeAllowUnencrypted)},
			},
			want: v1alpha1.DatabaseInstanceParameters{
				Region: testRegion, DatabaseVersion: "POSTGRES_15", Tier: "db-custom-1-3840",
				DataDiskSizeGb: ptr.To[int64](20), DataDiskType: ptr.To("PD_SSD"), StorageAutoResize: ptr.To(true), StorageAutoResizeLimit: ptr.To[int64](0),
				AvailabilityType: ptr.To("ZONAL"), DeletionProtectionEnabled: ptr.To(false),
				BackupConfiguration: &v1alpha1.BackupConfiguration{Enabled: ptr.To(true), StartTime: ptr.To("01:00"), PointInTimeRecoveryEnabled: ptr.To(true)},
				MaintenanceWindow:   &v1alpha1.MaintenanceWindow{Day: 7, Hour: 0},
				IPConfiguration: &v1alpha1.IPConfiguration{
					IPv4Enabled: ptr.To(true), SSLMode: ptr.To(v1alpha1.SSLModeAllowUnencrypted),
					AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{{Name: "office", Value: "203.0.113.0/24"}},
				},
			},
			changed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			spec := *tc.spec.DeepCopy()
			changed := lateInitialize(&spec, got)
			if diff := cmp.Diff(tc.want, spec); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want, +got:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("\n%s\nlateInitialize(...) = %t, want %t", tc.reason, changed, tc.changed)
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	want := desired(instance())
	got := parameters(cloudInstance())
	cases := map[string]struct {
		reason string
		want   func(*v1alpha1.DatabaseInstanceParameters)
		got    func(*v1alpha1.DatabaseInstanceParameters)
		fields []string
	}{
		"InSync":     {reason: "The instance of the spec is in sync."},
		"Tier":       {reason: "Another tier is drift.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-g1-small" }, fields: []string{fieldTier}},
		"DiskGrown":  {reason: "A larger disk, with automatic growth, is in sync.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskSizeGb = ptr.To[int64](40) }},
		"DiskLarger": {reason: "A larger spec is drift: the disk grows.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskSizeGb = ptr.To[int64](40) }, fields: []string{fieldDiskSize}},
		"DiskShrink": {reason: "A smaller spec without automatic growth is drift, which Update refuses to send.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.StorageAutoResize = ptr.To(false) }, got: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.DataDiskSizeGb, p.StorageAutoResize = ptr.To[int64](40), ptr.To(false)
		}, fields: []string{fieldDiskSize}},
		"DiskUnset":    {reason: "An unset disk size is not managed.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskSizeGb = nil }, got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskSizeGb = ptr.To[int64](400) }},
		"AutoResize":   {reason: "Automatic growth turned off is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.StorageAutoResize = ptr.To(false) }, fields: []string{fieldAutoResize}},
		"Limit":        {reason: "Another growth limit is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.StorageAutoResizeLimit = ptr.To[int64](100) }, fields: []string{fieldAutoResizeLimit}},
		"Availability": {reason: "Another availability type is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.AvailabilityType = ptr.To("REGIONAL") }, fields: []string{fieldAvailability}},
		"BackupStart":  {reason: "Another backup window is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.BackupConfiguration.StartTime = ptr.To("05:00") }, fields: []string{fieldBackup}},
		"BackupGone":   {reason: "No backup configuration at all is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.BackupConfiguration = nil }, fields: []string{fieldBackup}},
		"BackupPartial": {reason: "Sub-settings the spec leaves unset are not compared.", want: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.BackupConfiguration = &v1alpha1.BackupConfiguration{Enabled: ptr.To(true)}
		}, got: func(p *v1alpha1.DatabaseInstanceParameters) { p.BackupConfiguration.StartTime = ptr.To("05:00") }},
		"Maintenance":    {reason: "Another maintenance hour is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.MaintenanceWindow.Hour = 3 }, fields: []string{fieldMaintenance}},
		"MaintenanceNil": {reason: "No maintenance window is drift when the spec has one.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.MaintenanceWindow = nil }, fields: []string{fieldMaintenance}},
		"Protection":     {reason: "Deletion protection turned on outside is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DeletionProtectionEnabled = ptr.To(true) }, fields: []string{fieldDeletionProtected}},
		"SSLMode": {reason: "Another TLS mode is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.IPConfiguration.SSLMode = ptr.To(v1alpha1.SSLModeAllowUnencrypted)
		}, fields: []string{fieldIP}},
		"NetworkAdded": {reason: "An authorized network added outside is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.IPConfiguration.AuthorizedNetworks = append(p.IPConfiguration.AuthorizedNetworks, v1alpha1.AuthorizedNetwork{Value: "0.0.0.0/0"})
		}, fields: []string{fieldIP}},
		"NetworksOrder": {reason: "Authorized networks are a set: order does not matter.", want: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.IPConfiguration.AuthorizedNetworks = []v1alpha1.AuthorizedNetwork{{Value: "10.0.0.0/8"}, {Name: "office", Value: "203.0.113.0/24"}}
		}, got: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.IPConfiguration.AuthorizedNetworks = []v1alpha1.AuthorizedNetwork{{Name: "office", Value: "203.0.113.0/24"}, {Value: "10.0.0.0/8"}}
		}},
		"NetworksUnmanaged": {reason: "Unset authorized networks are not managed.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.AuthorizedNetworks = nil }, got: func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.AuthorizedNetworks = nil }},
		"NoNetworks": {reason: "An empty list wants none.", want: func(p *v1alpha1.DatabaseInstanceParameters) {
			p.IPConfiguration.AuthorizedNetworks = []v1alpha1.AuthorizedNetwork{}
		}, fields: []string{fieldIP}},
		"FlagValue":         {reason: "Another flag value is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseFlags[0].Value = "100" }, fields: []string{fieldFlags}},
		"FlagsUnmanaged":    {reason: "Unset flags are not managed.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseFlags = nil }, got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseFlags = nil }},
		"NoFlags":           {reason: "An empty list of flags wants none.", want: func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseFlags = []v1alpha1.DatabaseFlag{} }, fields: []string{fieldFlags}},
		"LabelAdded":        {reason: "A label added outside is drift: the spec owns the whole set.", got: func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels["x"] = "y" }, fields: []string{fieldLabels}},
		"ProviderLabelLost": {reason: "A provider label removed is drift.", got: func(p *v1alpha1.DatabaseInstanceParameters) { delete(p.UserLabels, "crossplane-uid") }, fields: []string{fieldLabels}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w, g := *want.DeepCopy(), *got.DeepCopy()
			if tc.want != nil {
				tc.want(&w)
			}
			if tc.got != nil {
				tc.got(&g)
			}
			if diff := cmp.Diff(tc.fields, drifted(w, g)); diff != "" {
				t.Errorf("\n%s\ndrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestInsertInstanceJSON(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.DatabaseInstanceParameters
		want   string
	}{
		"Full": {
			reason: "Every setting goes, falses and zeroes included, requireSsl agreeing with sslMode.",
			p:      withSecureDefaults(desired(instance())),
			want: `{"databaseVersion":"POSTGRES_15","name":"orders-db","region":"europe-west1","rootPassword":"pw","settings":{` +
				`"availabilityType":"ZONAL","backupConfiguration":{"enabled":true,"pointInTimeRecoveryEnabled":true,"startTime":"03:00"},` +
				`"dataDiskSizeGb":"20","dataDiskType":"PD_SSD","databaseFlags":[{"name":"max_connections","value":"50"}],"deletionProtectionEnabled":false,"edition":"ENTERPRISE",` +
				`"ipConfiguration":{"authorizedNetworks":[{"kind":"sql#aclEntry","name":"office","value":"203.0.113.0/24"}],"ipv4Enabled":true,"requireSsl":false,"sslMode":"ENCRYPTED_ONLY"},` +
				`"maintenanceWindow":{"day":7,"hour":0},"storageAutoResize":true,"storageAutoResizeLimit":"0","tier":"db-custom-1-3840",` +
				`"userLabels":{"crossplane-kind":"databaseinstance_sql_gcp_appinfra_io","crossplane-name":"orders-db","crossplane-namespace":"team-a","crossplane-providerconfig":"default","crossplane-providerconfig-kind":"clusterproviderconfig","crossplane-uid":"3c9e1f20-orders-db-uid","team":"orders"}}}`,
		},
		"Minimal": {
			reason: "A spec that sets little sends little: Cloud SQL's defaults apply, but TLS is required.",
			p: withSecureDefaults(v1alpha1.DatabaseInstanceParameters{
				Region: testRegion, DatabaseVersion: "MYSQL_8_0", Tier: "db-f1-micro", UserLabels: map[string]string{"a": "b"},
				BackupConfiguration: &v1alpha1.BackupConfiguration{Enabled: ptr.To(true), PointInTimeRecoveryEnabled: ptr.To(true)},
			}),
			want: `{"databaseVersion":"MYSQL_8_0","name":"orders-db","region":"europe-west1","rootPassword":"pw","settings":{` +
				`"backupConfiguration":{"binaryLogEnabled":true,"enabled":true},"edition":"ENTERPRISE","ipConfiguration":{"requireSsl":false,"sslMode":"ENCRYPTED_ONLY"},"tier":"db-f1-micro","userLabels":{"a":"b"}}}`,
		},
		"ClientCertificates": {
			reason: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED goes with requireSsl, as Cloud SQL wants them to agree; a perf-optimized tier is Enterprise Plus.",
			p: v1alpha1.DatabaseInstanceParameters{
				Region: testRegion, DatabaseVersion: "POSTGRES_16", Tier: "db-perf-optimized-N-2",
				IPConfiguration: &v1alpha1.IPConfiguration{IPv4Enabled: ptr.To(false), PrivateNetwork: ptr.To("projects/p/global/networks/n"), SSLMode: ptr.To(v1alpha1.SSLModeTrustedClientCert)},
			},
			want: `{"databaseVersion":"POSTGRES_16","name":"orders-db","region":"europe-west1","rootPassword":"pw","settings":{` +
				`"edition":"ENTERPRISE_PLUS","ipConfiguration":{"ipv4Enabled":false,"privateNetwork":"projects/p/global/networks/n","requireSsl":true,"sslMode":"TRUSTED_CLIENT_CERTIFICATE_REQUIRED"},"tier":"db-perf-optimized-N-2"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := insertInstance(testName, tc.p, "pw").MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(b)); diff != "" {
				t.Errorf("\n%s\ninsertInstance(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPatchInstanceJSON(t *testing.T) {
	want := desired(instance())
	got := parameters(cloudInstance())
	cases := map[string]struct {
		reason string
		want   func(*v1alpha1.DatabaseInstanceParameters)
		got    func(*v1alpha1.DatabaseInstanceParameters)
		fields []string
		json   string
	}{
		"OnlyTier": {
			reason: "Only the fields named go, with the settingsVersion seen; a tier with its edition.",
			fields: []string{fieldTier},
			json:   `{"settings":{"edition":"ENTERPRISE","settingsVersion":"7","tier":"db-custom-1-3840"}}`,
		},
		"Zeroes": {
			reason: "Falses and zeroes are values: they are sent.",
			want: func(p *v1alpha1.DatabaseInstanceParameters) {
				p.StorageAutoResize, p.DeletionProtectionEnabled, p.DatabaseFlags = ptr.To(false), ptr.To(false), []v1alpha1.DatabaseFlag{}
			},
			fields: []string{fieldAutoResize, fieldAutoResizeLimit, fieldDeletionProtected, fieldFlags, fieldMaintenance},
			json:   `{"settings":{"databaseFlags":[],"deletionProtectionEnabled":false,"maintenanceWindow":{"day":7,"hour":0},"settingsVersion":"7","storageAutoResize":false,"storageAutoResizeLimit":"0"}}`,
		},
		"BackupWhole": {
			reason: "A backup configuration goes whole: the spec's sub-settings over the instance's.",
			want: func(p *v1alpha1.DatabaseInstanceParameters) {
				p.BackupConfiguration = &v1alpha1.BackupConfiguration{StartTime: ptr.To("01:00")}
			},
			fields: []string{fieldBackup},
			json:   `{"settings":{"backupConfiguration":{"enabled":true,"pointInTimeRecoveryEnabled":true,"startTime":"01:00"},"settingsVersion":"7"}}`,
		},
		"IPWhole": {
			reason: "An IP configuration goes whole: the spec's sub-settings over the instance's.",
			want: func(p *v1alpha1.DatabaseInstanceParameters) {
				p.IPConfiguration = &v1alpha1.IPConfiguration{AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{}}
			},
			fields: []string{fieldIP},
			json:   `{"settings":{"ipConfiguration":{"authorizedNetworks":[],"ipv4Enabled":true,"requireSsl":false,"sslMode":"ENCRYPTED_ONLY"},"settingsVersion":"7"}}`,
		},
		"LabelsRemoved": {
			reason: "Labels the spec does not want are sent as null, which removes them.",
			got:    func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels["b"], p.UserLabels["a"] = "2", "1" },
			fields: []string{fieldLabels},
			json: `{"settings":{"settingsVersion":"7","userLabels":{"a":null,"b":null,"crossplane-kind":"databaseinstance_sql_gcp_appinfra_io","crossplane-name":"orders-db","crossplane-namespace":"team-a",` +
				`"crossplane-providerconfig":"default","crossplane-providerconfig-kind":"clusterproviderconfig","crossplane-uid":"3c9e1f20-orders-db-uid","team":"orders"}}}`,
		},
		"DiskAndAvailability": {
			reason: "A larger disk and another availability type.",
			want: func(p *v1alpha1.DatabaseInstanceParameters) {
				p.DataDiskSizeGb, p.AvailabilityType = ptr.To[int64](100), ptr.To("REGIONAL")
			},
			fields: []string{fieldDiskSize, fieldAvailability},
			json:   `{"settings":{"availabilityType":"REGIONAL","dataDiskSizeGb":"100","settingsVersion":"7"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w, g := *want.DeepCopy(), *got.DeepCopy()
			if tc.want != nil {
				tc.want(&w)
			}
			if tc.got != nil {
				tc.got(&g)
			}
			b, err := patchInstance(w, g, tc.fields, 7).MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.json, string(b)); diff != "" {
				t.Errorf("\n%s\npatchInstance(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCondition(t *testing.T) {
	cases := map[string]struct {
		in   *sqladmin.DatabaseInstance
		op   *v1alpha1.Operation
		want xpv2.Condition
	}{
		"Runnable": {in: cloudInstance(), want: xpv2.Available()},
		"Stopped": {
			in:   cloudInstance(withSettings(func(s *sqladmin.Settings) { s.ActivationPolicy = "NEVER" })),
			want: xpv2.Unavailable().WithMessage("the instance is stopped (activationPolicy NEVER): it serves no connections until it is started"),
		},
		"Deleting":   {in: cloudInstance(inState("PENDING_DELETE")), want: xpv2.Deleting()},
		"Unknown":    {in: cloudInstance(inState("REPAIRING")), want: xpv2.Unavailable().WithMessage("Cloud SQL reports the instance REPAIRING")},
		"NoReason":   {in: cloudInstance(inState("SUSPENDED")), want: xpv2.Unavailable().WithMessage("Cloud SQL reports the instance SUSPENDED (no reason given): it serves nothing until the cause is resolved")},
		"Restarting": {in: cloudInstance(), op: &v1alpha1.Operation{Name: "o", OperationType: "RESTART"}, want: xpv2.Unavailable().WithMessage("Cloud SQL is running operation RESTART (o), which may restart the instance; changes wait until it is done")},
		"BackingUp":  {in: cloudInstance(), op: &v1alpha1.Operation{Name: "o", OperationType: "BACKUP_VOLUME"}, want: xpv2.Available().WithMessage("Cloud SQL is running operation BACKUP_VOLUME (o); the instance serves meanwhile")},
		"FinishingCreate": {
			in: cloudInstance(), op: &v1alpha1.Operation{Name: "o", OperationType: "CREATE"},
			want: xpv2.Creating().WithMessage("Cloud SQL is finishing operation CREATE (o)"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, condition(tc.in, tc.op), crOpts...); diff != "" {
				t.Errorf("condition(...): -want, +got:\n%s", diff)
			}
		})
	}
}

func TestConnectionDetails(t *testing.T) {
	cases := map[string]struct {
		reason   string
		p        v1alpha1.DatabaseInstanceParameters
		in       *sqladmin.DatabaseInstance
		database string
		password string
		want     managed.ConnectionDetails
	}{
		"Postgres": {
			reason: "Every key of the database contract, the CA and the Cloud SQL names.",
			p:      instance().Spec.ForProvider, in: cloudInstance(), database: "orders", password: testPassword,
			want: connection(),
		},
		"NoAddressYet": {
			reason: "Nothing before the instance has an address.",
			p:      instance().Spec.ForProvider, in: cloudInstance(func(in *sqladmin.DatabaseInstance) { in.IpAddresses = nil }), database: "orders", password: testPassword,
		},
		"DatabaseNotMadeYet": {
			reason: "Nothing before the database the url names exists.",
			p:      instance().Spec.ForProvider, in: cloudInstance(), password: testPassword,
		},
		"PrivateAddress": {
			reason: "On a private network, clients (in the VPC) use the PRIVATE address; without a CA in the answer, no ca.crt.",
			p:      instance().Spec.ForProvider, database: "orders", password: "pw",
			in: cloudInstance(func(in *sqladmin.DatabaseInstance) {
				in.IpAddresses = append(in.IpAddresses, &sqladmin.IpMapping{Type: "PRIVATE", IpAddress: testPrivate})
				in.ServerCaCert = nil
			}),
			want: func() managed.ConnectionDetails {
				c := connection()
				c["host"], c["endpoint"], c["password"] = []byte(testPrivate), []byte(testPrivate), []byte("pw")
				c["url"] = []byte("postgres://postgres:pw@" + testPrivate + ":5432/orders?sslmode=require")
				delete(c, "ca.crt")
				return c
			}(),
		},
		"MySQLNoDatabase": {
			reason: "A MySQL instance without a database: root on 3306, TLS required, no default database.",
			p: func() v1alpha1.DatabaseInstanceParameters {
				p := instance().Spec.ForProvider
				p.DatabaseName = nil
				return p
			}(),
			in:       cloudInstance(func(in *sqladmin.DatabaseInstance) { in.DatabaseVersion = "MYSQL_8_0" }),
			password: "pw",
			want: func() managed.ConnectionDetails {
				c := connection()
				c["username"], c["password"], c["port"], c["engine"], c["database"] = []byte("root"), []byte("pw"), []byte("3306"), []byte("mysql"), []byte("")
				c["url"] = []byte("mysql://root:pw@" + testAddress + ":3306/?ssl-mode=REQUIRED")
				return c
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := connectionDetails(testProject, tc.p, tc.in, tc.database, tc.password)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nconnectionDetails(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	cases := map[string]struct {
		reason  string
		name    string
		project string
		valid   bool
	}{
		"Simple":         {reason: "Letters, digits and hyphens are valid.", name: "orders-db-1", project: "p", valid: true},
		"OneLetter":      {reason: "One letter is valid.", name: "a", project: "p", valid: true},
		"LeadingDigit":   {reason: "An ID starts with a letter.", name: "1orders", project: "p"},
		"TrailingHyphen": {reason: "An ID does not end with a hyphen.", name: "orders-", project: "p"},
		"UpperCase":      {reason: "Upper-case letters are not allowed.", name: "Orders", project: "p"},
		"Underscore":     {reason: "Underscores are not allowed.", name: "orders_db", project: "p"},
		"Empty":          {reason: "An empty ID is not valid.", name: "", project: "p"},
		"Longest":        {reason: "PROJECT:INSTANCE may be 98 characters.", name: "a" + strings.Repeat("b", 95), project: "p", valid: true},
		"TooLong":        {reason: "One more is too long.", name: "a" + strings.Repeat("b", 96), project: "p"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if err := validName(tc.name, tc.project); (err == nil) != tc.valid {
				t.Errorf("\n%s\nvalidName(%q): %v, want valid: %t", tc.reason, tc.name, err, tc.valid)
			}
		})
	}
}

func TestMismatch(t *testing.T) {
	want := instance().Spec.ForProvider
	cases := map[string]struct {
		got func(*v1alpha1.DatabaseInstanceParameters)
		msg string
	}{
		"Same":     {},
		"Region":   {got: func(p *v1alpha1.DatabaseInstanceParameters) { p.Region = "us-east1" }, msg: "is in region us-east1, not europe-west1"},
		"Version":  {got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseVersion = "MYSQL_8_0" }, msg: "runs MYSQL_8_0, not POSTGRES_15"},
		"DiskType": {got: func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskType = ptr.To("PD_HDD") }, msg: "has a PD_HDD disk, not PD_SSD"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := parameters(cloudInstance())
			if tc.got != nil {
				tc.got(&got)
			}
			err := mismatch(testName, want, got)
			if (tc.msg == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("mismatch(...): %v, want %q", err, tc.msg)
			}
		})
	}
}
