package elasticache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

func (s *Service) statePath() string { return filepath.Join(s.cfg.DataDir, "state.json") }

func (s *Service) load() error {
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create the ElastiCache data dir: %w", err)
	}
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the saved ElastiCache state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("cannot parse the saved ElastiCache state %s: %w", s.statePath(), err)
	}
	for _, g := range st.Groups {
		if len(g.Members) == 0 {
			return fmt.Errorf("the saved ElastiCache state %s has a group without members: %s", s.statePath(), g.ID)
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

// save writes the whole state. saveMu orders concurrent saves; each reads
// the state after taking it, so the last write is never older than a
// change that triggered an earlier one.
func (s *Service) save() {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
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
	// Encoded under the lock: the copies share slices with the live state.
	b, err := json.MarshalIndent(st, "", "  ")
	s.mu.Unlock()
	if err != nil {
		s.cfg.Logf("elasticache: cannot encode the state: %v", err)
		return
	}
	tmp := s.statePath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		s.cfg.Logf("elasticache: cannot save the state: %v", err)
		return
	}
	if err := os.Rename(tmp, s.statePath()); err != nil {
		s.cfg.Logf("elasticache: cannot save the state: %v", err)
	}
}
