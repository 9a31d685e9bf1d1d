package elasticache

import (
	"regexp"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

var (
	groupIDRE    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	snapshotRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	nodeTypeRE   = regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`)
	windowRE     = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$`)
	maintWinRE   = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$`)
	tokenCharsRE = regexp.MustCompile(`^[A-Za-z0-9!&#$^<>-]+$`)
)

// Limits of a replication group with cluster mode disabled.
const (
	maxNodes    = 6
	maxReplicas = maxNodes - 1
	maxTags     = 50
)

// groupID lower-cases and checks a replication group id: ElastiCache
// stores ids in lower case and answers to any case.
func groupID(v string) (string, error) {
	v = strings.ToLower(v)
	if len(v) > 40 || !groupIDRE.MatchString(v) {
		return "", awsquery.InvalidParameterValue("The parameter ReplicationGroupId is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; must be at most 40 characters; and must not end with a hyphen or contain two consecutive hyphens.")
	}
	return v, nil
}

func validateSnapshotName(param, v string) error {
	if len(v) > 255 || !snapshotRE.MatchString(v) || strings.HasSuffix(v, "-") || strings.Contains(v, "--") {
		return awsquery.InvalidParameterValue("The parameter %s is not a valid snapshot name: it must begin with a letter and contain only ASCII letters, digits and single hyphens, and not end with a hyphen.", param)
	}
	return nil
}

func validateNodeType(t string) error {
	if !nodeTypeRE.MatchString(t) {
		return awsquery.InvalidParameterValue("Invalid CacheNodeType: %s", t)
	}
	return nil
}

// validateToken applies ElastiCache's rules for AUTH tokens. The message
// never repeats the token.
func validateToken(t string) error {
	if len(t) < 16 || len(t) > 128 || !tokenCharsRE.MatchString(t) {
		return awsquery.InvalidParameterValue("Invalid AuthToken: it must be 16 to 128 printable characters, and its only non-alphanumeric characters may be !, &, #, $, ^, <, > and -.")
	}
	return nil
}

func validateRetention(days int32) error {
	if days < 0 || days > 35 {
		return awsquery.InvalidParameterValue("Invalid SnapshotRetentionLimit %d: must be between 0 and 35 days.", days)
	}
	return nil
}

func validateSnapshotWindow(w string) error {
	if !windowRE.MatchString(w) {
		return awsquery.InvalidParameterValue("The parameter SnapshotWindow must be in the format hh24:mi-hh24:mi.")
	}
	return nil
}

func validateMaintenanceWindow(w string) error {
	if !maintWinRE.MatchString(strings.ToLower(w)) {
		return awsquery.InvalidParameterValue("The parameter PreferredMaintenanceWindow must be in the format ddd:hh24:mi-ddd:hh24:mi.")
	}
	return nil
}

// tagsParam reads Tags.Tag.N.Key/Value.
func tagsParam(r *awsquery.Request) ([]tag, error) {
	var out []tag
	for _, m := range r.Structs("Tags.Tag") {
		k := m["Key"]
		if k == "" {
			return nil, awsquery.InvalidParameterValue("Tag keys must not be empty.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, awsquery.InvalidParameterValue("Tag keys must not start with \"aws:\": %s", k)
		}
		out = setTags(out, []tag{{Key: k, Value: m["Value"]}})
	}
	if len(out) > maxTags {
		return nil, errTagQuota()
	}
	return out, nil
}

func errTagQuota() error {
	return awsquery.Errorf(400, "TagQuotaPerResourceExceeded", "A resource can have at most %d tags.", maxTags)
}

// major is an engine version's major version: 7 of 7.0.15 or 7.1.
func major(version string) string {
	m, _, _ := strings.Cut(version, ".")
	return m
}

func optional(r *awsquery.Request, name string) *string {
	v, ok := r.String(name)
	if !ok {
		return nil
	}
	return &v
}
