package gcpapi

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
)

// Certificate is what Google's APIs say of a certificate they list, such
// as the CA that signs an instance's server certificate.
type Certificate struct {
	PEM                      string
	SerialNumber, CommonName string
	// CreateTime and ExpireTime are its validity, as Timestamp writes them.
	CreateTime, ExpireTime string
	SHA1Fingerprint        string
}

// DescribeCertificate reads a PEM certificate.
func DescribeCertificate(certPEM []byte) (Certificate, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return Certificate{}, errors.New("no PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return Certificate{}, err
	}
	// Google names a certificate by its SHA-1 fingerprint; nothing is
	// signed with it.
	sum := sha1.Sum(c.Raw)
	return Certificate{
		PEM:             string(certPEM),
		SerialNumber:    c.SerialNumber.String(),
		CommonName:      c.Subject.CommonName,
		CreateTime:      Timestamp(c.NotBefore),
		ExpireTime:      Timestamp(c.NotAfter),
		SHA1Fingerprint: hex.EncodeToString(sum[:]),
	}, nil
}
