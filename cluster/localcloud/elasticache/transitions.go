package elasticache

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
)

// createTransition: creating (the nodes start, the replicas sync) ->
// available. Nodes that run already are kept, so it also resumes a
// creation a restart interrupted.
func (s *Service) createTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusCreating, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			return s.startGroup(ctx, id, true)
		}}},
		Final:   statusAvailable,
		Failed:  statusCreateFailed,
		OnError: s.logFailure(id, "creation"),
	}
}

// modifyTransition: modifying (a replica is promoted, a new token reaches
// every node, replicas are added or removed, modified values take
// effect) -> available.
func (s *Service) modifyTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusModifying, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			return s.converge(ctx, id)
		}}},
		Final:   statusAvailable,
		Failed:  statusFailed,
		OnError: s.logFailure(id, "modification"),
	}
}

// snapshotTransition: snapshotting (the primary's RDB file is copied) ->
// available. A failed snapshot is dropped and the group stays usable.
func (s *Service) snapshotTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusSnapshotting, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			return s.takeSnapshot(ctx, id)
		}}},
		Final:   statusAvailable,
		Failed:  statusAvailable,
		OnError: s.logFailure(id, "snapshot"),
	}
}

// deleteTransition: deleting (final snapshot, nodes stopped, data
// removed) -> gone.
func (s *Service) deleteTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusDeleting, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			if err := s.takeSnapshot(ctx, id); err != nil {
				return err
			}
			s.mu.Lock()
			g, ok := s.groups[id]
			var members []string
			if ok {
				for _, m := range g.Members {
					members = append(members, m.ID)
				}
			}
			s.mu.Unlock()
			s.closeGates(id)
			var errs []error
			for _, m := range members {
				errs = append(errs, s.cfg.Engines.Stop(nodeKey(m)))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			if err := os.RemoveAll(s.groupDir(id)); err != nil {
				return err
			}
			s.mu.Lock()
			if g, ok := s.groups[id]; ok {
				s.releaseAddresses(g)
			}
			delete(s.groups, id)
			s.mu.Unlock()
			return nil
		}}},
		Failed:  statusFailed,
		OnError: s.logFailure(id, "deletion"),
	}
}

// nodePlan is what starting one node needs, read under s.mu.
type nodePlan struct {
	engine    string
	clusterID string
	dir       string
	port      int
	tls       bool
	// addrs are the group's endpoint addresses, which its certificate
	// names: any node may come to serve the primary or reader endpoint.
	addrs []netip.Addr
}

func (s *Service) plan(g *group, m *member) nodePlan {
	p := nodePlan{engine: g.Engine, clusterID: m.ID, dir: s.nodeDir(g.ID, m.ID), port: int(m.Port), tls: g.TransitEncryption, addrs: addresses(g)}
	if p.port == 0 && m == g.primary() {
		p.port = int(g.Port)
	}
	return p
}

// startGroup starts a group's nodes, the primary first, with the group's
// current auth; replicas that are being added are left to converge. With
// wait, it returns once every replica has synced.
func (s *Service) startGroup(ctx context.Context, id string, wait bool) error {
	a, err := s.loadAuth(id)
	if err != nil {
		return fmt.Errorf("cannot read the group's auth: %w", err)
	}
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("replication group %s is gone", id)
	}
	primary := s.plan(g, g.primary())
	var replicas []nodePlan
	for _, m := range g.Members[1:] {
		if !m.Adding && !m.Removing {
			replicas = append(replicas, s.plan(g, m))
		}
	}
	s.mu.Unlock()
	primaryPort, err := s.startNode(ctx, id, primary, 0, a.Current)
	if err != nil {
		return err
	}
	for _, r := range replicas {
		if _, err := s.startNode(ctx, id, r, primaryPort, a.Current); err != nil {
			return err
		}
	}
	if wait {
		for _, r := range replicas {
			if err := s.waitSynced(ctx, r.clusterID); err != nil {
				return err
			}
		}
	}
	return nil
}

// startNode configures and starts one node, as a replica of primaryPort
// unless that is 0, records its port and brings the group's gates in
// line.
func (s *Service) startNode(ctx context.Context, groupID string, p nodePlan, primaryPort int, auth engines.RedisAuth) (int, error) {
	n := engines.RedisNode{Primary: primaryPort, Auth: auth}
	if p.tls {
		// Issued here, when missing, near its end or short of an address
		// (a replica added), so each node starts with one that names all
		// of the group's endpoints.
		if err := s.cfg.CA.IssueServer(s.certFile(groupID), s.keyFile(groupID), p.addrs...); err != nil {
			return 0, fmt.Errorf("cannot issue the certificate of replication group %s: %w", groupID, err)
		}
		n.TLS = &engines.RedisTLS{CertFile: s.certFile(groupID), KeyFile: s.keyFile(groupID), CAFile: s.cfg.CA.CertFile}
	}
	if err := s.cfg.Engines.ConfigureRedis(ctx, nodeKey(p.clusterID), p.engine, p.dir, n); err != nil {
		return 0, fmt.Errorf("cannot configure node %s: %w", p.clusterID, err)
	}
	port, err := s.cfg.Engines.Start(ctx, nodeKey(p.clusterID), p.engine, engines.Spec{Dir: p.dir, Port: p.port})
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	if g, ok := s.groups[groupID]; ok {
		if m := g.member(p.clusterID); m != nil {
			m.Port = int32(port)
			if m.CreateTime == nil {
				now := time.Now().UTC()
				m.CreateTime = &now
			}
		}
	}
	s.mu.Unlock()
	s.save()
	return port, s.syncGates(groupID)
}

// waitSynced waits until a member cluster has synced with its primary.
func (s *Service) waitSynced(ctx context.Context, clusterID string) error {
	return engines.WaitRedisSynced(ctx, s.cfg.Engines.RedisSynced, nodeKey(clusterID))
}

// converge does what a modification asked: a staged failover happens,
// the staged token reaches every node, new replicas start and sync,
// removed ones stop and go, and the values being applied take effect.
func (s *Service) converge(ctx context.Context, id string) error {
	if err := s.failOver(ctx, id); err != nil {
		return err
	}
	a, err := s.loadAuth(id)
	if err != nil {
		return fmt.Errorf("cannot read the group's auth: %w", err)
	}
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("replication group %s is gone", id)
	}
	primary := s.plan(g, g.primary())
	primaryPort := int(g.primary().Port)
	var running, adding, removing []nodePlan
	for _, m := range g.Members {
		switch {
		case m.Adding:
			adding = append(adding, s.plan(g, m))
		case m.Removing:
			removing = append(removing, s.plan(g, m))
		default:
			running = append(running, s.plan(g, m))
		}
	}
	s.mu.Unlock()

	if a.Next != nil {
		for _, p := range running {
			if _, err := s.startNode(ctx, id, p, replicaOf(p, primary, primaryPort), *a.Next); err != nil {
				return err
			}
		}
		a.Current, a.Next = *a.Next, nil
		if err := s.saveAuth(id, a); err != nil {
			return err
		}
		now := time.Now().UTC()
		s.mu.Lock()
		g.AuthTokenEnabled, g.AuthTokenLastModified, g.AuthChange = len(a.Current.Hashes) > 0, &now, ""
		s.mu.Unlock()
	}
	for _, p := range adding {
		if _, err := s.startNode(ctx, id, p, primaryPort, a.Current); err != nil {
			return err
		}
		if err := s.waitSynced(ctx, p.clusterID); err != nil {
			return err
		}
		s.mu.Lock()
		if m := g.member(p.clusterID); m != nil {
			m.Adding = false
		}
		s.mu.Unlock()
	}
	// The gates of nodes being removed close before the nodes stop.
	if err := s.syncGates(id); err != nil {
		return err
	}
	for _, p := range removing {
		if err := s.cfg.Engines.Stop(nodeKey(p.clusterID)); err != nil {
			return err
		}
		if err := os.RemoveAll(p.dir); err != nil {
			return err
		}
		s.mu.Lock()
		if m := g.member(p.clusterID); m != nil {
			s.releaseAddress(m.Address)
			g.Members = removeMember(g.Members, m)
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	apply(g, g.Applying)
	g.Applying = values{}
	s.mu.Unlock()
	return nil
}

func replicaOf(p, primary nodePlan, primaryPort int) int {
	if p.clusterID == primary.clusterID {
		return 0
	}
	return primaryPort
}

func removeMember(ms []*member, m *member) []*member {
	out := make([]*member, 0, len(ms))
	for _, x := range ms {
		if x != m {
			out = append(out, x)
		}
	}
	return out
}

// takeSnapshot copies the primary's RDB file into the snapshot the group
// is taking, if any; the snapshot record exists already as "creating". A
// snapshot that cannot be taken is dropped.
func (s *Service) takeSnapshot(ctx context.Context, id string) error {
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok || g.Snapshot == "" {
		s.mu.Unlock()
		return nil
	}
	sn := s.snapshots[g.Snapshot]
	primary := g.primary().ID
	s.mu.Unlock()
	if sn == nil || sn.Status == snapshotAvailable {
		return nil
	}
	path := filepath.Join(s.cfg.DataDir, sn.File)
	err := s.dump(ctx, primary, path)
	s.mu.Lock()
	g.Snapshot = ""
	if err != nil {
		delete(s.snapshots, sn.Name)
	} else {
		sn.Status = snapshotAvailable
	}
	s.mu.Unlock()
	s.save()
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("cannot take snapshot %s: %w", sn.Name, err)
	}
	return nil
}

func (s *Service) dump(ctx context.Context, clusterID, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := s.cfg.Engines.Dump(ctx, nodeKey(clusterID), "", f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (s *Service) logFailure(id, what string) func(error) {
	return func(err error) { s.cfg.Logf("elasticache: %s of replication group %s failed: %v", what, id, err) }
}

// restore brings saved groups back after a restart: their addresses are
// claimed again, the nodes (and gates) of groups that had them run again,
// so they are reachable as soon as the server answers, and interrupted
// transitions run again.
func (s *Service) restore(ctx context.Context) {
	s.mu.Lock()
	s.claimAddresses()
	statuses := make(map[string]string, len(s.groups))
	for id, g := range s.groups {
		statuses[id] = g.Status
		s.machine.Set(key(id), g.Status)
	}
	s.mu.Unlock()
	for id, status := range statuses {
		switch status {
		case statusCreating:
			s.machine.Start(key(id), s.createTransition(id))
		case statusAvailable, statusModifying, statusSnapshotting, statusDeleting:
			if err := s.startGroup(ctx, id, false); err != nil {
				s.cfg.Logf("elasticache: cannot restart replication group %s: %v", id, err)
				if status != statusDeleting {
					s.machine.Set(key(id), statusFailed)
					continue
				}
			}
			switch status {
			case statusModifying:
				s.machine.Start(key(id), s.modifyTransition(id))
			case statusSnapshotting:
				s.machine.Start(key(id), s.snapshotTransition(id))
			case statusDeleting:
				s.machine.Start(key(id), s.deleteTransition(id))
			}
		}
	}
	s.save()
}

// certFile and keyFile are a group's own server certificate and key,
// which its nodes copy: each group's names its own endpoint addresses.
func (s *Service) certFile(id string) string {
	return filepath.Join(s.groupDir(id), "tls", "server.crt")
}
func (s *Service) keyFile(id string) string {
	return filepath.Join(s.groupDir(id), "tls", "server.key")
}
