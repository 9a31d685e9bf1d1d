package rds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// state is what survives a restart, as JSON in DataDir/state.json.
type state struct {
	Instances []*instance
	Snapshots []*snapshot
	// SubnetGroups is absent from state saved before there were any.
	SubnetGroups []*subnetGroup `json:",omitempty"`
}

func (s *Service) statePath() string { return filepath.Join(s.cfg.DataDir, "state.json") }

func (s *Service) load() error {
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create the RDS data dir: %w", err)
	}
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the saved RDS state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("cannot parse the saved RDS state %s: %w", s.statePath(), err)
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

// save writes the whole state. saveMu orders concurrent saves; each reads
// the state after taking it, so the last write is never older than a
// change that triggered an earlier one.
func (s *Service) save() {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
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
	s.mu.Unlock()
	sort.Slice(st.Instances, func(i, j int) bool { return st.Instances[i].ID < st.Instances[j].ID })
	sort.Slice(st.Snapshots, func(i, j int) bool { return st.Snapshots[i].ID < st.Snapshots[j].ID })
	sort.Slice(st.SubnetGroups, func(i, j int) bool { return st.SubnetGroups[i].Name < st.SubnetGroups[j].Name })
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		s.cfg.Logf("rds: cannot encode the state: %v", err)
		return
	}
	tmp := s.statePath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		s.cfg.Logf("rds: cannot save the state: %v", err)
		return
	}
	if err := os.Rename(tmp, s.statePath()); err != nil {
		s.cfg.Logf("rds: cannot save the state: %v", err)
	}
}
