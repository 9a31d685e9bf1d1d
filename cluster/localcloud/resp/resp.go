// Package resp is just enough of Redis's protocol (RESP2) for the local
// cloud to administer its Redis nodes and for its tests to use them as a
// client would: no new module for a handful of commands.
package resp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Conn is one connection to a Redis server.
type Conn struct {
	c net.Conn
	r *bufio.Reader
}

// Error is an error reply, such as "WRONGPASS ..." or "NOAUTH ...".
type Error string

func (e Error) Error() string { return string(e) }

// Dial connects to addr (host:port), over TLS with cfg when it is set.
// The connection ends with ctx's deadline, or 10 seconds from now.
func Dial(ctx context.Context, addr string, cfg *tls.Config) (*Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	var (
		c   net.Conn
		err error
	)
	if cfg == nil {
		c, err = d.DialContext(ctx, "tcp", addr)
	} else {
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
	return &Conn{c: c, r: bufio.NewReader(c)}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Do sends one command and returns its reply: a string, an int64, nil, or
// a []any; an error reply is an Error. Errors never quote the command,
// whose arguments may be secrets.
func (c *Conn) Do(args ...string) (any, error) {
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

// Run sends a command whose reply matters only if it is an error, such
// as one that answers +OK.
func (c *Conn) Run(args ...string) error {
	_, err := c.Do(args...)
	return err
}

func (c *Conn) read() (any, error) {
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
		return nil, Error(line[1:])
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
