//go:build integration

package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
)

func replicationGroup(name string, mutate ...func(*v1alpha1.ReplicationGroup)) *v1alpha1.ReplicationGroup {
	g := &v1alpha1.ReplicationGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ReplicationGroupSpec{ForProvider: v1alpha1.ReplicationGroupParameters{
			Region:                   "us-east-1",
			Description:              "integration test",
			Engine:                   v1alpha1.EngineRedis,
			CacheNodeType:            "cache.t4g.micro",
			NumCacheClusters:         1,
			TransitEncryptionEnabled: true,
			AtRestEncryptionEnabled:  true,
			ApplyImmediately:         true,
			AuthTokenSecretRef:       &v1alpha1.LocalSecretKeySelector{Name: name + "-token", Key: "token"},
		}},
	}
	g.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	for _, m := range mutate {
		m(g)
	}
	return g
}

// redisConn is just enough of RESP to AUTH, PING, SET and GET.
type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// dialRedis connects over TLS verified against the local cloud's CA.
func dialRedis(host, port string) (*redisConn, error) {
	resp, err := http.Get(localCloudURL + "/localcloud/ca.crt") //nolint:noctx // Test helper.
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close() //nolint:errcheck // Read-only.
	ca, _ := io.ReadAll(resp.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("the local cloud published no CA certificate")
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort(host, port), &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &redisConn{c: c, r: bufio.NewReader(c)}, nil
}

func (r *redisConn) do(args ...string) (string, error) {
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

// withToken AUTHs with token on a fresh connection and runs f.
func withToken(host, port, token string, f func(*redisConn) error) error {
	c, err := dialRedis(host, port)
	if err != nil {
		return err
	}
	defer c.c.Close() //nolint:errcheck // Test connection.
	if _, err := c.do("AUTH", token); err != nil {
		return err
	}
	return f(c)
}

// TestReplicationGroup runs a group against the local cloud and real
// Redis: Ready once available, reachable over TLS with the token from its
// connection Secret, a replica added and read from, the token rotated
// without breaking clients, deleted.
func TestReplicationGroup(t *testing.T) {
	t.Parallel()
	const name = "it-cache"
	cr := replicationGroup(name)
	create(t, cr)
	eventually(t, dbConverge, "group Ready", func() error { return ready(cr) })
	conn := connSecret(t, name+"-conn")
	addCanary(conn["password"])
	if !strings.HasPrefix(conn["url"], "rediss://") {
		t.Errorf("url %q: want rediss:// with transit encryption", strings.ReplaceAll(conn["url"], conn["password"], "<token>"))
	}
	if err := withToken(conn["host"], conn["port"], conn["password"], func(c *redisConn) error {
		if pong, err := c.do("PING"); err != nil || pong != "PONG" {
			return fmt.Errorf("PING: %q, %v", pong, err)
		}
		if _, err := c.do("SET", "greeting", "hello"); err != nil {
			return err
		}
		v, err := c.do("GET", "greeting")
		if err != nil || v != "hello" {
			return fmt.Errorf("GET: %q, %v", v, err)
		}
		return nil
	}); err != nil {
		t.Fatalf("using the cache through its connection Secret: %v", err)
	}

	t.Run("AddReplica", func(t *testing.T) {
		eventually(t, 30*time.Second, "replicas changed", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			cr.Spec.ForProvider.NumCacheClusters = 2
			return kube.Update(context.Background(), cr)
		})
		eventually(t, dbConverge, "replica serving reads", func() error {
			if err := ready(cr); err != nil {
				return err
			}
			conn := connSecret(t, name+"-conn")
			if conn["readerHost"] == "" || len(cr.Status.AtProvider.MemberClusters) != 2 {
				return fmt.Errorf("readerHost %q, members %v", conn["readerHost"], cr.Status.AtProvider.MemberClusters)
			}
			return withToken(conn["readerHost"], conn["port"], conn["password"], func(c *redisConn) error {
				v, err := c.do("GET", "greeting")
				if err != nil || v != "hello" {
					return fmt.Errorf("GET on the reader: %q, %v", v, err)
				}
				return nil
			})
		})
	})

	t.Run("RotateToken", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		old := connSecret(t, name+"-conn")
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, name+"-token"), s); err != nil {
			t.Fatal(err)
		}
		const rotated = "rotated-token-for-it-cache-0001-abcdef"
		addCanary(rotated)
		s.Data["token"] = []byte(rotated)
		if err := kube.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "rotation completed", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			if cr.Status.AtProvider.AuthTokenRotating != "" || cr.Status.AtProvider.AuthTokenSecretVersion != s.ResourceVersion {
				return fmt.Errorf("rotating %q, applied %q", cr.Status.AtProvider.AuthTokenRotating, cr.Status.AtProvider.AuthTokenSecretVersion)
			}
			return withToken(old["host"], old["port"], rotated, func(c *redisConn) error { _, err := c.do("PING"); return err })
		})
		if err := withToken(old["host"], old["port"], old["password"], func(c *redisConn) error { _, err := c.do("PING"); return err }); err == nil {
			t.Error("the old token still works after SET")
		}
		if got := connSecret(t, name+"-conn")["password"]; got != rotated {
			t.Error("the connection Secret does not have the new token")
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := kube.Delete(context.Background(), cr); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "resource gone", func() error { return gone(cr) })
	})
}

// TestReplicationGroupBadSpecRefusedAtAdmission: what ElastiCache would
// refuse is refused before it reaches the provider.
func TestReplicationGroupBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"TokenWithoutTLS": {reason: "ElastiCache sends a token only over TLS", obj: replicationGroup("it-bad-token", func(g *v1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.TransitEncryptionEnabled = false
		}), want: "an auth token needs transitEncryptionEnabled"},
		"FailoverWithoutReplica": {reason: "failover needs a replica", obj: replicationGroup("it-bad-failover", func(g *v1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.AutomaticFailoverEnabled = true
		}), want: "automaticFailoverEnabled needs numCacheClusters of 2 or more"},
		"TooMany": {reason: "at most six nodes", obj: replicationGroup("it-bad-nodes", func(g *v1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.NumCacheClusters = 7
		}), want: "numCacheClusters"},
	})
	o := replicationGroup("it-immutable-cache", func(g *v1alpha1.ReplicationGroup) {
		g.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	})
	expectImmutable(t, o, func() { o.Spec.ForProvider.AtRestEncryptionEnabled = false }, "atRestEncryptionEnabled is immutable")
}
