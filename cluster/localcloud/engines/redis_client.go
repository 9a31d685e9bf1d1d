package engines

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// redisConn is just enough of a RESP client for the local cloud to
// administer its nodes: no new module for a handful of commands.
type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// RedisError is an error reply, such as "WRONGPASS ..." or "NOAUTH ...".
type RedisError string

func (e RedisError) Error() string { return string(e) }

// dialRedis connects to 127.0.0.1:port, over TLS verified against caFile
// when it is set.
func dialRedis(ctx context.Context, port int, caFile string) (*redisConn, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	d := &net.Dialer{Timeout: 5 * time.Second}
	var (
		c   net.Conn
		err error
	)
	if caFile == "" {
		c, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var cfg *tls.Config
		if cfg, err = tlsConfig(caFile); err != nil {
			return nil, err
		}
		c, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = c.SetDeadline(deadline)
	return &redisConn{c: c, r: bufio.NewReader(c)}, nil
}

func tlsConfig(caFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func (c *redisConn) Close() error { return c.c.Close() }

// do sends one command and returns its reply: a string, an int64, nil, or
// a []any; an error reply is a RedisError. Errors never quote the
// command, whose arguments may be secrets.
func (c *redisConn) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.c, b.String()); err != nil {
		return nil, err
	}
	return c.read()
}

func (c *redisConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty RESP reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, RedisError(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected RESP reply type %q", line[0])
}

// ok runs a command that answers +OK (or anything that is not an error).
func (c *redisConn) ok(args ...string) error {
	_, err := c.do(args...)
	return err
}
