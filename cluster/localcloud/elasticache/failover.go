package elasticache

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// nodeGroupID is the id of a group's only node group (cluster mode
// disabled), as ElastiCache names it.
const nodeGroupID = "0001"

// failover is a failover in progress: To, a replica, becomes the primary
// and From, the primary when it began, a replica of it. It is saved, so
// that a restart finishes it.
type failover struct {
	From string
	To   string
}

// testFailover is ElastiCache's TestFailover: the group is "modifying"
// while a replica is promoted on the real engines, then available again
// with the roles moved.
func (s *Service) testFailover(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("ReplicationGroupId")
	if err != nil {
		return nil, err
	}
	ng, err := r.Required("NodeGroupId")
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(raw)
	s.mu.Lock()
	g, err := s.startFailover(id, raw, ng)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	out := replicationGroupResult{ReplicationGroup: s.replicationGroupXML(g, s.status(id))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// startFailover refuses a failover where ElastiCache does, else stages it
// and starts the "modifying" transition that carries it out; s.mu is held.
func (s *Service) startFailover(id, raw, ng string) (*group, error) {
	g, ok := s.groups[id]
	if !ok {
		return nil, errGroupNotFound(raw)
	}
	if ng != nodeGroupID {
		return nil, awsquery.Errorf(404, "NodeGroupNotFoundFault", "Node group %s not found in replication group %s; its only node group is %s.", ng, id, nodeGroupID)
	}
	if st := s.status(id); st != statusAvailable {
		return nil, errInvalidState("Replication group %s is %s; it must be available to test failover.", id, st)
	}
	if !g.AutomaticFailover {
		return nil, errNoTestFailover("Replication group %s does not have automatic failover enabled.", id)
	}
	to := promotable(g)
	if to == nil {
		return nil, errNoTestFailover("Node group %s of replication group %s has no replica to promote.", nodeGroupID, id)
	}
	g.Failover = &failover{From: g.primary().ID, To: to.ID}
	s.machine.Start(key(id), s.modifyTransition(id))
	return g, nil
}

func errNoTestFailover(format string, args ...any) error {
	return awsquery.Errorf(400, "TestFailoverNotAvailableFault", format, args...)
}

// promotable is the replica a failover promotes: the one behind the
// reader endpoint, so that endpoint keeps its address too.
func promotable(g *group) *member {
	if r := reader(g); r != g.primary() {
		return r
	}
	return nil
}

// failOver carries out a staged failover, if any. Each node listens on a
// port of its own, so the primary endpoint can only keep pointing at the
// primary, as ElastiCache's DNS name does, if the primary's port moves
// with the role: the two nodes stop and start again on swapped ports,
// which clients see as a short outage.
//
// The primary stops first: on SIGTERM Redis waits for its replicas to
// catch up before it exits, and the replica writes everything it has to
// its RDB file when it stops in turn. The promoted node starts from that
// file as a primary; the old primary starts as its replica and syncs from
// it, as do the other replicas, which follow the port. Roles and ports are
// saved swapped before any node starts again, so a restart at any point
// either starts over or starts the nodes in their new roles.
func (s *Service) failOver(ctx context.Context, id string) error {
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok || g.Failover == nil {
		s.mu.Unlock()
		return nil
	}
	f := *g.Failover
	from, to := g.member(f.From), g.member(f.To)
	if from == nil || to == nil {
		g.Failover = nil
		s.mu.Unlock()
		return fmt.Errorf("cannot fail over from %s to %s: a member is gone", f.From, f.To)
	}
	done := g.primary() == to
	s.mu.Unlock()

	if !done {
		if err := s.waitSynced(ctx, f.To); err != nil {
			return err
		}
		for _, m := range []string{f.From, f.To} {
			if err := s.cfg.Engines.Stop(nodeKey(m)); err != nil {
				return fmt.Errorf("cannot stop node %s: %w", m, err)
			}
		}
		s.mu.Lock()
		promote(g, to)
		s.mu.Unlock()
		s.save()
	}
	if err := s.startGroup(ctx, id, true); err != nil {
		return err
	}
	s.mu.Lock()
	g.Failover = nil
	s.mu.Unlock()
	s.cfg.Logf("elasticache: replication group %s failed over from %s to %s", id, f.From, f.To)
	return nil
}

// promote makes replica to the primary: it takes the primary's place in
// the member list and its port, and the old primary takes to's.
func promote(g *group, to *member) {
	from := g.primary()
	i := slices.Index(g.Members, to)
	g.Members[0], g.Members[i] = to, from
	from.Port, to.Port = to.Port, from.Port
}
