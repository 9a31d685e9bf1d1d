package engines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/resp"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// ValkeyVersion is the version the valkey engine reports when no
// valkey-server is installed and redis-server stands in for it (Debian 12
// ships Redis 7.0 and no Valkey). Like MySQLVersion it is a label, not the
// server's version: where Valkey 7.2 and Redis 7.0 differ, the local cloud
// behaves like Redis 7.0.
const ValkeyVersion = "7.2.4"

// redisAdmin is the local cloud's own Redis user. It administers the node
// (readiness, password changes, snapshots) and replicas log in to their
// primary with it, so the customer's token is never needed in clear.
const redisAdmin = "localcloud"

// Files in a Redis node's directory.
const (
	redisSettingsFile = "node.json"
	redisConfFile     = "redis.conf"
	redisPIDFile      = "redis.pid"
	redisDumpFile     = "dump.rdb"
	redisTLSDir       = "tls"
)

// Redis runs redis-server for the ElastiCache engines redis and valkey.
// A node is set up by ConfigureRedis, which writes its configuration
// before the supervisor first starts it: unlike a database there is no
// initdb to run.
type Redis struct {
	// Engine is the API name, "redis" or "valkey"; it decides the binary
	// looked for first and the version reported.
	Engine string

	once    sync.Once
	bin     string
	version string
	err     error
}

// RedisNode is what one node serves.
type RedisNode struct {
	// Primary is the port of the node this one replicates (on 127.0.0.1);
	// 0 makes the node a primary.
	Primary int
	// TLS, when set, makes the node serve TLS only, with a certificate
	// signed by the local cloud's CA, and replicate over TLS.
	TLS  *RedisTLS
	Auth RedisAuth
}

// RedisTLS names the files a TLS node uses; they are copied into the
// node's directory.
type RedisTLS struct {
	CertFile, KeyFile, CAFile string
}

// RedisAuth is who may use a node, kept as Redis's ACL keeps passwords:
// SHA-256 hashes, never the passwords themselves.
type RedisAuth struct {
	// Secret is the password of the local cloud's own user, the same on
	// every node of a group: replicas use it to reach their primary.
	Secret string
	// Hashes are the default user's passwords (RedisPasswordHash). Two
	// while a token is rotated, one after it is set.
	Hashes []string `json:",omitempty"`
	// NoPass lets anyone in as the default user, with or without a
	// password: a group without a token, or one whose first token is
	// being rotated in.
	NoPass bool `json:",omitempty"`
}

// RedisPasswordHash is the form in which Redis's ACL stores a password.
func RedisPasswordHash(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

// redisSettings is node.json: what the driver needs to run and reach the
// node. Mode 0600, owned by the local cloud's user.
type redisSettings struct {
	Primary int `json:",omitempty"`
	TLS     bool
	Auth    RedisAuth
}

// Name implements Driver.
func (r *Redis) Name() string { return r.Engine }

// SystemUser implements Driver: as root, the server runs as Debian's
// redis account when it exists, and as root otherwise, which Redis
// accepts.
func (r *Redis) SystemUser() string {
	if _, err := user.Lookup("redis"); err == nil {
		return "redis"
	}
	return "root"
}

// StopSignal is SIGTERM, on which redis-server saves its data and exits.
func (r *Redis) StopSignal() syscall.Signal { return syscall.SIGTERM }

// PIDFile implements Driver.
func (r *Redis) PIDFile(dir string) string { return filepath.Join(dir, redisPIDFile) }

var redisVersion = regexp.MustCompile(`v=(\d+\.\d+\.\d+)`)

// Version implements Driver: redis-server's version (e.g. "7.0.15") for
// redis; for valkey, valkey-server's when installed, else ValkeyVersion.
func (r *Redis) Version() (string, error) {
	r.once.Do(func() {
		label := ""
		if r.Engine == "valkey" {
			r.bin = findBinary("valkey-server")
			label = ValkeyVersion
		}
		if r.bin == "" {
			r.bin = findBinary("redis-server")
		} else {
			label = ""
		}
		if r.bin == "" {
			r.err = fmt.Errorf("engine %s needs redis-server, which is not installed: install the Debian package redis-server", r.Engine)
			return
		}
		out, err := exec.Command(r.bin, "--version").Output()
		if err != nil {
			r.err = fmt.Errorf("cannot run %s --version: %w", r.bin, err)
			return
		}
		v := redisVersion.FindStringSubmatch(string(out))
		if v == nil {
			r.err = fmt.Errorf("cannot read the version in %q", strings.TrimSpace(string(out)))
			return
		}
		r.version = v[1]
		if label != "" {
			r.version = label
		}
	})
	return r.version, r.err
}

// findBinary looks on PATH, then in the directories Debian uses.
func findBinary(name string) string {
	for _, p := range []string{name, "/usr/bin/" + name, "/usr/sbin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// Init implements Driver for a node started without ConfigureRedis: a
// standalone primary whose default user has s.MasterPassword.
func (r *Redis) Init(_ context.Context, rt *Runtime, s Spec) error {
	secret, err := randomHex(24)
	if err != nil {
		return err
	}
	_, err = writeRedisNode(rt, s.Dir, RedisNode{Auth: RedisAuth{Secret: secret, Hashes: []string{RedisPasswordHash(s.MasterPassword)}}})
	return err
}

// Command implements Driver. Only the configuration file's path and the
// port are on the command line: secrets are in the 0600 file.
func (r *Redis) Command(_ *Runtime, dir string, port int) (*exec.Cmd, error) {
	st, err := readRedisSettings(dir)
	if err != nil {
		return nil, err
	}
	args := []string{filepath.Join(dir, redisConfFile), "--port", strconv.Itoa(port)}
	if st.TLS {
		args = []string{filepath.Join(dir, redisConfFile), "--port", "0", "--tls-port", strconv.Itoa(port)}
	}
	cmd := exec.Command(r.bin, args...)
	cmd.Env = baseEnv()
	cmd.Dir = dir
	return cmd, nil
}

// Ready implements Driver: the admin user's PING.
func (r *Redis) Ready(ctx context.Context, dir string, port int) error {
	c, err := adminConn(ctx, dir, port)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Run("PING")
}

// Bootstrap implements Driver; ConfigureRedis or Init did everything.
func (r *Redis) Bootstrap(context.Context, Spec, int) error { return nil }

// SetPassword implements Driver: user "default" gets password as its only
// one, on the running node and in its configuration.
func (r *Redis) SetPassword(ctx context.Context, dir string, port int, user, password string) error {
	if user != "default" {
		return fmt.Errorf("the local cloud manages only the default Redis user, not %q", user)
	}
	st, err := readRedisSettings(dir)
	if err != nil {
		return err
	}
	st.Auth.Hashes, st.Auth.NoPass = []string{RedisPasswordHash(password)}, false
	rt, err := runtimeFor(r.SystemUser())
	if err != nil {
		return err
	}
	if err := writeRedisFiles(rt, dir, st); err != nil {
		return err
	}
	return applyRedisLive(ctx, dir, port, st, 0)
}

// Dump implements Driver with an RDB file: SAVE on the node, then a copy
// of what it wrote. db is not needed: an RDB holds every database.
func (r *Redis) Dump(ctx context.Context, dir string, port int, _ string, w io.Writer) error {
	c, err := adminConn(ctx, dir, port)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		err = c.Run("SAVE")
		// A background save (from a save point) may be running: wait for it.
		if err == nil || !strings.Contains(err.Error(), "in progress") {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("SAVE: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, redisDumpFile))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// ConfigureRedis sets up Redis node id in dir, creating dir, so that the
// next Start runs it as n says; a node that runs already gets n's
// passwords and primary at once. It is how a node is created: no Init
// follows. A node's TLS setting cannot change while it runs.
func (s *Supervisor) ConfigureRedis(ctx context.Context, id, engine, dir string, n RedisNode) error {
	d, ok := s.drivers[engine].(*Redis)
	if !ok {
		return fmt.Errorf("engine %q is not a Redis engine", engine)
	}
	rt, err := runtimeFor(d.SystemUser())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := rt.CheckReach(dir); err != nil {
		return err
	}
	st, err := writeRedisNode(rt, dir, n)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, marker), nil, 0o644); err != nil {
		return err
	}
	s.mu.Lock()
	p, running := s.procs[id]
	s.mu.Unlock()
	if !running {
		return nil
	}
	return applyRedisLive(ctx, p.dir, p.port, st, n.Primary)
}

// RedisSynced returns nil once replica id has completed its first sync
// with its primary and its link is up.
func (s *Supervisor) RedisSynced(ctx context.Context, id string) error {
	p, err := s.get(id)
	if err != nil {
		return err
	}
	c, err := adminConn(ctx, p.dir, p.port)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := c.Do("INFO", "replication")
	if err != nil {
		return err
	}
	info, _ := v.(string)
	if !strings.Contains(info, "master_link_status:up") {
		return errors.New("the replica's link to its primary is not up yet")
	}
	return nil
}

// RedisSyncTimeout bounds how long a replica may take to sync with its
// primary.
const RedisSyncTimeout = 60 * time.Second

// WaitRedisSynced polls synced (Supervisor.RedisSynced) until replica id
// has synced with its primary, for RedisSyncTimeout at most.
func WaitRedisSynced(ctx context.Context, synced func(ctx context.Context, id string) error, id string) error {
	ctx, cancel := context.WithTimeout(ctx, RedisSyncTimeout)
	defer cancel()
	for {
		err := synced(ctx, id)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica %s did not sync with its primary: %w", id, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// writeRedisNode writes dir's settings, configuration and TLS files.
func writeRedisNode(rt *Runtime, dir string, n RedisNode) (redisSettings, error) {
	st := redisSettings{Primary: n.Primary, TLS: n.TLS != nil, Auth: n.Auth}
	if n.Auth.Secret == "" {
		return st, errors.New("a Redis node needs an admin secret")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return st, err
	}
	if err := rt.Own(dir); err != nil {
		return st, err
	}
	if n.TLS != nil {
		if err := copyTLS(rt, dir, *n.TLS); err != nil {
			return st, err
		}
	}
	return st, writeRedisFiles(rt, dir, st)
}

func copyTLS(rt *Runtime, dir string, t RedisTLS) error {
	tlsDir := filepath.Join(dir, redisTLSDir)
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		return err
	}
	if err := rt.Own(tlsDir); err != nil {
		return err
	}
	for src, name := range map[string]string{t.CertFile: "server.crt", t.KeyFile: "server.key", t.CAFile: "ca.crt"} {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		dst := filepath.Join(tlsDir, name)
		if err := statefile.Write(dst, b, 0o600); err != nil {
			return err
		}
		if err := rt.Own(dst); err != nil {
			return err
		}
	}
	return nil
}

// writeRedisFiles writes node.json (for the driver) and redis.conf (for
// the server, owned by the runtime's account); both are 0600.
func writeRedisFiles(rt *Runtime, dir string, st redisSettings) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := statefile.Write(filepath.Join(dir, redisSettingsFile), b, 0o600); err != nil {
		return err
	}
	conf := filepath.Join(dir, redisConfFile)
	if err := statefile.Write(conf, []byte(redisConf(dir, st)), 0o600); err != nil {
		return err
	}
	return rt.Own(conf)
}

// defaultUserRules gives the default user every command but the @admin
// ones (CONFIG, SAVE, SHUTDOWN, REPLICAOF, ACL SETUSER, DEBUG...), close to
// the commands ElastiCache restricts.
const defaultUserRules = "on ~* &* +@all -@admin"

// redisConf is the server's configuration. It holds password hashes and,
// on a replica, the admin secret as masterauth: never the customer's
// token. The port is given on the command line.
func redisConf(dir string, st redisSettings) string {
	lines := []string{
		"# Written by the local cloud. Holds secrets: keep mode 0600.",
		"bind 127.0.0.1",
		"daemonize no",
		"logfile \"\"",
		"pidfile " + quoteConf(filepath.Join(dir, redisPIDFile)),
		"dir " + quoteConf(dir),
		"dbfilename " + redisDumpFile,
		"save 3600 1 300 100 60 10000",
		"appendonly no",
		// The process title keeps the configuration's path, so that
		// /proc/PID/cmdline still names the node's dir: the supervisor
		// finds a server left behind by a local cloud that died by it.
		`proc-title-template "{title} {listen-addr} {server-mode} {config-file}"`,
		// A new replica syncs at once, not after the default 5 s wait for
		// others to join the same transfer.
		"repl-diskless-sync-delay 0",
		"user default " + defaultUserAuth(st.Auth),
		"user " + redisAdmin + " on #" + RedisPasswordHash(st.Auth.Secret) + " ~* &* +@all",
	}
	if st.TLS {
		t := filepath.Join(dir, redisTLSDir)
		lines = append(lines,
			"tls-cert-file "+quoteConf(filepath.Join(t, "server.crt")),
			"tls-key-file "+quoteConf(filepath.Join(t, "server.key")),
			"tls-ca-cert-file "+quoteConf(filepath.Join(t, "ca.crt")),
			// Clients need no certificate, as on ElastiCache.
			"tls-auth-clients no",
			"tls-replication yes",
		)
	}
	if st.Primary != 0 {
		lines = append(lines,
			"replicaof 127.0.0.1 "+strconv.Itoa(st.Primary),
			"masteruser "+redisAdmin,
			"masterauth "+quoteConf(st.Auth.Secret),
			"replica-read-only yes",
		)
	}
	return strings.Join(lines, "\n") + "\n"
}

// defaultUserAuth is the default user's ACL rules: nopass, or its
// password hashes.
func defaultUserAuth(a RedisAuth) string {
	if a.NoPass || len(a.Hashes) == 0 {
		return defaultUserRules + " nopass"
	}
	rules := defaultUserRules
	for _, h := range a.Hashes {
		rules += " #" + h
	}
	return rules
}

// quoteConf quotes a value for redis.conf, whose parser takes C-like
// escapes inside double quotes.
func quoteConf(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func readRedisSettings(dir string) (redisSettings, error) {
	var st redisSettings
	b, err := os.ReadFile(filepath.Join(dir, redisSettingsFile))
	if err != nil {
		return st, fmt.Errorf("cannot read the Redis node's settings: %w", err)
	}
	return st, json.Unmarshal(b, &st)
}

// adminConn connects to a node as the local cloud's own user.
func adminConn(ctx context.Context, dir string, port int) (*resp.Conn, error) {
	st, err := readRedisSettings(dir)
	if err != nil {
		return nil, err
	}
	ca := ""
	if st.TLS {
		ca = filepath.Join(dir, redisTLSDir, "ca.crt")
	}
	c, err := dialRedis(ctx, port, ca)
	if err != nil {
		return nil, err
	}
	if err := c.Run("AUTH", redisAdmin, st.Auth.Secret); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("cannot log in as %s: %w", redisAdmin, err)
	}
	return c, nil
}

// applyRedisLive gives a running node its default user's passwords and,
// for a replica, its primary. Connections already authenticated stay so,
// as on Redis itself.
func applyRedisLive(ctx context.Context, dir string, port int, st redisSettings, primary int) error {
	c, err := adminConn(ctx, dir, port)
	if err != nil {
		return err
	}
	defer c.Close()
	args := []string{"ACL", "SETUSER", "default", "resetpass"}
	if st.Auth.NoPass || len(st.Auth.Hashes) == 0 {
		args = append(args, "nopass")
	} else {
		for _, h := range st.Auth.Hashes {
			args = append(args, "#"+h)
		}
	}
	if err := c.Run(args...); err != nil {
		return fmt.Errorf("cannot change the default user's passwords: %w", err)
	}
	if primary != 0 {
		if err := c.Run("REPLICAOF", "127.0.0.1", strconv.Itoa(primary)); err != nil {
			return fmt.Errorf("cannot point the replica at its primary: %w", err)
		}
	}
	return nil
}
