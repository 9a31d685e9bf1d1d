package memorystore

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
)

// changed is the machine's OnChange: once a transition has ended, the
// operation it ran is done, with the instance as its response.
func (s *Service) changed(k, _ string) {
	id := strings.TrimPrefix(k, "memorystore/")
	if !s.machine.Busy(k) {
		s.mu.Lock()
		if in, ok := s.instances[id]; ok && in.Operation != "" {
			if op, ok := s.operations.Get(in.Operation); ok && !op.Done {
				s.finish(op, in, 0, "")
			}
			in.Operation = ""
		}
		s.mu.Unlock()
	}
	s.save()
}

// failed records why an operation failed; a failed creation leaves no
// instance behind, as on Memorystore.
func (s *Service) failed(id, what string) func(error) {
	return func(err error) {
		s.cfg.Logf("memorystore: %s of instance %s failed: %v", what, id, err)
		if what == "creation" {
			s.removeInstance(id)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, op := range s.operations.Of(id) {
			if !op.Done {
				s.finish(op, nil, codeInternal, fmt.Sprintf("The %s of the instance failed: %v", what, err))
			}
		}
		if in, ok := s.instances[id]; ok {
			in.Operation = ""
		}
	}
}

// createTransition: CREATING (the nodes start, replicas sync) -> READY.
func (s *Service) createTransition(id string, fresh bool) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: stateCreating, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			if fresh {
				if err := os.RemoveAll(s.instanceDir(id)); err != nil {
					return err
				}
			}
			if err := s.startNodes(ctx, id); err != nil {
				return err
			}
			s.mu.Lock()
			if in, ok := s.instances[id]; ok && in.CreateTime.IsZero() {
				in.CreateTime = time.Now().UTC()
			}
			s.mu.Unlock()
			return nil
		}}},
		Final:   stateReady,
		Failed:  "",
		OnError: s.failed(id, "creation"),
	}
}

// updateTransition applies a patch: UPDATING while replicas are added or
// removed, AUTH changes on every node and a scaled BASIC instance
// restarts empty -> READY.
func (s *Service) updateTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: stateUpdating, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			removed, err := s.applyPending(id)
			if err != nil {
				return err
			}
			for _, n := range removed {
				if err := s.cfg.Engines.Stop(nodeKey(id, n)); err != nil {
					return err
				}
				if err := os.RemoveAll(s.nodeDir(id, n)); err != nil {
					return err
				}
			}
			return s.startNodes(ctx, id)
		}}},
		Final:   stateReady,
		Failed:  stateRepairing,
		OnError: s.failed(id, "update"),
	}
}

// applyPending moves a patch's settings into the instance, adjusts its
// nodes and addresses and its AUTH string, and returns the nodes to remove.
func (s *Service) applyPending(id string) ([]string, error) {
	a, err := s.ensureAuth(id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	if !ok || in.Pending == nil {
		return nil, nil
	}
	next := in.Pending
	if next.AuthEnabled && !in.AuthEnabled {
		// Memorystore generates the AUTH string when AUTH is turned on.
		a.AuthString = gcpapi.UUID()
		if err := s.saveAuth(id, a); err != nil {
			return nil, err
		}
	}
	nodes := in.Nodes
	var removed []string
	for int64(len(nodes)-1) > next.ReplicaCount {
		removed = append(removed, nodes[len(nodes)-1].ID)
		nodes = nodes[:len(nodes)-1]
	}
	for int64(len(nodes)-1) < next.ReplicaCount {
		zone := in.AlternativeLocationID
		if len(nodes)%2 == 0 {
			zone = in.LocationID
		}
		nodes = append(nodes, &node{ID: "node-" + strconv.Itoa(nextNode(nodes)), Zone: zone})
	}
	flush, op := next.Flush, in.Operation
	*in = *next
	in.Nodes, in.Pending, in.Flush, in.Operation = nodes, nil, flush, op
	if in.readReplicas() && !in.ReadHost.IsValid() {
		addr, err := s.cfg.Network.Allocate(key(id) + "/read")
		if err != nil {
			return nil, err
		}
		in.ReadHost = addr
	}
	return removed, nil
}

// nextNode is the number of a new node: one past the highest.
func nextNode(nodes []*node) int {
	n := 0
	for _, x := range nodes {
		if i, err := strconv.Atoi(strings.TrimPrefix(x.ID, "node-")); err == nil && i >= n {
			n = i + 1
		}
	}
	return n
}

// deleteTransition: DELETING (gates closed, nodes stopped, data and
// addresses released) -> gone.
func (s *Service) deleteTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: stateDeleting, Hold: s.cfg.Delay, Do: func(context.Context) error {
			if err := s.removeInstance(id); err != nil {
				return err
			}
			return nil
		}}},
		Failed:  stateRepairing,
		OnError: s.failed(id, "deletion"),
	}
}

// removeInstance stops an instance's nodes and forgets it; its delete
// operation, if any, is done.
func (s *Service) removeInstance(id string) error {
	if err := s.gates.Close(key(id)); err != nil {
		s.cfg.Logf("memorystore: cannot close the gates of instance %s: %v", id, err)
	}
	s.mu.Lock()
	var nodes []string
	if in, ok := s.instances[id]; ok {
		for _, n := range in.Nodes {
			nodes = append(nodes, n.ID)
		}
	}
	s.mu.Unlock()
	for _, n := range nodes {
		if err := s.cfg.Engines.Stop(nodeKey(id, n)); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(s.instanceDir(id)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in, ok := s.instances[id]; ok {
		s.cfg.Network.Release(in.Host)
		s.cfg.Network.Release(in.ReadHost)
		if op, ok := s.operations.Get(in.Operation); ok && op.Verb == "delete" {
			s.finish(op, nil, 0, "")
		}
	}
	delete(s.instances, id)
	return nil
}

// failoverTransition: state (FAILING_OVER, or MAINTENANCE for a
// maintenance of a STANDARD_HA instance) while the first replica becomes
// the primary and the primary its replica -> READY. before, if set,
// changes the instance first.
func (s *Service) failoverTransition(id, state string, before func(*instance)) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: state, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			s.mu.Lock()
			in, ok := s.instances[id]
			if !ok || len(in.Nodes) < 2 {
				s.mu.Unlock()
				return fmt.Errorf("instance %s has no replica to fail over to", id)
			}
			if before != nil {
				before(in)
			}
			from, to := in.Nodes[0].ID, in.Nodes[1].ID
			s.mu.Unlock()
			if err := engines.WaitRedisSynced(ctx, s.cfg.Engines.RedisSynced, nodeKey(id, to)); err != nil {
				return err
			}
			// The primary stops first: Redis waits for its replicas to
			// catch up, and the replica saves what it has when it stops.
			for _, n := range []string{from, to} {
				if err := s.cfg.Engines.Stop(nodeKey(id, n)); err != nil {
					return err
				}
			}
			s.mu.Lock()
			in.Nodes[0], in.Nodes[1] = in.Nodes[1], in.Nodes[0]
			s.mu.Unlock()
			s.save()
			return s.startNodes(ctx, id)
		}}},
		Final:   stateReady,
		Failed:  stateRepairing,
		OnError: s.failed(id, strings.ToLower(strings.ReplaceAll(state, "_", " "))),
	}
}

// startFailover is Memorystore's failover of a STANDARD_HA instance;
// s.mu is held.
func (s *Service) startFailover(id string) (*operation, error) {
	in, ok := s.instances[id]
	if !ok {
		return nil, errNotFound(s.instanceName(id))
	}
	if err := s.ready(in); err != nil {
		return nil, err
	}
	if in.Tier != "STANDARD_HA" {
		return nil, failedPrecondition("Failover is supported for STANDARD_HA instances only; %s is %s.", s.instanceName(id), in.Tier)
	}
	return s.startOperation("failover", in, s.failoverTransition(id, stateFailingOver, nil)), nil
}

// maintenanceTransition: MAINTENANCE while a BASIC instance restarts
// empty (Memorystore flushes a Basic Tier cache in maintenance) -> READY.
func (s *Service) maintenanceTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: stateMaintenance, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			s.mu.Lock()
			if in, ok := s.instances[id]; ok {
				in.MaintenanceVersion, in.Flush = maintenanceVersion(time.Now()), true
			}
			s.mu.Unlock()
			return s.startNodes(ctx, id)
		}}},
		Final:   stateReady,
		Failed:  stateRepairing,
		OnError: s.failed(id, "maintenance"),
	}
}

// ensureAuth returns an instance's auth file, making it the first time:
// a fresh admin secret, and an AUTH string when AUTH is on.
func (s *Service) ensureAuth(id string) (authState, error) {
	a, err := s.loadAuth(id)
	if err == nil {
		return a, nil
	}
	if !os.IsNotExist(err) {
		return a, err
	}
	s.mu.Lock()
	enabled := false
	if in, ok := s.instances[id]; ok {
		enabled = in.AuthEnabled
	}
	s.mu.Unlock()
	a = authState{Secret: randomString(24)}
	if enabled {
		a.AuthString = gcpapi.UUID()
	}
	return a, s.saveAuth(id, a)
}

// startNodes brings an instance's nodes to what it says: the primary
// first, then each replica of it, synced; AUTH and roles are applied to
// nodes that run already; a flushed instance's nodes start empty. Then
// the gates follow.
func (s *Service) startNodes(ctx context.Context, id string) error {
	a, err := s.ensureAuth(id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("instance %s is gone", id)
	}
	auth := a.redisAuth(in.AuthEnabled)
	nodes := make([]node, len(in.Nodes))
	for i, n := range in.Nodes {
		nodes[i] = *n
	}
	flush, useTLS := in.Flush, in.TransitEncryptionMode == "SERVER_AUTHENTICATION"
	var addrs []netip.Addr
	for _, a := range []netip.Addr{in.Host, in.ReadHost} {
		if a.IsValid() {
			addrs = append(addrs, a)
		}
	}
	s.mu.Unlock()

	var tlsFiles *engines.RedisTLS
	if useTLS {
		if err := s.cfg.CA.IssueServer(s.certFile(id), s.keyFile(id), addrs...); err != nil {
			return fmt.Errorf("cannot issue the certificate of instance %s: %w", id, err)
		}
		tlsFiles = &engines.RedisTLS{CertFile: s.certFile(id), KeyFile: s.keyFile(id), CAFile: s.cfg.CA.CertFile}
	}
	if flush {
		for _, n := range nodes {
			if err := s.cfg.Engines.Stop(nodeKey(id, n.ID)); err != nil {
				return err
			}
			if err := os.Remove(filepath.Join(s.nodeDir(id, n.ID), "dump.rdb")); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	primaryPort := 0
	for i, n := range nodes {
		cfg := engines.RedisNode{Primary: primaryPort, TLS: tlsFiles, Auth: auth}
		if err := s.cfg.Engines.ConfigureRedis(ctx, nodeKey(id, n.ID), "redis", s.nodeDir(id, n.ID), cfg); err != nil {
			return fmt.Errorf("cannot configure node %s: %w", n.ID, err)
		}
		port, err := s.cfg.Engines.Start(ctx, nodeKey(id, n.ID), "redis", engines.Spec{Dir: s.nodeDir(id, n.ID), Port: n.Port})
		if err != nil {
			return err
		}
		s.mu.Lock()
		if i < len(in.Nodes) && in.Nodes[i].ID == n.ID {
			in.Nodes[i].Port = port
		}
		s.mu.Unlock()
		if i == 0 {
			primaryPort = port
			continue
		}
		if err := engines.WaitRedisSynced(ctx, s.cfg.Engines.RedisSynced, nodeKey(id, n.ID)); err != nil {
			return err
		}
	}
	s.mu.Lock()
	in.Flush = false
	s.mu.Unlock()
	s.save()
	return s.openGates(id)
}

// openGates puts a gate on the host, forwarding to the primary, and on the
// read endpoint, forwarding to the first replica. Both admit any source:
// the local cloud has no VPC to tell the authorized network's members.
func (s *Service) openGates(id string) error {
	s.mu.Lock()
	in, ok := s.instances[id]
	var want []gate.Want
	all := func(netip.Addr) bool { return true }
	if ok && len(in.Nodes) > 0 && in.Nodes[0].Port != 0 && in.Host.IsValid() {
		port := uint16(in.port())
		want = append(want, gate.Want{Addr: netip.AddrPortFrom(in.Host, port), Backend: in.Nodes[0].Port, Allow: all})
		if in.ReadHost.IsValid() && len(in.Nodes) > 1 && in.Nodes[1].Port != 0 {
			want = append(want, gate.Want{Addr: netip.AddrPortFrom(in.ReadHost, port), Backend: in.Nodes[1].Port, Allow: all})
		}
	}
	s.mu.Unlock()
	return s.gates.Sync(key(id), want...)
}

// place gives a new instance its addresses in the project's network;
// s.mu is held.
func (s *Service) place(in *instance) error {
	host, err := s.cfg.Network.Allocate(key(in.ID))
	if err != nil {
		return err
	}
	in.Host = host
	in.ReservedIPRange = netip.PrefixFrom(host, 29).Masked().String()
	if in.readReplicas() {
		read, err := s.cfg.Network.Allocate(key(in.ID) + "/read")
		if err != nil {
			s.cfg.Network.Release(host)
			return err
		}
		in.ReadHost = read
	}
	return nil
}

// restore brings saved instances back after a restart.
func (s *Service) restore(ctx context.Context) {
	s.mu.Lock()
	ids := map[string]string{}
	for id, in := range s.instances {
		for owner, a := range map[string]netip.Addr{key(id): in.Host, key(id) + "/read": in.ReadHost} {
			if a.IsValid() {
				if err := s.cfg.Network.Claim(a, owner); err != nil {
					s.cfg.Logf("memorystore: instance %s: %v", id, err)
				}
			}
		}
		ids[id] = in.State
		s.machine.Set(key(id), in.State)
	}
	s.mu.Unlock()
	for id, st := range ids {
		switch st {
		case stateCreating:
			s.machine.Start(key(id), s.createTransition(id, false))
		case stateDeleting:
			s.machine.Start(key(id), s.deleteTransition(id))
		default:
			if err := s.startNodes(ctx, id); err != nil {
				s.cfg.Logf("memorystore: cannot restart instance %s: %v", id, err)
				s.machine.Set(key(id), stateRepairing)
				continue
			}
			s.machine.Set(key(id), stateReady)
			s.mu.Lock()
			in := s.instances[id]
			pending := in.Pending != nil
			if op, ok := s.operations.Get(in.Operation); ok && !pending {
				s.finish(op, in, 0, "")
				in.Operation = ""
			}
			s.mu.Unlock()
			if pending {
				s.machine.Start(key(id), s.updateTransition(id))
			}
		}
	}
	s.save()
}
