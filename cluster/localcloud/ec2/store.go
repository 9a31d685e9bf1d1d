package ec2

// state is what survives a restart, as JSON in DataDir/state.json: the
// security groups, the default one included, as its rules may be changed.
type state struct {
	Groups []*group
}

// load reads the saved groups; a first start has none and gets the VPC's
// default group.
func (s *Service) load() error {
	var st state
	found, err := s.store.Load(&st)
	if err != nil {
		return err
	}
	if !found {
		g := defaultGroup(s.network.VPC)
		s.groups[g.ID] = g
		s.save()
		return nil
	}
	for _, g := range st.Groups {
		s.groups[g.ID] = g
	}
	return nil
}

// save writes the whole state.
func (s *Service) save() {
	if err := s.store.Save(func() any { return state{Groups: s.sortedGroups()} }); err != nil {
		s.cfg.Logf("ec2: %v", err)
	}
}
