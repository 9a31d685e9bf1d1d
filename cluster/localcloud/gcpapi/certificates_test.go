package gcpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDescribeCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	notBefore := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject:      pkix.Name{CommonName: "Local Cloud CA"},
		NotBefore:    notBefore,
		NotAfter:     notBefore.Add(24 * time.Hour),
		IsCA:         true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	sum := sha1.Sum(der)

	got, err := DescribeCertificate(certPEM)
	if err != nil {
		t.Fatalf("DescribeCertificate: %v", err)
	}
	want := Certificate{
		PEM:             string(certPEM),
		SerialNumber:    "4242",
		CommonName:      "Local Cloud CA",
		CreateTime:      "2025-03-01T12:00:00.000Z",
		ExpireTime:      "2025-03-02T12:00:00.000Z",
		SHA1Fingerprint: hex.EncodeToString(sum[:]),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeCertificate: -want +got:\n%s", diff)
	}
	if _, err := DescribeCertificate([]byte("not a certificate")); err == nil {
		t.Errorf("DescribeCertificate of no PEM: want an error, got nil")
	}
}
