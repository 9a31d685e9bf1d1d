package engines

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// The CA's files in the local cloud's data dir. ca.crt is public: clients
// trust the engines' TLS listeners through it.
const (
	CACertFile = "ca.crt"
	caKeyFile  = "ca.key"
)

// Lifetimes of the certificates. A server certificate is issued again when
// it would expire within serverRenewal.
const (
	caLifetime     = 10 * 365 * 24 * time.Hour
	serverLifetime = 825 * 24 * time.Hour
	serverRenewal  = 30 * 24 * time.Hour
)

// CA is the local cloud's own certificate authority. Engines that serve TLS
// (Redis with transit encryption) present certificates it signs; clients
// verify them with its certificate, which the local cloud publishes. The
// first start creates it, later starts load it, so a client that saved the
// certificate keeps trusting the engines across restarts.
type CA struct {
	// CertFile is the published certificate, dir/ca.crt.
	CertFile string

	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

// LoadCA loads the CA kept in dir, creating it the first time: dir/ca.crt
// and dir/ca.key (mode 0600).
func LoadCA(dir string) (*CA, error) {
	ca := &CA{CertFile: filepath.Join(dir, CACertFile)}
	keyFile := filepath.Join(dir, caKeyFile)
	certPEM, err := os.ReadFile(ca.CertFile)
	if errors.Is(err, fs.ErrNotExist) {
		if err := ca.create(dir, keyFile); err != nil {
			return nil, fmt.Errorf("cannot create the local cloud's CA: %w", err)
		}
		return ca, nil
	}
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the local cloud's CA key: %w", err)
	}
	if ca.cert, err = parseCert(certPEM); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", ca.CertFile, err)
	}
	if ca.key, err = parseKey(keyPEM); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", keyFile, err)
	}
	ca.pem = certPEM
	return ca, nil
}

// ParseCA returns a CA made elsewhere from its PEM certificate and key: the
// local stack uses Crossplane core's CA to sign the certificates of the
// functions core calls.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", pair.PrivateKey)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, pem: certPEM}, nil
}

func (ca *CA) create(dir, keyFile string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := serialNumber()
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"localcloud"}, CommonName: "localcloud CA " + serial.Text(16)[:8]},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return err
	}
	if ca.cert, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	ca.key = key
	ca.pem = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	// The key first: a certificate without its key would be loaded as a
	// CA that cannot sign.
	if err := writeKey(keyFile, key); err != nil {
		return err
	}
	return statefile.Write(ca.CertFile, ca.pem, 0o644)
}

// PEM returns the CA certificate, PEM-encoded.
func (ca *CA) PEM() []byte { return ca.pem }

// IssueServer makes sure certFile and keyFile hold a certificate this CA
// signed, for 127.0.0.1, ::1, localhost and the addresses in ips (a
// cache's endpoints in its VPC), valid for a while yet; it issues a new
// one otherwise, and so when an address is missing.
func (ca *CA) IssueServer(certFile, keyFile string, ips ...netip.Addr) error {
	if ca.validServer(certFile, keyFile, ips) {
		return nil
	}
	sans := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, ip := range ips {
		sans = append(sans, net.IP(ip.AsSlice()))
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := serialNumber()
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"localcloud"}, CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		// Client auth too: a Redis replica presents the same certificate
		// to its primary.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: sans,
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o755); err != nil {
		return err
	}
	if err := writeKey(keyFile, key); err != nil {
		return err
	}
	return statefile.Write(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func (ca *CA) validServer(certFile, keyFile string, ips []netip.Addr) bool {
	b, err := os.ReadFile(certFile)
	if err != nil {
		return false
	}
	cert, err := parseCert(b)
	if err != nil {
		return false
	}
	if _, err := os.Stat(keyFile); err != nil {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	names := []string{"127.0.0.1"}
	for _, ip := range ips {
		names = append(names, ip.String())
	}
	for _, name := range names {
		_, err = cert.Verify(x509.VerifyOptions{
			Roots:       roots,
			CurrentTime: time.Now().Add(serverRenewal),
			DNSName:     name,
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		if err != nil {
			return false
		}
	}
	return true
}

func parseCert(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", k)
	}
	return s, nil
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return statefile.Write(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}
