package redisinstance

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	redis "google.golang.org/api/redis/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
)

// Memorystore states this controller acts on; any other is shown as is.
const (
	stateCreating = "CREATING"
	stateReady    = "READY"
	stateDeleting = "DELETING"
)

// The fields instances.patch changes, by their spec names, which are the
// API's and so also the updateMask's.
const (
	fieldMemory            = "memorySizeGb"
	fieldReplicaCount      = "replicaCount"
	fieldAuthEnabled       = "authEnabled"
	fieldMaintenancePolicy = "maintenancePolicy"
	fieldRedisConfigs      = "redisConfigs"
	fieldLabels            = "labels"
	fieldDisplayName       = "displayName"
)

// fieldRedisVersion is changed by instances.upgrade, not by a patch.
const fieldRedisVersion = "redisVersion"

// The fields Memorystore cannot change: an instance that differs in one
// of them cannot be brought in line.
const (
	fieldTier              = "tier"
	fieldTransitEncryption = "transitEncryptionMode"
	fieldConnectMode       = "connectMode"
	fieldAuthorizedNetwork = "authorizedNetwork"
	fieldReadReplicasMode  = "readReplicasMode"
)

var instanceID = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$`)

// validID applies Memorystore's rules for instance ids, so that a bad
// external name is refused with a reason before any call.
func validID(id string) error {
	if !instanceID.MatchString(id) {
		return xperrors.Errorf("external name %q is not a valid Memorystore instance id: 1 to 40 lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit", id)
	}
	return nil
}

// instanceName is the full name of instance id of project in region.
func instanceName(project, region, id string) string {
	return "projects/" + project + "/locations/" + region + "/instances/" + id
}

// projectOf is the project a resource name names, "" if none.
func projectOf(name string) string {
	rest, ok := strings.CutPrefix(name, "projects/")
	if !ok {
		return ""
	}
	p, _, _ := strings.Cut(rest, "/")
	return p
}

// regionOf is the location an instance name names, "" if none.
func regionOf(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) < 4 || parts[2] != "locations" {
		return ""
	}
	return parts[3]
}

// desired is the spec with the provider's own labels added.
func desired(cr *v1alpha1.Instance) v1alpha1.InstanceParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	p.Labels = gcplabels.Desired(cr, v1alpha1.InstanceGroupVersionKind.GroupKind(), p.Labels)
	return p
}

// withSecureDefaults fills what a new instance gets when the spec leaves
// it unset: AUTH and TLS. An existing instance is never given these; its
// own settings are late-initialised instead (turning either on breaks
// every client that does not know).
func withSecureDefaults(p v1alpha1.InstanceParameters) v1alpha1.InstanceParameters {
	if p.AuthEnabled == nil {
		p.AuthEnabled = ptr.To(true)
	}
	if p.TransitEncryptionMode == nil {
		p.TransitEncryptionMode = ptr.To(v1alpha1.TransitEncryptionServerAuthentication)
	}
	return p
}

// parameters is what an instance says, in spec terms.
func parameters(in *redis.Instance) v1alpha1.InstanceParameters {
	p := v1alpha1.InstanceParameters{
		Region:                regionOf(in.Name),
		Tier:                  in.Tier,
		MemorySizeGb:          in.MemorySizeGb,
		AuthEnabled:           ptr.To(in.AuthEnabled),
		TransitEncryptionMode: ptr.To(transitEncryption(in.TransitEncryptionMode)),
		RedisConfigs:          maps.Clone(in.RedisConfigs),
		Labels:                maps.Clone(in.Labels),
		DisplayName:           ptr.To(in.DisplayName),
	}
	if in.RedisVersion != "" {
		p.RedisVersion = ptr.To(in.RedisVersion)
	}
	if in.ConnectMode != "" && in.ConnectMode != "CONNECT_MODE_UNSPECIFIED" {
		p.ConnectMode = ptr.To(in.ConnectMode)
	}
	if in.AuthorizedNetwork != "" {
		p.AuthorizedNetwork = ptr.To(in.AuthorizedNetwork)
	}
	// Replicas are a STANDARD_HA instance's: a BASIC one reports none,
	// and admission refuses them in its spec.
	if in.Tier == v1alpha1.TierStandardHA {
		p.ReplicaCount = ptr.To(in.ReplicaCount)
		p.ReadReplicasMode = ptr.To(readReplicasMode(in.ReadReplicasMode))
	}
	if mp := in.MaintenancePolicy; mp != nil && len(mp.WeeklyMaintenanceWindow) > 0 {
		p.MaintenancePolicy = &v1alpha1.MaintenancePolicy{}
		for _, w := range mp.WeeklyMaintenanceWindow {
			ww := v1alpha1.WeeklyMaintenanceWindow{Day: w.Day}
			if w.StartTime != nil {
				ww.StartTime.Hours = w.StartTime.Hours
			}
			p.MaintenancePolicy.WeeklyMaintenanceWindow = append(p.MaintenancePolicy.WeeklyMaintenanceWindow, ww)
		}
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	return p
}

// transitEncryption is a reported mode; unset means disabled.
func transitEncryption(m string) string {
	if m == v1alpha1.TransitEncryptionServerAuthentication {
		return m
	}
	return v1alpha1.TransitEncryptionDisabled
}

// readReplicasMode is a reported mode; unset means disabled.
func readReplicasMode(m string) string {
	if m == v1alpha1.ReadReplicasEnabled {
		return m
	}
	return v1alpha1.ReadReplicasDisabled
}

// versionAtLeast says whether running satisfies want: the same major
// version and a minor one at least want's (an X minor is any), or a
// higher major version. Memorystore names versions REDIS_<major>_<minor>.
func versionAtLeast(running, want string) bool {
	rMajor, rMinor, ok1 := parseVersion(running)
	wMajor, wMinor, ok2 := parseVersion(want)
	if !ok1 || !ok2 {
		return running == want
	}
	switch {
	case rMajor != wMajor:
		return rMajor > wMajor
	case wMinor < 0:
		return true
	default:
		return rMinor < 0 || rMinor >= wMinor
	}
}

// parseVersion reads REDIS_7_2 as 7, 2 and REDIS_6_X as 6, -1.
func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.Split(v, "_")
	if len(parts) != 3 || parts[0] != "REDIS" {
		return 0, 0, false
	}
	major, err := strconv.Atoi(parts[1])
	if err != nil {
		return 0, 0, false
	}
	if parts[2] == "X" {
		return major, -1, true
	}
	minor, err = strconv.Atoi(parts[2])
	return major, minor, err == nil
}

// drifted lists the fields want sets that got differs in and that
// Memorystore can change: the patch's, and redisVersion (an upgrade).
func drifted(want, got v1alpha1.InstanceParameters) []string {
	var f []string
	add := func(differs bool, field string) {
		if differs {
			f = append(f, field)
		}
	}
	add(want.MemorySizeGb != got.MemorySizeGb, fieldMemory)
	add(want.ReplicaCount != nil && *want.ReplicaCount != ptr.Deref(got.ReplicaCount, 0), fieldReplicaCount)
	add(want.AuthEnabled != nil && *want.AuthEnabled != ptr.Deref(got.AuthEnabled, false), fieldAuthEnabled)
	add(want.MaintenancePolicy != nil && !sameWindows(want.MaintenancePolicy, got.MaintenancePolicy), fieldMaintenancePolicy)
	add(want.RedisConfigs != nil && !maps.Equal(want.RedisConfigs, got.RedisConfigs), fieldRedisConfigs)
	add(!maps.Equal(want.Labels, got.Labels), fieldLabels)
	add(want.DisplayName != nil && *want.DisplayName != ptr.Deref(got.DisplayName, ""), fieldDisplayName)
	add(want.RedisVersion != nil && !versionAtLeast(ptr.Deref(got.RedisVersion, ""), *want.RedisVersion), fieldRedisVersion)
	return f
}

// sameWindows says whether two maintenance policies have the same
// windows; no policy has none.
func sameWindows(a, b *v1alpha1.MaintenancePolicy) bool {
	var wa, wb []v1alpha1.WeeklyMaintenanceWindow
	if a != nil {
		wa = a.WeeklyMaintenanceWindow
	}
	if b != nil {
		wb = b.WeeklyMaintenanceWindow
	}
	return slices.Equal(wa, wb)
}

// immutableDiffers lists the fields want sets that got differs in and
// that Memorystore cannot change.
func immutableDiffers(want, got v1alpha1.InstanceParameters) []string {
	var f []string
	add := func(w, g *string, field string) {
		if w != nil && *w != ptr.Deref(g, "") {
			f = append(f, field)
		}
	}
	add(&want.Tier, &got.Tier, fieldTier)
	add(want.TransitEncryptionMode, got.TransitEncryptionMode, fieldTransitEncryption)
	add(want.ConnectMode, got.ConnectMode, fieldConnectMode)
	add(want.AuthorizedNetwork, got.AuthorizedNetwork, fieldAuthorizedNetwork)
	if got.Tier == v1alpha1.TierStandardHA {
		add(want.ReadReplicasMode, got.ReadReplicasMode, fieldReadReplicasMode)
	}
	return f
}

// diff is a readable difference of the fields want manages, for debug
// logs; the instance holds no secret (its AUTH string is read apart).
func diff(want, got v1alpha1.InstanceParameters) string {
	if len(drifted(want, got)) == 0 {
		return ""
	}
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

// lateInitialize fills the spec fields an instance always has a value for,
// except redisVersion: a version written into the spec would ask for a
// downgrade after every upgrade Memorystore makes by itself.
func lateInitialize(spec *v1alpha1.InstanceParameters, got v1alpha1.InstanceParameters) bool {
	changed := false
	fill := func(s **string, g *string) {
		if *s == nil && ptr.Deref(g, "") != "" {
			*s, changed = ptr.To(*g), true
		}
	}
	fill(&spec.TransitEncryptionMode, got.TransitEncryptionMode)
	fill(&spec.ConnectMode, got.ConnectMode)
	fill(&spec.AuthorizedNetwork, got.AuthorizedNetwork)
	if spec.AuthEnabled == nil && got.AuthEnabled != nil {
		spec.AuthEnabled, changed = ptr.To(*got.AuthEnabled), true
	}
	if spec.Tier == v1alpha1.TierStandardHA && got.Tier == v1alpha1.TierStandardHA {
		fill(&spec.ReadReplicasMode, got.ReadReplicasMode)
		if spec.ReplicaCount == nil && ptr.Deref(got.ReplicaCount, 0) > 0 {
			spec.ReplicaCount, changed = ptr.To(*got.ReplicaCount), true
		}
	}
	return changed
}

// createInstance is the instance to create from the desired parameters.
func createInstance(p v1alpha1.InstanceParameters) *redis.Instance {
	in := &redis.Instance{
		Tier:                  p.Tier,
		MemorySizeGb:          p.MemorySizeGb,
		RedisVersion:          ptr.Deref(p.RedisVersion, ""),
		ReplicaCount:          ptr.Deref(p.ReplicaCount, 0),
		ReadReplicasMode:      ptr.Deref(p.ReadReplicasMode, ""),
		AuthEnabled:           ptr.Deref(p.AuthEnabled, false),
		TransitEncryptionMode: ptr.Deref(p.TransitEncryptionMode, ""),
		ConnectMode:           ptr.Deref(p.ConnectMode, ""),
		AuthorizedNetwork:     ptr.Deref(p.AuthorizedNetwork, ""),
		MaintenancePolicy:     maintenancePolicy(p.MaintenancePolicy),
		RedisConfigs:          p.RedisConfigs,
		Labels:                p.Labels,
		DisplayName:           ptr.Deref(p.DisplayName, ""),
	}
	return in
}

func maintenancePolicy(p *v1alpha1.MaintenancePolicy) *redis.MaintenancePolicy {
	if p == nil {
		return nil
	}
	out := &redis.MaintenancePolicy{}
	for _, w := range p.WeeklyMaintenanceWindow {
		// Hours 0 must be sent: midnight is a start time too.
		out.WeeklyMaintenanceWindow = append(out.WeeklyMaintenanceWindow, &redis.WeeklyMaintenanceWindow{
			Day: w.Day, StartTime: &redis.TimeOfDay{Hours: w.StartTime.Hours, ForceSendFields: []string{"Hours"}},
		})
	}
	return out
}

// patchFields are the drifted fields a patch sends, in a stable order.
var patchFields = []string{fieldMemory, fieldReplicaCount, fieldAuthEnabled, fieldMaintenancePolicy, fieldRedisConfigs, fieldLabels, fieldDisplayName}

// patchRequest sends only the fields that differ, named by the
// updateMask; nil when none of them is a patch's (an upgrade has a call
// of its own). Values that JSON would drop (false, "", {}) are forced.
func patchRequest(want v1alpha1.InstanceParameters, fields []string) (*redis.Instance, string) {
	in := &redis.Instance{}
	var mask []string
	for _, f := range patchFields {
		if !slices.Contains(fields, f) {
			continue
		}
		mask = append(mask, f)
		switch f {
		case fieldMemory:
			in.MemorySizeGb = want.MemorySizeGb
		case fieldReplicaCount:
			in.ReplicaCount = *want.ReplicaCount
		case fieldAuthEnabled:
			in.AuthEnabled = *want.AuthEnabled
			in.ForceSendFields = append(in.ForceSendFields, "AuthEnabled")
		case fieldMaintenancePolicy:
			in.MaintenancePolicy = maintenancePolicy(want.MaintenancePolicy)
		case fieldRedisConfigs:
			in.RedisConfigs = want.RedisConfigs
			in.ForceSendFields = append(in.ForceSendFields, "RedisConfigs")
		case fieldLabels:
			in.Labels = want.Labels
			in.ForceSendFields = append(in.ForceSendFields, "Labels")
		case fieldDisplayName:
			in.DisplayName = *want.DisplayName
			in.ForceSendFields = append(in.ForceSendFields, "DisplayName")
		}
	}
	if len(mask) == 0 {
		return nil, ""
	}
	return in, strings.Join(mask, ",")
}

// busy says whether Memorystore is in the middle of something: it refuses
// changes until the instance is READY and the provider's own operation is
// done.
func busy(state string, op *v1alpha1.Operation) bool { return state != stateReady || op != nil }

// condition is the Ready condition a state gives: Available only when the
// instance is READY, otherwise the state as Memorystore names it.
func condition(state, message string) xpv2.Condition {
	say := "Memorystore reports the instance " + state
	if message != "" {
		say += ": " + message
	}
	switch state {
	case stateReady:
		return xpv2.Available()
	case stateCreating:
		return xpv2.Creating().WithMessage(say)
	case stateDeleting:
		return xpv2.Deleting().WithMessage(say)
	default:
		return xpv2.Unavailable().WithMessage(say)
	}
}

// observation is what status.atProvider shows of an instance.
func observation(in *redis.Instance) v1alpha1.InstanceObservation {
	o := v1alpha1.InstanceObservation{
		Name:                  in.Name,
		State:                 in.State,
		StatusMessage:         in.StatusMessage,
		Host:                  in.Host,
		Port:                  in.Port,
		ReadEndpoint:          in.ReadEndpoint,
		ReadEndpointPort:      in.ReadEndpointPort,
		LocationID:            in.LocationId,
		CurrentLocationID:     in.CurrentLocationId,
		RedisVersion:          in.RedisVersion,
		MemorySizeGb:          in.MemorySizeGb,
		ReplicaCount:          in.ReplicaCount,
		AuthEnabled:           in.AuthEnabled,
		TransitEncryptionMode: in.TransitEncryptionMode,
		MaintenanceVersion:    in.MaintenanceVersion,
		Labels:                in.Labels,
		CreateTime:            timestamp(in.CreateTime),
	}
	for _, c := range in.ServerCaCerts {
		if t := timestamp(c.ExpireTime); t != nil && (o.ServerCACertExpireTime == nil || t.Before(o.ServerCACertExpireTime)) {
			o.ServerCACertExpireTime = t
		}
	}
	return o
}

func timestamp(s string) *metav1.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	return &metav1.Time{Time: t}
}

// serverCA is the PEM of the CAs that sign the instance's server
// certificates, "" without TLS.
func serverCA(in *redis.Instance) string {
	if in.TransitEncryptionMode != v1alpha1.TransitEncryptionServerAuthentication {
		return ""
	}
	var pem strings.Builder
	for _, c := range in.ServerCaCerts {
		cert := strings.TrimSpace(c.Cert)
		if cert == "" {
			continue
		}
		pem.WriteString(cert)
		pem.WriteString("\n")
	}
	return pem.String()
}

// connectionDetails follow the provider's connection Secret contract: see
// docs/connection-secrets.md. password and url are credentials, published
// only once they work: when the instance is settled (READY, no operation
// of the provider's running) and, with AUTH, its AUTH string (auth) was
// read. Otherwise they are left out and the Secret keeps the ones it has
// (publishing merges keys into the Secret, never removes one): while AUTH
// is turned on or off, neither the new string nor a url without it works
// yet.
func connectionDetails(in *redis.Instance, auth string, settled bool) managed.ConnectionDetails {
	if in.Host == "" {
		return nil
	}
	port := strconv.FormatInt(in.Port, 10)
	cd := managed.ConnectionDetails{
		"host":     []byte(in.Host),
		"port":     []byte(port),
		"endpoint": []byte(in.Host),
	}
	if in.ReadEndpoint != "" {
		cd["readerHost"] = []byte(in.ReadEndpoint)
		cd["readerPort"] = []byte(strconv.FormatInt(in.ReadEndpointPort, 10))
	}
	tls := in.TransitEncryptionMode == v1alpha1.TransitEncryptionServerAuthentication
	if ca := serverCA(in); ca != "" {
		cd["ca.crt"] = []byte(ca)
	}
	if !settled || (in.AuthEnabled && auth == "") {
		return cd
	}
	u := url.URL{Scheme: "redis", Host: in.Host + ":" + port}
	if tls {
		u.Scheme = "rediss"
	}
	if in.AuthEnabled {
		u.User = url.UserPassword("default", auth)
		cd["password"] = []byte(auth)
	}
	cd["url"] = []byte(u.String())
	return cd
}
