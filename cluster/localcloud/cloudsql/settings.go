package cloudsql

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

// versions are the database versions the local cloud runs.
var versions = []string{"POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"}

// SSL modes, and the requireSsl each allows (Cloud SQL's IpConfiguration).
const (
	sslAllow         = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
	sslEncryptedOnly = "ENCRYPTED_ONLY"
	sslClientCert    = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
)

// Disk sizes Cloud SQL accepts, in GB.
const (
	minDiskGB     = 10
	maxDiskGB     = 65536
	defaultDiskGB = 10
)

var instanceName = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

func invalid(format string, args ...any) error {
	return gcpapi.Errorf(http.StatusBadRequest, "invalid", "Invalid request: "+format, args...)
}

func validateName(name string) error {
	if !instanceName.MatchString(name) || len(name) > 98 {
		return invalid("Instance name %q must start with a lowercase letter, contain only lowercase letters, numbers and hyphens, not end with a hyphen, and be at most 98 characters long.", name)
	}
	return nil
}

// settingsOf reads the settings of a request's JSON object: the typed
// value, and which fields it names (a false or a zero is a value in a
// patch, and Google's JSON clients leave zero values out).
func settingsOf(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, gcpapi.Errorf(http.StatusBadRequest, "parseError", "Invalid JSON payload received. %v", err)
	}
	return m, nil
}

// decodeSettings turns a JSON object into Settings.
func decodeSettings(m map[string]any) (*sqladmin.Settings, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var st sqladmin.Settings
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, gcpapi.Errorf(http.StatusBadRequest, "parseError", "Invalid JSON payload received. %v", err)
	}
	return &st, nil
}

// merge overlays patch on base, as a patch merges a request with an
// instance's settings: objects field by field, anything else (lists
// included) replaced, a null cleared.
func merge(base, patch map[string]any) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			bv, _ := out[k].(map[string]any)
			out[k] = merge(bv, pv)
		default:
			out[k] = v
		}
	}
	return out
}

func toMap(st *sqladmin.Settings) map[string]any {
	b, _ := json.Marshal(st)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// withDefaults fills what Cloud SQL fills when a request leaves it out;
// named are the fields the request named (a false storageAutoResize is a
// value, an absent one defaults to true). A new instance gets a public
// address unless ipv4Enabled is sent false; an update (PUT) replaces the
// settings, so there an absent ipv4Enabled is false, as any absent
// boolean is.
func withDefaults(st *sqladmin.Settings, named map[string]any, region string, insert bool) *sqladmin.Settings {
	st.Kind = "sql#settings"
	if st.DataDiskSizeGb == 0 {
		st.DataDiskSizeGb = defaultDiskGB
	}
	if st.DataDiskType == "" {
		st.DataDiskType = "PD_SSD"
	}
	if _, ok := named["storageAutoResize"]; !ok {
		st.StorageAutoResize = new(bool)
		*st.StorageAutoResize = true
	}
	if st.AvailabilityType == "" {
		st.AvailabilityType = "ZONAL"
	}
	if st.ActivationPolicy == "" {
		st.ActivationPolicy = "ALWAYS"
	}
	if st.PricingPlan == "" {
		st.PricingPlan = "PER_USE"
	}
	if st.ReplicationType == "" {
		st.ReplicationType = "SYNCHRONOUS"
	}
	if st.Edition == "" {
		st.Edition = "ENTERPRISE"
	}
	if st.ConnectorEnforcement == "" {
		st.ConnectorEnforcement = "NOT_REQUIRED"
	}
	if st.BackupConfiguration == nil {
		st.BackupConfiguration = &sqladmin.BackupConfiguration{}
	}
	st.BackupConfiguration.Kind = "sql#backupConfiguration"
	if st.BackupConfiguration.StartTime == "" {
		st.BackupConfiguration.StartTime = "06:00"
	}
	if st.MaintenanceWindow == nil {
		st.MaintenanceWindow = &sqladmin.MaintenanceWindow{}
	}
	st.MaintenanceWindow.Kind = "sql#maintenanceWindow"
	if st.LocationPreference == nil {
		st.LocationPreference = &sqladmin.LocationPreference{}
	}
	st.LocationPreference.Kind = "sql#locationPreference"
	if st.LocationPreference.Zone == "" {
		st.LocationPreference.Zone = region + "-a"
	}
	ipNamed, _ := named["ipConfiguration"].(map[string]any)
	if st.IpConfiguration == nil {
		st.IpConfiguration = &sqladmin.IpConfiguration{}
	}
	ip := st.IpConfiguration
	if _, ok := ipNamed["ipv4Enabled"]; !ok && insert {
		ip.Ipv4Enabled = true
	}
	if ip.SslMode == "" {
		ip.SslMode = sslAllow
		if ip.RequireSsl {
			ip.SslMode = sslClientCert
		}
	}
	if ip.ServerCaMode == "" {
		ip.ServerCaMode = "GOOGLE_MANAGED_INTERNAL_CA"
	}
	for _, n := range ip.AuthorizedNetworks {
		n.Kind = "sql#aclEntry"
	}
	return st
}

// validate applies Cloud SQL's rules to an instance's settings.
func validate(version, region string, st *sqladmin.Settings) error {
	if st.Tier == "" {
		return invalid("Missing tier: settings.tier is required.")
	}
	if !validTier(st.Tier, st.Edition) {
		return invalid("Invalid Tier (%s) for (%s) Edition (%s). Use sql.tiers.list to get the available tiers.", st.Tier, version, st.Edition)
	}
	if st.DataDiskSizeGb < minDiskGB || st.DataDiskSizeGb > maxDiskGB {
		return invalid("Disk size %d GB is out of range: it must be between %d and %d GB.", st.DataDiskSizeGb, minDiskGB, maxDiskGB)
	}
	if !slices.Contains([]string{"PD_SSD", "PD_HDD", "HYPERDISK_BALANCED"}, st.DataDiskType) {
		return invalid("Invalid data disk type %s.", st.DataDiskType)
	}
	if st.StorageAutoResizeLimit != 0 && st.StorageAutoResizeLimit < st.DataDiskSizeGb {
		return invalid("The storage auto resize limit (%d GB) cannot be smaller than the disk size (%d GB).", st.StorageAutoResizeLimit, st.DataDiskSizeGb)
	}
	if !slices.Contains([]string{"ZONAL", "REGIONAL"}, st.AvailabilityType) {
		return invalid("Invalid availability type %s.", st.AvailabilityType)
	}
	if !slices.Contains([]string{"ALWAYS", "NEVER"}, st.ActivationPolicy) {
		return invalid("Invalid activation policy %s: the local cloud knows ALWAYS and NEVER.", st.ActivationPolicy)
	}
	if z := st.LocationPreference.Zone; !strings.HasPrefix(z, region+"-") {
		return invalid("Invalid zone %s for region %s.", z, region)
	}
	if b := st.BackupConfiguration; b.StartTime != "" && !validHHMM(b.StartTime) {
		return invalid("Invalid backup start time %q: HH:MM in UTC.", b.StartTime)
	}
	if b := st.BackupConfiguration; b.PointInTimeRecoveryEnabled && !b.Enabled {
		return invalid("Point-in-time recovery requires backups to be enabled.")
	}
	if w := st.MaintenanceWindow; w.Day < 0 || w.Day > 7 || w.Hour < 0 || w.Hour > 23 {
		return invalid("Invalid maintenance window: day is 1 (Monday) to 7, hour 0 to 23.")
	}
	return validateIP(st.IpConfiguration)
}

func validateIP(ip *sqladmin.IpConfiguration) error {
	if !ip.Ipv4Enabled && ip.PrivateNetwork == "" {
		return invalid("At least one of Public IP or Private IP or PSC connectivity must be enabled.")
	}
	switch {
	case ip.SslMode == sslAllow && !ip.RequireSsl, ip.SslMode == sslEncryptedOnly && !ip.RequireSsl, ip.SslMode == sslClientCert && ip.RequireSsl:
	default:
		return invalid("Invalid combination of ssl_mode %s and require_ssl %t.", ip.SslMode, ip.RequireSsl)
	}
	for _, n := range ip.AuthorizedNetworks {
		if _, err := parseNetwork(n.Value); err != nil {
			return invalid("Invalid authorized network %q: an IPv4 address or CIDR range.", n.Value)
		}
	}
	if p := ip.PrivateNetwork; p != "" && !strings.Contains(p, "/global/networks/") {
		return invalid("Invalid private network %q: projects/PROJECT/global/networks/NETWORK.", p)
	}
	return nil
}

// parseNetwork reads an authorized network: an address or a CIDR range.
func parseNetwork(v string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(v); err == nil && p.Addr().Is4() {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, fmt.Errorf("not an IPv4 address or range")
	}
	return netip.PrefixFrom(a, 32), nil
}

func validHHMM(v string) bool {
	h, m, ok := strings.Cut(v, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	return ok && len(h) == 2 && len(m) == 2 && err1 == nil && err2 == nil && hh >= 0 && hh < 24 && mm >= 0 && mm < 60
}

var (
	customTier    = regexp.MustCompile(`^db-custom-(\d+)-(\d+)$`)
	standardTier  = regexp.MustCompile(`^db-n1-(standard|highmem)-(\d+)$`)
	perfOptimized = regexp.MustCompile(`^db-perf-optimized-N-(\d+)$`)
)

// validTier is Cloud SQL's machine types: shared-core db-f1-micro and
// db-g1-small, db-custom-CPUS-MEMORY_MB (1 or an even number of vCPUs up
// to 96; memory a multiple of 256 MB, 0.9 to 6.5 GB per vCPU, at least
// 3.75 GB) and the predefined n1 types on Enterprise; db-perf-optimized
// on Enterprise Plus.
func validTier(tier, edition string) bool {
	if edition == "ENTERPRISE_PLUS" {
		m := perfOptimized.FindStringSubmatch(tier)
		return m != nil && slices.Contains([]string{"2", "4", "8", "16", "32", "48", "64", "80", "96", "128"}, m[1])
	}
	if edition != "ENTERPRISE" {
		return false
	}
	switch tier {
	case "db-f1-micro", "db-g1-small":
		return true
	}
	if m := standardTier.FindStringSubmatch(tier); m != nil {
		return slices.Contains([]string{"1", "2", "4", "8", "16", "32", "64", "96"}, m[2]) && !(m[1] == "highmem" && m[2] == "1")
	}
	m := customTier.FindStringSubmatch(tier)
	if m == nil {
		return false
	}
	cpus, _ := strconv.Atoi(m[1])
	mb, _ := strconv.Atoi(m[2])
	if cpus < 1 || cpus > 96 || (cpus > 1 && cpus%2 != 0) {
		return false
	}
	return mb%256 == 0 && mb >= 3840 && float64(mb) >= 921.6*float64(cpus) && mb <= 6656*cpus
}
