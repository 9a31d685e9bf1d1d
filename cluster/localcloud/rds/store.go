package rds

import "sort"

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
		st := state{}
		for _, in := range s.instances {
			c := *in
			c.Status = s.status(in.ID)
			st.Instances = append(st.Instances, &c)
		}
		for _, sn := range s.snapshots {
			c := *sn
			st.Snapshots = append(st.Snapshots, &c)
		}
		for _, g := range s.subnetGroups {
			c := *g
			st.SubnetGroups = append(st.SubnetGroups, &c)
		}
		sort.Slice(st.Instances, func(i, j int) bool { return st.Instances[i].ID < st.Instances[j].ID })
		sort.Slice(st.Snapshots, func(i, j int) bool { return st.Snapshots[i].ID < st.Snapshots[j].ID })
		sort.Slice(st.SubnetGroups, func(i, j int) bool { return st.SubnetGroups[i].Name < st.SubnetGroups[j].Name })
		return st
	})
	if err != nil {
		s.cfg.Logf("rds: %v", err)
	}
}
