package rds

import (
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

var (
	identifierRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	usernameRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	dbNameRE     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	classRE      = regexp.MustCompile(`^db\.[a-z0-9-]+\.[a-z0-9-]+$`)
	backupWinRE  = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$`)
	maintWinRE   = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$`)
)

// identifier lowercases and checks a DB instance or snapshot identifier,
// as RDS stores identifiers in lower case.
func identifier(param, v string) (string, error) {
	v = strings.ToLower(v)
	if len(v) > 63 || !identifierRE.MatchString(v) {
		return "", awsquery.InvalidParameterValue("The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", param)
	}
	return v, nil
}

func validatePassword(p string) error {
	ok := len(p) >= 8 && len(p) <= 128
	for _, r := range p {
		if r < 0x21 || r > 0x7e || strings.ContainsRune(`/"@`, r) {
			ok = false
		}
	}
	if !ok {
		return awsquery.InvalidParameterValue("The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used, and it must contain from 8 to 128 characters.")
	}
	return nil
}

func validateUsername(u string) error {
	if !usernameRE.MatchString(u) {
		return awsquery.InvalidParameterValue("The parameter MasterUsername is not a valid identifier: it must begin with a letter, contain only letters, digits and underscores, and be 1 to 63 characters long.")
	}
	if strings.EqualFold(u, adminUser) {
		return awsquery.InvalidParameterValue("MasterUsername %s cannot be used as it is a reserved word used by the engine", u)
	}
	return nil
}

func validateDBName(n string) error {
	if !dbNameRE.MatchString(n) || strings.HasPrefix(strings.ToLower(n), "template") {
		return awsquery.InvalidParameterValue("The parameter DBName is not a valid identifier: it must begin with a letter, contain only letters, digits and underscores, and be 1 to 63 characters long.")
	}
	return nil
}

func validateClass(c string) error {
	if !classRE.MatchString(c) {
		return awsquery.InvalidParameterValue("Invalid DB Instance class: %s", c)
	}
	return nil
}

// validateStorage applies RDS's gp2 limits for PostgreSQL.
func validateStorage(engine, storageType string, gib int32) error {
	if gib < 20 || gib > 65536 {
		return awsquery.InvalidParameterValue("Invalid storage size for engine name %s and storage type %s: %d", engine, storageType, gib)
	}
	return nil
}

func validateRetention(days int32) error {
	if days < 0 || days > 35 {
		return awsquery.InvalidParameterValue("Invalid backup retention period %d: must be between 0 and 35 days.", days)
	}
	return nil
}

func validateBackupWindow(w string) error {
	if !backupWinRE.MatchString(w) {
		return awsquery.InvalidParameterValue("The parameter PreferredBackupWindow must be in the format hh24:mi-hh24:mi.")
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
	if len(out) > 50 {
		return nil, awsquery.InvalidParameterValue("A resource can have at most 50 tags.")
	}
	return out, nil
}

// major returns an engine version's major version: one number for
// PostgreSQL (15 of 15.18), two for MySQL and MariaDB (8.0 of 8.0.35).
func major(engine, version string) string {
	parts := strings.SplitN(version, ".", 3)
	if engine != "postgres" && len(parts) > 1 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

var storageTypes = []string{"gp2", "gp3", "io1", "io2", "standard"}

func validateStorageType(engine, t string, iops *int32) error {
	if !slices.Contains(storageTypes, t) {
		return awsquery.InvalidParameterValue("Invalid storage type: %s", t)
	}
	if iops != nil && (t == "gp2" || t == "standard") {
		return awsquery.InvalidParameterCombination("You can't specify IOPS or storage throughput for engine %s and a storage type of %s.", engine, t)
	}
	return nil
}

// validatePort applies RDS's range and refuses a port already taken here,
// so the instance's endpoint is the port that was asked for.
func validatePort(port int32) error {
	if port < 1150 || port > 65535 {
		return awsquery.InvalidParameterValue("Invalid port %d: must be between 1150 and 65535.", port)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return awsquery.InvalidParameterValue("Port %d is in use on this machine; choose another port or leave it unset.", port)
	}
	return l.Close()
}

// adminUser is reserved: the engines use it to administer instances, as
// RDS reserves rdsadmin.
const adminUser = "rdsadmin"
