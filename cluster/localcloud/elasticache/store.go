package elasticache

import (
	"fmt"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// state is what survives a restart, as JSON in DataDir/state.json. It
// holds no secret: the tokens' hashes and the nodes' admin secret are in
// each group's auth file.
type state struct {
	Groups    []*group
	Snapshots []*snapshot
	// SubnetGroups is absent from state saved before there were any.
	SubnetGroups []*subnetGroup `json:",omitempty"`
}

func (s *Service) load() error {
	var st state
	if _, err := s.store.Load(&st); err != nil {
		return err
	}
	for _, g := range st.Groups {
		if len(g.Members) == 0 {
			return fmt.Errorf("the saved ElastiCache state %s has a group without members: %s", s.store.Path(), g.ID)
		}
		s.groups[g.ID] = g
	}
	for _, sn := range st.Snapshots {
		s.snapshots[sn.Name] = sn
	}
	for _, sg := range st.SubnetGroups {
		s.subnetGroups[sg.Name] = sg
	}
	return nil
}

// save writes the whole state, each group with its current status.
func (s *Service) save() {
	err := s.store.Save(func() any {
		return state{
			Groups: statefile.Records(s.groups, func(g *group) {
				g.Status = s.status(g.ID)
				g.Members = cloneMembers(g.Members)
			}),
			Snapshots:    statefile.Records(s.snapshots, nil),
			SubnetGroups: statefile.Records(s.subnetGroups, nil),
		}
	})
	if err != nil {
		s.cfg.Logf("elasticache: %v", err)
	}
}
