package localcloudtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/resp"
)

// RedisConn is a connection to one of the local cloud's Redis nodes, for
// the tests, which compare its replies as text.
type RedisConn struct {
	c *resp.Conn
}

// DialRedis connects to addr (host:port), over TLS verified against pool,
// for the server name host, when pool is set.
func DialRedis(addr string, pool *x509.CertPool) (*RedisConn, error) {
	var cfg *tls.Config
	if pool != nil {
		host, _, _ := net.SplitHostPort(addr)
		cfg = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	c, err := resp.Dial(context.Background(), addr, cfg)
	if err != nil {
		return nil, err
	}
	return &RedisConn{c: c}, nil
}

// Close closes the connection.
func (r *RedisConn) Close() error { return r.c.Close() }

// Do sends a command and returns a simple, integer or bulk reply as text;
// an error reply is an error, a nil bulk string "".
func (r *RedisConn) Do(args ...string) (string, error) {
	reply, err := r.c.Do(args...)
	if err != nil {
		return "", err
	}
	switch v := reply.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	}
	return "", fmt.Errorf("unexpected reply %v", reply)
}

// WithRedis runs f on a fresh connection to addr, after AUTH with
// password unless it is empty.
func WithRedis(addr string, pool *x509.CertPool, password string, f func(*RedisConn) error) error {
	c, err := DialRedis(addr, pool)
	if err != nil {
		return err
	}
	defer c.Close()
	if password != "" {
		if _, err := c.Do("AUTH", password); err != nil {
			return err
		}
	}
	return f(c)
}

// Redis runs cmd on a fresh connection to addr, after AUTH with password
// unless it is empty.
func Redis(addr string, pool *x509.CertPool, password string, cmd ...string) (string, error) {
	var reply string
	err := WithRedis(addr, pool, password, func(c *RedisConn) error {
		var err error
		reply, err = c.Do(cmd...)
		return err
	})
	return reply, err
}

// Eventually retries f until it succeeds, for what replication or a
// restart makes true a moment later.
func Eventually(t testing.TB, what string, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}
