package localcloudtest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// RedisConn is a tiny RESP client for the tests that talk to the local
// cloud's Redis nodes.
type RedisConn struct {
	c net.Conn
	r *bufio.Reader
}

// DialRedis connects to addr (host:port), over TLS verified against pool,
// for the server name host, when pool is set.
func DialRedis(addr string, pool *x509.CertPool) (*RedisConn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	var (
		c   net.Conn
		err error
	)
	if pool != nil {
		host, _, _ := net.SplitHostPort(addr)
		c, err = tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
	} else {
		c, err = d.Dial("tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &RedisConn{c: c, r: bufio.NewReader(c)}, nil
}

// Close closes the connection.
func (r *RedisConn) Close() error { return r.c.Close() }

// Do sends a command and reads a simple, integer or bulk reply; an error
// reply is an error, a nil bulk string "".
func (r *RedisConn) Do(args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(r.c, b.String()); err != nil {
		return "", err
	}
	line, err := r.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case line == "$-1":
		return "", nil
	case line != "" && (line[0] == '+' || line[0] == ':'):
		return line[1:], nil
	case line != "" && line[0] == '-':
		return "", errors.New(line[1:])
	case line != "" && line[0] == '$':
		v, err := r.r.ReadString('\n')
		return strings.TrimRight(v, "\r\n"), err
	}
	return "", fmt.Errorf("unexpected reply %q", line)
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
