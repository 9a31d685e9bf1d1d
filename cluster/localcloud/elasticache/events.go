package elasticache

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/clock"
)

// Events that Event triggers.
const (
	eventFailover    = "failover"
	eventMaintenance = "maintenance"
)

var events = []string{eventFailover, eventMaintenance}

// Event makes something ElastiCache does on its own happen now to group
// id: "maintenance" (its maintenance window arrives: deferred values are
// applied, a no-op when none wait) or "failover" (as TestFailover on its
// node group). It returns at once, with the transition started; its
// errors are *awsquery.Error, whose Status suits an HTTP answer.
func (s *Service) Event(_ context.Context, id, event string) error {
	if !slices.Contains(events, event) {
		return awsquery.InvalidParameterValue("Unknown ElastiCache event %q: the events are %s.", event, strings.Join(events, ", "))
	}
	lower := strings.ToLower(id)
	s.mu.Lock()
	var err error
	started := false
	switch event {
	case eventFailover:
		_, err = s.startFailover(lower, id, nodeGroupID)
		started = err == nil
	case eventMaintenance:
		started, err = s.maintain(lower, id)
	}
	s.mu.Unlock()
	if started {
		s.save()
	}
	return err
}

// maintain runs group id's maintenance, if it is available and values
// wait for it, and reports whether it started; s.mu is held.
func (s *Service) maintain(id, raw string) (bool, error) {
	g, ok := s.groups[id]
	if !ok {
		return false, errGroupNotFound(raw)
	}
	if st := s.status(id); st != statusAvailable {
		return false, errInvalidState("Replication group %s is %s; it must be available for maintenance.", id, st)
	}
	if g.Pending.empty() {
		return false, nil
	}
	s.startMaintenance(g)
	return true, nil
}

// startMaintenance applies what waited for the window through the usual
// "modifying" transition; s.mu is held.
func (s *Service) startMaintenance(g *group) {
	g.Applying, g.Pending = g.Applying.merge(g.Pending), values{}
	s.machine.Start(key(g.ID), s.modifyTransition(g.ID))
	s.cfg.Logf("elasticache: maintenance of replication group %s applies its pending values", g.ID)
}

// Tick is the local cloud's clock telling that simulated time went from
// from to to: every available group whose maintenance window opened in
// (from, to] and that has values waiting for it starts its maintenance.
// It only starts transitions, so it never blocks for long.
func (s *Service) Tick(from, to time.Time) {
	s.mu.Lock()
	started := false
	for id, g := range s.groups {
		if g.Pending.empty() || s.status(id) != statusAvailable {
			continue
		}
		w, err := clock.ParseWindow(g.MaintenanceWindow)
		if err != nil {
			s.cfg.Logf("elasticache: replication group %s: %v", id, err)
			continue
		}
		if w.Opens(from, to) {
			s.startMaintenance(g)
			started = true
		}
	}
	s.mu.Unlock()
	if started {
		s.save()
	}
}
