package elasticache

import (
	"fmt"
	"slices"
	"strings"
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
		st := state{}
		for _, g := range s.groups {
			c := *g
			c.Status = s.status(g.ID)
			c.Members = cloneMembers(g.Members)
			st.Groups = append(st.Groups, &c)
		}
		for _, sn := range s.snapshots {
			c := *sn
			st.Snapshots = append(st.Snapshots, &c)
		}
		for _, sg := range s.subnetGroups {
			c := *sg
			st.SubnetGroups = append(st.SubnetGroups, &c)
		}
		slices.SortFunc(st.Groups, func(a, b *group) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(st.Snapshots, func(a, b *snapshot) int { return strings.Compare(a.Name, b.Name) })
		slices.SortFunc(st.SubnetGroups, func(a, b *subnetGroup) int { return strings.Compare(a.Name, b.Name) })
		return st
	})
	if err != nil {
		s.cfg.Logf("elasticache: %v", err)
	}
}
