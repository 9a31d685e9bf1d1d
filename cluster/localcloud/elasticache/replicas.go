package elasticache

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// increaseReplicaCount adds replicas: real redis-server replicas of the
// primary, each a member cluster of its own.
func (s *Service) increaseReplicaCount(_ context.Context, r *awsquery.Request) (any, error) {
	return s.changeReplicas(r, func(g *group, want int) error {
		if want <= g.replicas() {
			return awsquery.InvalidParameterValue("NewReplicaCount %d must be greater than the current number of replicas, %d.", want, g.replicas())
		}
		if want > maxReplicas {
			return awsquery.InvalidParameterValue("NewReplicaCount %d is more than the %d replicas a node group can have.", want, maxReplicas)
		}
		now := time.Now().UTC()
		for g.replicas() < want {
			g.Members = append(g.Members, &member{ID: g.newMemberID(), Adding: true, Tags: g.Tags, CreateTime: &now})
		}
		return nil
	})
}

// decreaseReplicaCount removes replicas: those named by ReplicasToRemove,
// or else the newest ones.
func (s *Service) decreaseReplicaCount(_ context.Context, r *awsquery.Request) (any, error) {
	remove := r.List("ReplicasToRemove.member")
	return s.changeReplicas(r, func(g *group, want int) error {
		if len(remove) > 0 {
			for _, id := range remove {
				m := g.member(strings.ToLower(id))
				switch {
				case m == nil:
					return errClusterNotFound(id)
				case m == g.primary():
					return awsquery.InvalidParameterValue("Cluster %s is the primary and cannot be removed.", m.ID)
				}
				m.Removing = true
			}
		} else {
			if want < 0 || want >= g.replicas() {
				return awsquery.InvalidParameterValue("NewReplicaCount %d must be less than the current number of replicas, %d, and not negative.", want, g.replicas())
			}
			for i := len(g.Members) - 1; i > 0 && g.replicas() > want; i-- {
				g.Members[i].Removing = true
			}
		}
		if g.AutomaticFailover && g.replicas() < 1 {
			return awsquery.InvalidParameterCombination("A replication group with automatic failover enabled needs at least one replica.")
		}
		return nil
	})
}

// changeReplicas is what both calls share: ApplyImmediately must be true
// (ElastiCache supports nothing else), the group must be available, and
// edit marks the members to add or remove, which the "modifying"
// transition then starts or stops. A refused edit changes nothing.
func (s *Service) changeReplicas(r *awsquery.Request, edit func(g *group, want int) error) (any, error) {
	raw, err := r.Required("ReplicationGroupId")
	if err != nil {
		return nil, err
	}
	now, err := r.Bool("ApplyImmediately")
	if err != nil {
		return nil, err
	}
	if now == nil || !*now {
		return nil, awsquery.InvalidParameterValue("ApplyImmediately must be true: changing the number of replicas later is not supported.")
	}
	if hasPrefix(r, "ReplicaConfiguration.") {
		return nil, awsquery.InvalidParameterValue("The local cloud does not support ReplicaConfiguration (cluster mode): use NewReplicaCount.")
	}
	count, err := r.Int("NewReplicaCount")
	if err != nil {
		return nil, err
	}
	if count == nil && !hasPrefix(r, "ReplicasToRemove.") {
		return nil, awsquery.InvalidParameterValue("NewReplicaCount must be specified.")
	}
	want := -1
	if count != nil {
		want = int(*count)
	}
	id := strings.ToLower(raw)
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok {
		s.mu.Unlock()
		return nil, errGroupNotFound(raw)
	}
	if st := s.status(id); st != statusAvailable {
		s.mu.Unlock()
		return nil, errInvalidState("Replication group %s is %s; it must be available to change its replicas.", id, st)
	}
	before := cloneMembers(g.Members)
	if err := edit(g, want); err != nil {
		g.Members = before
		s.mu.Unlock()
		return nil, err
	}
	if err := s.allocateMembers(g); err != nil {
		g.Members = before
		s.mu.Unlock()
		return nil, err
	}
	s.machine.Start(key(id), s.modifyTransition(id))
	out := replicationGroupResult{ReplicationGroup: s.replicationGroupXML(g, s.status(id))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

func cloneMembers(ms []*member) []*member {
	out := make([]*member, len(ms))
	for i, m := range ms {
		c := *m
		out[i] = &c
	}
	return slices.Clip(out)
}
