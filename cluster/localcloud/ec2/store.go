package ec2

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// state is what survives a restart, as JSON in DataDir/state.json: the
// security groups, the default one included, as its rules may be changed.
type state struct {
	Groups []*group
}

func (s *Service) statePath() string { return filepath.Join(s.cfg.DataDir, "state.json") }

// load reads the saved groups; a first start has none and gets the VPC's
// default group.
func (s *Service) load() error {
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create the EC2 data dir: %w", err)
	}
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		g := defaultGroup(s.network.VPC)
		s.groups[g.ID] = g
		s.save()
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the saved EC2 state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("cannot parse the saved EC2 state %s: %w", s.statePath(), err)
	}
	for _, g := range st.Groups {
		s.groups[g.ID] = g
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
	b, err := json.MarshalIndent(state{Groups: s.sortedGroups()}, "", "  ")
	s.mu.Unlock()
	if err != nil {
		s.cfg.Logf("ec2: cannot encode the state: %v", err)
		return
	}
	tmp := s.statePath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		s.cfg.Logf("ec2: cannot save the state: %v", err)
		return
	}
	if err := os.Rename(tmp, s.statePath()); err != nil {
		s.cfg.Logf("ec2: cannot save the state: %v", err)
	}
}
