package cloudsql

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
)

// changed is the machine's OnChange: once a transition has ended, the
// operation it ran is DONE (its error, if any, was recorded by failed),
// and the state is saved.
func (s *Service) changed(k, _ string) {
	name := strings.TrimPrefix(k, "cloudsql/")
	if !s.machine.Busy(k) {
		s.mu.Lock()
		if in, ok := s.instances[name]; ok && in.Operation != "" {
			if op, ok := s.operations.Get(in.Operation); ok && op.Status != opDone {
				finish(op, "", nil)
			}
			in.Operation = ""
		}
		s.mu.Unlock()
	}
	s.save()
}

// failed records why an instance's operation failed, before the machine
// moves the instance to FAILED.
func (s *Service) failed(name, what string) func(error) {
	return func(err error) {
		s.cfg.Logf("cloudsql: %s of instance %s failed: %v", what, name, err)
		s.mu.Lock()
		defer s.mu.Unlock()
		if in, ok := s.instances[name]; ok {
			if op, ok := s.operations.Get(in.Operation); ok {
				finish(op, "INTERNAL_ERROR", fmt.Errorf("An internal error occurred while processing the %s: %v", what, err))
			}
		}
	}
}

// createTransition: PENDING_CREATE (the engine starts) -> RUNNABLE. fresh
// wipes what an earlier instance of the same name left behind.
func (s *Service) createTransition(name string, fresh bool) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statePendingCreate, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			if fresh {
				if err := os.RemoveAll(s.instanceDir(name)); err != nil {
					return err
				}
			}
			if err := s.startEngine(ctx, name); err != nil {
				return err
			}
			s.mu.Lock()
			if in, ok := s.instances[name]; ok && in.CreateTime.IsZero() {
				in.CreateTime = time.Now().UTC()
			}
			s.mu.Unlock()
			return nil
		}}},
		Final:   stateRunnable,
		Failed:  stateFailed,
		OnError: s.failed(name, "creation"),
	}
}

// updateTransition applies the settings a patch or an update left in
// Pending: the engine restarts when the tier, the TLS requirement, the
// addresses or the activation policy change; other changes (disk size,
// backups, labels, authorized networks) take effect without a restart.
func (s *Service) updateTransition(name string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: stateRunnable, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			s.mu.Lock()
			in, ok := s.instances[name]
			if !ok || in.Pending == nil {
				s.mu.Unlock()
				return nil
			}
			old, next := in.Settings, in.Pending
			restart := old.Tier != next.Tier || tlsRequired(old) != tlsRequired(next) || old.ActivationPolicy != next.ActivationPolicy
			in.Settings, in.Pending = next, nil
			restart = s.readdress(in) || restart
			stop := next.ActivationPolicy == "NEVER"
			s.mu.Unlock()
			if stop {
				return s.stopEngine(name)
			}
			if restart {
				if err := s.stopEngine(name); err != nil {
					return err
				}
				return s.startEngine(ctx, name)
			}
			return s.openGates(name)
		}}},
		Final:   stateRunnable,
		Failed:  stateFailed,
		OnError: s.failed(name, "update"),
	}
}

// restartTransition: state (RUNNABLE for a restart, MAINTENANCE for a
// maintenance) while the engine restarts, after before has changed the
// instance -> RUNNABLE.
func (s *Service) restartTransition(name, state string, before func(*instance)) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: state, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			if before != nil {
				s.mu.Lock()
				if in, ok := s.instances[name]; ok {
					before(in)
				}
				s.mu.Unlock()
			}
			if err := s.stopEngine(name); err != nil {
				return err
			}
			return s.startEngine(ctx, name)
		}}},
		Final:   stateRunnable,
		Failed:  stateFailed,
		OnError: s.failed(name, strings.ToLower(state)),
	}
}

// deleteTransition: PENDING_DELETE (engine stopped, data removed,
// addresses released) -> gone.
func (s *Service) deleteTransition(name string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statePendingDelete, Hold: s.cfg.Delay, Do: func(context.Context) error {
			if err := s.stopEngine(name); err != nil {
				return err
			}
			if err := os.RemoveAll(s.instanceDir(name)); err != nil {
				return err
			}
			_ = os.Remove(s.certFile(name))
			_ = os.Remove(s.keyFile(name))
			s.mu.Lock()
			if in, ok := s.instances[name]; ok {
				s.cfg.Public.Release(in.PublicIP)
				s.cfg.Private.Release(in.PrivateIP)
				if op, ok := s.operations.Get(in.Operation); ok {
					finish(op, "", nil)
				}
			}
			delete(s.instances, name)
			s.mu.Unlock()
			return nil
		}}},
		Failed:  stateFailed,
		OnError: s.failed(name, "deletion"),
	}
}

// place gives a new instance its addresses: PRIMARY while ipv4Enabled,
// PRIVATE on a private network. s.mu is held.
func (s *Service) place(in *instance) error {
	in.PublicIP, in.PrivateIP = netip.Addr{}, netip.Addr{}
	s.readdress(in)
	ip := in.Settings.IpConfiguration
	if (ip.Ipv4Enabled && !in.PublicIP.IsValid()) || (ip.PrivateNetwork != "" && !in.PrivateIP.IsValid()) {
		s.cfg.Public.Release(in.PublicIP)
		s.cfg.Private.Release(in.PrivateIP)
		return fmt.Errorf("the local cloud has no free address for instance %s", in.Name)
	}
	return nil
}

// readdress brings an instance's addresses in line with its settings and
// reports whether they changed. s.mu is held.
func (s *Service) readdress(in *instance) bool {
	ip := in.Settings.IpConfiguration
	changed := false
	switch {
	case ip.Ipv4Enabled && !in.PublicIP.IsValid():
		if a, err := s.cfg.Public.Allocate(key(in.Name)); err == nil {
			in.PublicIP, changed = a, true
		}
	case !ip.Ipv4Enabled && in.PublicIP.IsValid():
		s.cfg.Public.Release(in.PublicIP)
		in.PublicIP, changed = netip.Addr{}, true
	}
	if ip.PrivateNetwork != "" && !in.PrivateIP.IsValid() {
		if a, err := s.cfg.Private.Allocate(key(in.Name)); err == nil {
			in.PrivateIP, changed = a, true
		}
	}
	return changed
}

// tlsRequired reports whether the engine refuses connections without
// TLS. TRUSTED_CLIENT_CERTIFICATE_REQUIRED asks for a client certificate
// on Cloud SQL too; the local cloud checks none.
func tlsRequired(st *sqladmin.Settings) bool {
	return st.IpConfiguration.SslMode != sslAllow
}

// startEngine runs an instance's engine (unless its activation policy is
// NEVER) with a certificate naming its addresses, records its port and
// opens its gates. s.mu must not be held.
func (s *Service) startEngine(ctx context.Context, name string) error {
	s.mu.Lock()
	in, ok := s.instances[name]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("instance %s is gone", name)
	}
	if in.Settings.ActivationPolicy == "NEVER" {
		s.mu.Unlock()
		return nil
	}
	version := in.DatabaseVersion
	password := in.rootPassword
	if password == "" {
		// Without a root password the built-in user has one nobody
		// knows, until users.update sets one.
		password = randomPassword()
	}
	addrs := []netip.Addr{}
	for _, a := range []netip.Addr{in.PublicIP, in.PrivateIP} {
		if a.IsValid() {
			addrs = append(addrs, a)
		}
	}
	spec := engines.Spec{
		Dir: s.instanceDir(name), Port: in.EnginePort, MasterUsername: builtInUser(version), MasterPassword: password,
		TLS: &engines.ServerTLS{CertFile: s.certFile(name), KeyFile: s.keyFile(name), Required: tlsRequired(in.Settings)},
	}
	s.mu.Unlock()
	if err := s.cfg.CA.IssueServer(spec.TLS.CertFile, spec.TLS.KeyFile, addrs...); err != nil {
		return fmt.Errorf("cannot issue the server certificate: %w", err)
	}
	port, err := s.cfg.Engines.Start(ctx, key(name), engine(version), spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	in.EnginePort, in.rootPassword = port, ""
	s.mu.Unlock()
	return s.openGates(name)
}

// stopEngine closes an instance's gates, then stops its engine.
func (s *Service) stopEngine(name string) error {
	if err := s.gates.Close(key(name)); err != nil {
		s.cfg.Logf("cloudsql: cannot close the gates of instance %s: %v", name, err)
	}
	return s.cfg.Engines.Stop(key(name))
}

// openGates puts a gate on each of an instance's addresses, on the
// engine's usual port: the PRIMARY one admits what the authorized
// networks list, the PRIVATE one anything (the local cloud has no VPC to
// tell its members apart).
func (s *Service) openGates(name string) error {
	s.mu.Lock()
	in, ok := s.instances[name]
	if !ok || in.EnginePort == 0 {
		s.mu.Unlock()
		return nil
	}
	port := uint16(listenPort(in.DatabaseVersion))
	var want []gate.Want
	if in.PublicIP.IsValid() {
		want = append(want, gate.Want{Addr: netip.AddrPortFrom(in.PublicIP, port), Backend: in.EnginePort, Allow: s.authorized(name)})
	}
	if in.PrivateIP.IsValid() {
		want = append(want, gate.Want{Addr: netip.AddrPortFrom(in.PrivateIP, port), Backend: in.EnginePort, Allow: func(netip.Addr) bool { return true }})
	}
	s.mu.Unlock()
	return s.gates.Sync(key(name), want...)
}

// authorized is the public address's check, with the authorized networks
// as they are at each connection: a patch changes them at once.
func (s *Service) authorized(name string) func(netip.Addr) bool {
	return func(src netip.Addr) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		in, ok := s.instances[name]
		if !ok {
			return false
		}
		for _, n := range in.Settings.IpConfiguration.AuthorizedNetworks {
			if p, err := parseNetwork(n.Value); err == nil && p.Contains(src) {
				return true
			}
		}
		return false
	}
}

// restore brings saved instances back after a restart: their addresses
// are claimed again, runnable ones get their engine now, and operations
// a shutdown interrupted run again or end.
func (s *Service) restore(ctx context.Context) {
	s.mu.Lock()
	names := map[string]string{}
	for name, in := range s.instances {
		for _, c := range []struct {
			addr netip.Addr
			r    interface {
				Claim(netip.Addr, string) error
			}
		}{{in.PublicIP, s.cfg.Public}, {in.PrivateIP, s.cfg.Private}} {
			if c.addr.IsValid() {
				if err := c.r.Claim(c.addr, key(name)); err != nil {
					s.cfg.Logf("cloudsql: instance %s: %v", name, err)
				}
			}
		}
		names[name] = in.State
		s.machine.Set(key(name), in.State)
	}
	s.mu.Unlock()
	for name, state := range names {
		switch state {
		case statePendingCreate:
			s.machine.Start(key(name), s.createTransition(name, false))
		case statePendingDelete:
			s.machine.Start(key(name), s.deleteTransition(name))
		case stateFailed:
		default:
			if err := s.startEngine(ctx, name); err != nil {
				s.cfg.Logf("cloudsql: cannot restart instance %s: %v", name, err)
				s.machine.Set(key(name), stateFailed)
				continue
			}
			s.machine.Set(key(name), stateRunnable)
			s.mu.Lock()
			in := s.instances[name]
			pending := in.Pending != nil
			if op, ok := s.operations.Get(in.Operation); ok && !pending {
				finish(op, "", nil)
				in.Operation = ""
			}
			s.mu.Unlock()
			if pending {
				s.machine.Start(key(name), s.updateTransition(name))
			}
		}
	}
	s.save()
}

// installedVersion is databaseInstalledVersion for a new instance: the
// engine's own minor version where it runs the major asked for, else the
// label of a recent minor (POSTGRES_16 runs on PostgreSQL 15 here).
func installedVersion(version, engineVersion string) string {
	parts := strings.Split(engineVersion, ".")
	switch {
	case version == "MYSQL_8_0" && len(parts) == 3:
		return "MYSQL_8_0_" + parts[2]
	case strings.HasPrefix(version, "POSTGRES_") && len(parts) == 2 && version == "POSTGRES_"+parts[0]:
		return version + "_" + parts[1]
	case version == "POSTGRES_16":
		return "POSTGRES_16_8"
	}
	return version + "_0"
}

// nextMinor is the installed version a maintenance moves to.
func nextMinor(installed string) string {
	i := strings.LastIndex(installed, "_")
	n, err := strconv.Atoi(installed[i+1:])
	if i < 0 || err != nil {
		return installed
	}
	return installed[:i+1] + strconv.Itoa(n+1)
}

// maintenanceVersion labels a maintenance release as Cloud SQL does:
// POSTGRES_15_8.R20240910.01_00.
func maintenanceVersion(installed string, t time.Time) string {
	return installed + ".R" + t.UTC().Format("20060102") + ".00_00"
}

func initialDatabases(version string) []*sqladmin.Database {
	if engine(version) == "postgres" {
		return []*sqladmin.Database{{Name: "postgres", Charset: "UTF8", Collation: "en_US.UTF8"}}
	}
	var out []*sqladmin.Database
	for _, n := range []string{"information_schema", "mysql", "performance_schema", "sys"} {
		out = append(out, &sqladmin.Database{Name: n, Charset: "utf8mb3", Collation: "utf8mb3_general_ci"})
	}
	return out
}

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hasUser reports whether an instance lists user name.
func hasUser(in *instance, name string) bool {
	return slices.ContainsFunc(in.Users, func(u *sqladmin.User) bool { return u.Name == name })
}
