package engines

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/resp"
)

func TestCA(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca.PEM(), again.PEM()) {
		t.Errorf("a second LoadCA made a new CA instead of loading the first")
	}
	certFile, keyFile := filepath.Join(dir, "srv", "server.crt"), filepath.Join(dir, "srv", "server.key")
	if err := ca.IssueServer(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(certFile)
	if err := again.IssueServer(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(certFile); !bytes.Equal(first, second) {
		t.Errorf("a valid server certificate was issued again")
	}
	cert, err := parseCert(first)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("the server certificate does not verify for %s: %v", host, err)
		}
	}
	modes := map[string]os.FileMode{}
	for _, f := range []string{filepath.Join(dir, CACertFile), filepath.Join(dir, caKeyFile), keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		modes[filepath.Base(f)] = fi.Mode().Perm()
	}
	if diff := cmp.Diff(map[string]os.FileMode{"ca.crt": 0o644, "ca.key": 0o600, "server.key": 0o600}, modes); diff != "" {
		t.Errorf("file modes: -want +got:\n%s", diff)
	}
}

// redisFixture runs Redis nodes under a supervisor in a temp dir.
type redisFixture struct {
	t   *testing.T
	sup *Supervisor
	dir string
	ca  *CA
}

func newRedisFixture(t *testing.T) *redisFixture {
	t.Helper()
	r := &Redis{Engine: "redis"}
	if _, err := r.Version(); err != nil {
		t.Skipf("Redis is not available: %v", err)
	}
	dir := localcloudtest.DataDir(t)
	ca, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.IssueServer(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")); err != nil {
		t.Fatal(err)
	}
	f := &redisFixture{t: t, sup: NewSupervisor(r), dir: dir, ca: ca}
	t.Cleanup(func() {
		if err := f.sup.StopAll(); err != nil {
			t.Errorf("StopAll: %v", err)
		}
	})
	return f
}

func (f *redisFixture) tls() *RedisTLS {
	return &RedisTLS{CertFile: filepath.Join(f.dir, "server.crt"), KeyFile: filepath.Join(f.dir, "server.key"), CAFile: f.ca.CertFile}
}

func (f *redisFixture) start(ctx context.Context, id string, n RedisNode) int {
	f.t.Helper()
	dir := filepath.Join(f.dir, "nodes", id)
	if err := f.sup.ConfigureRedis(ctx, id, "redis", dir, n); err != nil {
		f.t.Fatalf("ConfigureRedis %s: %v", id, err)
	}
	port, err := f.sup.Start(ctx, id, "redis", Spec{Dir: dir})
	if err != nil {
		f.t.Fatalf("Start %s: %v", id, err)
	}
	return port
}

// as runs commands on a fresh connection that AUTHs with password ("" for
// none), over TLS when caFile is set, and returns the last reply.
func as(ctx context.Context, port int, caFile, password string, cmds ...[]string) (any, error) {
	c, err := dialRedis(ctx, port, caFile)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if password != "" {
		if err := c.Run("AUTH", password); err != nil {
			return nil, err
		}
	}
	var last any
	for _, cmd := range cmds {
		if last, err = c.Do(cmd...); err != nil {
			return nil, err
		}
	}
	return last, nil
}

func TestRedisPrimaryAndReplica(t *testing.T) {
	f := newRedisFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const old, next = "first-token-0123456789", "second-token-0123456789"
	auth := RedisAuth{Secret: "admin-secret-for-tests", Hashes: []string{RedisPasswordHash(old)}}
	primary := f.start(ctx, "p", RedisNode{TLS: f.tls(), Auth: auth})
	replica := f.start(ctx, "r", RedisNode{Primary: primary, TLS: f.tls(), Auth: auth})
	for deadline := time.Now().Add(30 * time.Second); f.sup.RedisSynced(ctx, "r") != nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not sync: %v", f.sup.RedisSynced(ctx, "r"))
		}
	}
	ca := f.ca.CertFile
	if _, err := as(ctx, primary, ca, old, []string{"SET", "k", "v"}); err != nil {
		t.Fatalf("SET on the primary: %v", err)
	}
	var got any
	for deadline := time.Now().Add(10 * time.Second); got != "v" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got, _ = as(ctx, replica, ca, old, []string{"GET", "k"})
	}
	if got != "v" {
		t.Errorf("GET on the replica: want v, got %v", got)
	}
	if _, err := as(ctx, primary, "", old, []string{"PING"}); err == nil {
		t.Errorf("plain TCP reached a TLS-only node")
	}
	if _, err := as(ctx, primary, ca, "", []string{"PING"}); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without AUTH: want NOAUTH, got %v", err)
	}
	if _, err := as(ctx, primary, ca, old, []string{"CONFIG", "GET", "port"}); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Errorf("CONFIG as the default user: want NOPERM, got %v", err)
	}

	// ROTATE, then SET, on both nodes at once.
	rotated := RedisAuth{Secret: auth.Secret, Hashes: []string{RedisPasswordHash(old), RedisPasswordHash(next)}}
	set := RedisAuth{Secret: auth.Secret, Hashes: []string{RedisPasswordHash(next)}}
	for _, step := range []struct {
		auth      RedisAuth
		oldWorks  bool
		nextWorks bool
	}{{rotated, true, true}, {set, false, true}} {
		for id, port := range map[string]int{"p": 0, "r": primary} {
			if err := f.sup.ConfigureRedis(ctx, id, "redis", filepath.Join(f.dir, "nodes", id), RedisNode{Primary: port, TLS: f.tls(), Auth: step.auth}); err != nil {
				t.Fatal(err)
			}
		}
		for name, port := range map[string]int{"primary": primary, "replica": replica} {
			_, errOld := as(ctx, port, ca, old, []string{"PING"})
			_, errNext := as(ctx, port, ca, next, []string{"PING"})
			if (errOld == nil) != step.oldWorks || (errNext == nil) != step.nextWorks {
				t.Errorf("%s after %d password(s): old token works %t (want %t), new %t (want %t)", name, len(step.auth.Hashes), errOld == nil, step.oldWorks, errNext == nil, step.nextWorks)
			}
		}
	}

	var dump bytes.Buffer
	if err := f.sup.Dump(ctx, "p", "", &dump); err != nil || !bytes.HasPrefix(dump.Bytes(), []byte("REDIS")) {
		t.Errorf("Dump: want an RDB file, got %d bytes, %v", dump.Len(), err)
	}
	// The token reaches no file, command line or log; only its hash does.
	for _, id := range []string{"p", "r"} {
		dir := filepath.Join(f.dir, "nodes", id)
		_, pid, _ := f.sup.Running(id)
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		files := [][]byte{cmdline}
		for _, name := range []string{redisConfFile, redisSettingsFile, "redis.log"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, b)
		}
		for i, b := range files {
			if bytes.Contains(b, []byte(old)) || bytes.Contains(b, []byte(next)) {
				t.Errorf("node %s: a token is in clear in file %d", id, i)
			}
		}
		fi, err := os.Stat(filepath.Join(dir, redisConfFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("redis.conf: want mode 0600, got %v, %v", fi.Mode().Perm(), err)
		}
	}
}

func TestRedisPlainAndRestart(t *testing.T) {
	f := newRedisFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	port := f.start(ctx, "p", RedisNode{Auth: RedisAuth{Secret: "admin-secret-for-tests", NoPass: true}})
	if _, err := as(ctx, port, "", "", []string{"SET", "kept", "yes"}); err != nil {
		t.Fatalf("SET without a password on a group without a token: %v", err)
	}
	if err := f.sup.Stop("p"); err != nil {
		t.Fatal(err)
	}
	port = f.start(ctx, "p", RedisNode{Auth: RedisAuth{Secret: "admin-secret-for-tests", NoPass: true}})
	got, err := as(ctx, port, "", "", []string{"GET", "kept"})
	if diff := cmp.Diff("yes", got); diff != "" || err != nil {
		t.Errorf("GET after a restart (%v): -want +got:\n%s", err, diff)
	}
	if err := f.sup.Stop("p"); err != nil {
		t.Fatal(err)
	}
	if _, err := as(ctx, port, "", "", []string{"PING"}); err == nil {
		t.Errorf("a stopped node still answers")
	}
	var re resp.Error
	if _, err := as(ctx, port, "", "", []string{"PING"}); errors.As(err, &re) {
		t.Errorf("want a connection error, got a Redis reply %v", re)
	}
}

// TestRedisLeftover: a server left behind by a local cloud that died is
// found by its PID file and process title, and stopped, so a new
// supervisor can run the node again.
func TestRedisLeftover(t *testing.T) {
	f := newRedisFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := RedisNode{Auth: RedisAuth{Secret: "admin-secret-for-tests", NoPass: true}}
	old := f.start(ctx, "p", n)
	_, oldPID, _ := f.sup.Running("p")
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", oldPID))
	if !bytes.Contains(cmdline, []byte(f.dir)) {
		t.Fatalf("the process title %q does not name the node's dir", cmdline)
	}

	next := &redisFixture{t: t, sup: NewSupervisor(&Redis{Engine: "redis"}), dir: f.dir, ca: f.ca}
	t.Cleanup(func() { _ = next.sup.StopAll() })
	port := next.start(ctx, "p", n)
	if _, err := as(ctx, port, "", "", []string{"PING"}); err != nil {
		t.Errorf("the new server: %v", err)
	}
	// The first supervisor reaps its child once it has exited.
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(oldPID, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the old server %d (port %d) still runs", oldPID, old)
		}
	}
}

func TestRedisVersion(t *testing.T) {
	if findBinary("redis-server") == "" {
		t.Skip("redis-server is not installed")
	}
	want := map[string]string{"valkey": ValkeyVersion}
	if findBinary("valkey-server") != "" {
		want["valkey"] = "" // valkey-server's own version, whatever it is
	}
	for _, engine := range []string{"redis", "valkey"} {
		t.Run(engine, func(t *testing.T) {
			r := &Redis{Engine: engine}
			v, err := r.Version()
			if err != nil {
				t.Fatal(err)
			}
			if w := want[engine]; w != "" && v != w {
				t.Errorf("Version: want %s, got %s", w, v)
			}
			if !redisVersion.MatchString("v=" + v) {
				t.Errorf("Version %q is not a version", v)
			}
			if got := r.Name(); got != engine {
				t.Errorf("Name: want %s, got %s", engine, got)
			}
		})
	}
}

// TestRedisDriverPassword: like the other drivers, a node started with
// only a Spec has the master password, and SetPassword replaces it.
func TestRedisDriverPassword(t *testing.T) {
	f := newRedisFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const first, second = "first-password-123", "second-password-456"
	port, err := f.sup.Start(ctx, "solo", "redis", Spec{Dir: filepath.Join(f.dir, "solo"), MasterPassword: first})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sup.SetPassword(ctx, "solo", "default", second); err != nil {
		t.Fatal(err)
	}
	_, errFirst := as(ctx, port, "", first, []string{"PING"})
	_, errSecond := as(ctx, port, "", second, []string{"PING"})
	if errFirst == nil || errSecond != nil {
		t.Errorf("after SetPassword: the first password gives %v (want an error), the second %v", errFirst, errSecond)
	}
}

// TestWaitRedisSynced: the wait polls until the replica has synced, and
// gives up with the replica's last refusal when ctx ends.
func TestWaitRedisSynced(t *testing.T) {
	errNotYet := errors.New("the replica's link to its primary is not up yet")
	calls := 0
	synced := func(_ context.Context, id string) error {
		if id != "r" {
			t.Errorf("synced asked about %q, want r", id)
		}
		if calls++; calls < 3 {
			return errNotYet
		}
		return nil
	}
	if err := WaitRedisSynced(context.Background(), synced, "r"); err != nil || calls != 3 {
		t.Errorf("WaitRedisSynced: %v after %d polls; want nil after 3", err, calls)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	never := func(context.Context, string) error { return errNotYet }
	err := WaitRedisSynced(ctx, never, "r")
	if !errors.Is(err, errNotYet) || !strings.Contains(err.Error(), "replica r did not sync") {
		t.Errorf("WaitRedisSynced of a replica that never syncs: want %v naming replica r, got %v", errNotYet, err)
	}
}
