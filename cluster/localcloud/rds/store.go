package rds

import "github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"

// state is what survives a restart, as JSON in DataDir/state.json.
type state struct {
	Instances []*instance
	Snapshots []*snapshot
	// SubnetGroups is absent from state saved before there were any.
	SubnetGroups []*subnetGroup `json:",omitempty"`
}

func (s *Service) load() error {
	var st state
	if _, err := s.store.Load(&st); err != nil {
		return err
	}
	for _, in := range st.Instances {
		s.instances[in.ID] = in
	}
	for _, sn := range st.Snapshots {
		s.snapshots[sn.ID] = sn
	}
	for _, g := range st.SubnetGroups {
		s.subnetGroups[g.Name] = g
	}
	return nil
}

// save writes the whole state, each instance with its current status.
func (s *Service) save() {
	err := s.store.Save(func() any {
		return state{
			Instances:    statefile.Records(s.instances, func(in *instance) { in.Status = s.status(in.ID) }),
			Snapshots:    statefile.Records(s.snapshots, nil),
			SubnetGroups: statefile.Records(s.subnetGroups, nil),
		}
	})
	if err != nil {
		s.cfg.Logf("rds: %v", err)
	}
}
