package engines

import (
	"bytes"
	"crypto/x509"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServerCertificateAddresses proves a server certificate covers the
// VPC addresses it is issued for, and is issued again when one is added,
// so a client verifying a cache endpoint's address against the CA gets in.
func TestServerCertificateAddresses(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "srv", "server.crt"), filepath.Join(dir, "srv", "server.key")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM())
	verifies := func(b []byte, host string) bool {
		cert, err := parseCert(b)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host})
		return err == nil
	}
	a, b := netip.MustParseAddr("127.0.1.4"), netip.MustParseAddr("127.0.1.5")
	steps := []struct {
		reason    string
		ips       []netip.Addr
		wantNew   bool
		wantHosts map[string]bool
	}{
		{reason: "A first certificate covers loopback and the addresses asked for.", ips: []netip.Addr{a}, wantNew: true,
			wantHosts: map[string]bool{"127.0.0.1": true, "127.0.1.4": true, "127.0.1.5": false}},
		{reason: "The same addresses keep the certificate.", ips: []netip.Addr{a},
			wantHosts: map[string]bool{"127.0.0.1": true, "127.0.1.4": true, "127.0.1.5": false}},
		{reason: "An address added issues a new one that covers both.", ips: []netip.Addr{a, b}, wantNew: true,
			wantHosts: map[string]bool{"127.0.0.1": true, "127.0.1.4": true, "127.0.1.5": true}},
		{reason: "Fewer addresses than covered keep it.", ips: []netip.Addr{b},
			wantHosts: map[string]bool{"127.0.0.1": true, "127.0.1.4": true, "127.0.1.5": true}},
	}
	var before []byte
	for i, st := range steps {
		if err := ca.IssueServer(certFile, keyFile, st.ips...); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		after, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		gotHosts := map[string]bool{}
		for host := range st.wantHosts {
			gotHosts[host] = verifies(after, host)
		}
		if diff := cmp.Diff(st.wantHosts, gotHosts); diff != "" {
			t.Errorf("step %d: %s\nverifies for: -want +got:\n%s", i, st.reason, diff)
		}
		if got := !bytes.Equal(before, after); got != st.wantNew {
			t.Errorf("step %d: %s\nissued anew: want %t, got %t", i, st.reason, st.wantNew, got)
		}
		before = after
	}
}
