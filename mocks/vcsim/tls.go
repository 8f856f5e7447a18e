package main

// TLS material for the simulator.
//
// The stock vcsim certificate (RSA-1024, CA:TRUE) is rejected by rustls
// (CaUsedAsEndEntity) and by OpenSSL 3, so we mint a fresh one at every start:
// ECDSA P-256, self-signed, basicConstraints CA:FALSE, EKU serverAuth,
// SAN IP:127.0.0.1 + DNS:localhost. Clients trust exactly this certificate
// (written to DIR/ca.pem). Verified: rustls 0.23 / webpki 0.103 accept a
// self-signed CA:FALSE leaf added as its own root, as do curl and
// `openssl s_client -verify_return_error`.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"
)

// serverTLS returns the server's tls.Config and the PEM a client must trust.
func serverTLS(validDays int) (*tls.Config, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vcsim-arc"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Duration(validDays) * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, // emits basicConstraints CA:FALSE
		IsCA:                  false,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
	}
	return cfg, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
