package rds

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// createDBInstance validates synchronously (as RDS does) and answers
// "creating"; the engine starts in the background.
func (s *Service) createDBInstance(_ context.Context, r *awsquery.Request) (any, error) {
	in, err := s.newInstance(r)
	if err != nil {
		return nil, err
	}
	vpcs := s.lookupSecurityGroups(in.VpcSecurityGroupIDs)
	zone, _ := r.String("AvailabilityZone")
	s.mu.Lock()
	if _, ok := s.instances[in.ID]; ok {
		s.mu.Unlock()
		return nil, awsquery.Errorf(400, "DBInstanceAlreadyExists", "DB instance already exists")
	}
	if err := s.place(in, zone, vpcs); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.instances[in.ID] = in
	s.machine.Start(key(in.ID), s.createTransition(in.ID, true))
	out := dbInstanceResult{DBInstance: s.dbInstanceXML(in, s.status(in.ID))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// newInstance reads CreateDBInstance's parameters. Parameters the local
// cloud does not model (parameter groups, option groups, monitoring...) are
// accepted and not reported back.
func (s *Service) newInstance(r *awsquery.Request) (*instance, error) {
	id, err := r.Required("DBInstanceIdentifier")
	if err != nil {
		return nil, err
	}
	if id, err = identifier("DBInstanceIdentifier", id); err != nil {
		return nil, err
	}
	in := &instance{
		ID:                         id,
		ResourceID:                 resourceID(),
		StorageType:                "gp2",
		AvailabilityZone:           s.cfg.Region + "a",
		AutoMinorVersionUpgrade:    true,
		BackupRetentionPeriod:      1,
		PreferredBackupWindow:      "03:00-03:30",
		PreferredMaintenanceWindow: "sun:05:00-sun:05:30",
	}
	if in.Class, err = r.Required("DBInstanceClass"); err != nil {
		return nil, err
	}
	if err := validateClass(in.Class); err != nil {
		return nil, err
	}
	if in.Engine, err = r.Required("Engine"); err != nil {
		return nil, err
	}
	in.Engine = strings.ToLower(in.Engine)
	if err := s.engineVersion(r, in); err != nil {
		return nil, err
	}
	if err := s.credentials(r, in); err != nil {
		return nil, err
	}
	if err := s.storage(r, in); err != nil {
		return nil, err
	}
	if err := s.options(r, in); err != nil {
		return nil, err
	}
	in.Tags, err = tagsParam(r)
	return in, err
}

// engineVersion checks the engine can run here and that a requested
// version has the installed major version. The instance reports the
// installed version unless a minor version was asked for, which it reports
// as RDS would (the installed server runs either way).
func (s *Service) engineVersion(r *awsquery.Request, in *instance) error {
	switch in.Engine {
	case "postgres", "mysql", "mariadb":
	default:
		return awsquery.InvalidParameterValue("Invalid DB engine: %s", in.Engine)
	}
	installed, err := s.cfg.Engines.Check(in.Engine)
	if err != nil {
		return awsquery.InvalidParameterCombination("Engine %s is not available in this local cloud: %v", in.Engine, err)
	}
	in.EngineVersion = installed
	if want, ok := r.String("EngineVersion"); ok && want != "" {
		if major(in.Engine, want) != major(in.Engine, installed) {
			return awsquery.InvalidParameterCombination("Cannot find version %s for %s", want, in.Engine)
		}
		if want != major(in.Engine, want) {
			in.EngineVersion = want
		}
	}
	in.ParameterGroup = "default." + in.Engine + major(in.Engine, installed)
	if g, ok := r.String("DBParameterGroupName"); ok && g != "" {
		in.ParameterGroup = g
	}
	return nil
}

func (s *Service) credentials(r *awsquery.Request, in *instance) error {
	var err error
	if in.MasterUsername, err = r.Required("MasterUsername"); err != nil {
		return err
	}
	if err := validateUsername(in.MasterUsername); err != nil {
		return err
	}
	if manage, _ := r.Bool("ManageMasterUserPassword"); manage != nil && *manage {
		return awsquery.InvalidParameterCombination("ManageMasterUserPassword is not supported by the local cloud: set MasterUserPassword.")
	}
	if in.initialPassword, err = r.Required("MasterUserPassword"); err != nil {
		return err
	}
	if err := validatePassword(in.initialPassword); err != nil {
		return err
	}
	if n, ok := r.String("DBName"); ok && n != "" {
		if err := validateDBName(n); err != nil {
			return err
		}
		in.DBName = n
	}
	return nil
}

func (s *Service) storage(r *awsquery.Request, in *instance) error {
	gib, err := r.Int("AllocatedStorage")
	if err != nil {
		return err
	}
	if gib == nil {
		return awsquery.MissingParameter("AllocatedStorage")
	}
	if t, ok := r.String("StorageType"); ok && t != "" {
		in.StorageType = t
	}
	if in.Iops, err = r.Int("Iops"); err != nil {
		return err
	}
	if err := validateStorageType(in.Engine, in.StorageType, in.Iops); err != nil {
		return err
	}
	if err := validateStorage(in.Engine, in.StorageType, *gib); err != nil {
		return err
	}
	in.AllocatedStorage = *gib
	if in.MaxAllocatedStorage, err = r.Int("MaxAllocatedStorage"); err != nil {
		return err
	}
	if in.MaxAllocatedStorage != nil && *in.MaxAllocatedStorage <= in.AllocatedStorage {
		return awsquery.InvalidParameterCombination("Max storage size must be greater than storage size")
	}
	enc, err := r.Bool("StorageEncrypted")
	if err != nil {
		return err
	}
	if enc != nil && *enc {
		in.StorageEncrypted = true
		in.KmsKeyID, _ = r.String("KmsKeyId")
		if in.KmsKeyID == "" {
			in.KmsKeyID = "arn:aws:kms:" + s.cfg.Region + ":" + s.cfg.Account + ":alias/aws/rds"
		}
	}
	return nil
}

// options reads the settings ModifyDBInstance can change too.
func (s *Service) options(r *awsquery.Request, in *instance) error {
	for name, dst := range map[string]*bool{
		"MultiAZ": &in.MultiAZ, "PubliclyAccessible": &in.PubliclyAccessible, "AutoMinorVersionUpgrade": &in.AutoMinorVersionUpgrade,
		"DeletionProtection": &in.DeletionProtection, "CopyTagsToSnapshot": &in.CopyTagsToSnapshot,
	} {
		v, err := r.Bool(name)
		if err != nil {
			return err
		}
		if v != nil {
			*dst = *v
		}
	}
	days, err := r.Int("BackupRetentionPeriod")
	if err != nil {
		return err
	}
	if days != nil {
		if err := validateRetention(*days); err != nil {
			return err
		}
		in.BackupRetentionPeriod = *days
	}
	if w, ok := r.String("PreferredBackupWindow"); ok {
		if err := validateBackupWindow(w); err != nil {
			return err
		}
		in.PreferredBackupWindow = w
	}
	if w, ok := r.String("PreferredMaintenanceWindow"); ok {
		if err := validateMaintenanceWindow(w); err != nil {
			return err
		}
		in.PreferredMaintenanceWindow = strings.ToLower(w)
	}
	if az, ok := r.String("AvailabilityZone"); ok && az != "" {
		in.AvailabilityZone = az
	}
	port, err := r.Int("Port")
	if err != nil {
		return err
	}
	if port != nil {
		if err := validatePort(*port); err != nil {
			return err
		}
		in.Port, in.AskedPort = *port, *port
	}
	in.VpcSecurityGroupIDs = r.List("VpcSecurityGroupIds.VpcSecurityGroupId")
	if g, ok := r.String("DBSubnetGroupName"); ok && g != "" {
		in.SubnetGroup = strings.ToLower(g)
	}
	return nil
}

// describeDBInstances lists instances, one or all, a page at a time.
func (s *Service) describeDBInstances(_ context.Context, r *awsquery.Request) (any, error) {
	ids, err := s.instanceFilter(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*instance
	for _, in := range s.instances {
		if ids == nil || ids[in.ID] {
			list = append(list, in)
		}
	}
	if id, ok := r.String("DBInstanceIdentifier"); ok && len(list) == 0 {
		return nil, errInstanceNotFound(id)
	}
	list, next, err := page(r, list, func(in *instance) string { return in.ID })
	if err != nil {
		return nil, err
	}
	out := describeDBInstancesResult{Marker: next}
	for _, in := range list {
		out.DBInstances = append(out.DBInstances, s.dbInstanceXML(in, s.status(in.ID)))
	}
	return out, nil
}

// instanceFilter returns the ids DBInstanceIdentifier and the
// db-instance-id filter ask for; nil means all.
func (s *Service) instanceFilter(r *awsquery.Request) (map[string]bool, error) {
	var ids map[string]bool
	if id, ok := r.String("DBInstanceIdentifier"); ok {
		ids = map[string]bool{s.instanceID(id): true}
	}
	for _, f := range r.Structs("Filters.Filter") {
		if f["Name"] != "db-instance-id" {
			return nil, awsquery.InvalidParameterValue("Unrecognized filter name: %s. The local cloud supports db-instance-id.", f["Name"])
		}
		want := map[string]bool{}
		for k, v := range f {
			if strings.HasPrefix(k, "Values.Value.") {
				want[s.instanceID(v)] = true
			}
		}
		if ids != nil {
			for id := range ids {
				ids[id] = ids[id] && want[id]
			}
			continue
		}
		ids = want
	}
	return ids, nil
}

// instanceID accepts an identifier or an instance ARN.
func (s *Service) instanceID(v string) string {
	if strings.HasPrefix(v, "arn:") {
		if kind, id, local, err := s.parseARN(v); err == nil && local && kind == "db" {
			return id
		}
		return ""
	}
	return strings.ToLower(v)
}

// resourceID returns an id shaped like RDS's DbiResourceId.
func resourceID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 26)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "db-" + string(b)
}
