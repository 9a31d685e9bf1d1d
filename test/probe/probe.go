// Package probe uses what a connection Secret describes the way an
// application would: it queries the database and talks to the cache. The
// integration and end-to-end tests share it.
package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Query connects with a PostgreSQL URL and returns the database's name:
// the database is really there and the credentials really work.
func Query(url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx) //nolint:errcheck // Read-only query.
	var db string
	err = conn.QueryRow(ctx, "select current_database()").Scan(&db)
	return db, err
}

// Redis is just enough of RESP to AUTH, PING, SET and GET.
type Redis struct {
	c net.Conn
	r *bufio.Reader
}

// DialRedis connects over TLS verified against caPEM, the CA certificate
// of the connection Secret: the one the provider was told the endpoints use.
func DialRedis(host, port, caPEM string) (*Redis, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, errors.New("no CA certificate to verify the cache with")
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort(host, port), &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &Redis{c: c, r: bufio.NewReader(c)}, nil
}

// WithToken AUTHs with token on a fresh connection to host:port and runs f.
func WithToken(host, port, caPEM, token string, f func(*Redis) error) error {
	c, err := DialRedis(host, port, caPEM)
	if err != nil {
		return err
	}
	defer c.Close() //nolint:errcheck // Test connection.
	if _, err := c.Do("AUTH", token); err != nil {
		return err
	}
	return f(c)
}

// Close closes the connection.
func (r *Redis) Close() error { return r.c.Close() }

// Do sends a command and returns its simple, integer or bulk reply.
func (r *Redis) Do(args ...string) (string, error) {
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
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		if line == "$-1" {
			return "", nil
		}
		v, err := r.r.ReadString('\n')
		return strings.TrimRight(v, "\r\n"), err
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// Ping sends PING and wants PONG.
func Ping(r *Redis) error {
	pong, err := r.Do("PING")
	if err == nil && pong != "PONG" {
		err = fmt.Errorf("PING answered %q", pong)
	}
	return err
}

// Admitted says whether a TCP connection to host:port from the source
// address src (a loopback address such as 127.0.50.1, which Linux lets a
// client bind) is let through. The local cloud's security-group gate
// closes a connection it refuses at once; an admitted one reaches the
// engine, which waits for the client to speak first (PostgreSQL's
// startup message, a TLS hello), so a read that times out means the
// connection is open.
func Admitted(src, host, port string) (bool, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", net.JoinHostPort(host, port))
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return false, nil // closed before the dial returned
	}
	if err != nil {
		return false, err
	}
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		return false, err
	}
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true, nil
	}
	return false, nil
}
