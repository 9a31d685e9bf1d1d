package localcloudtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a pgx configuration for database db on host:port as user,
// over TLS verified with pool for the server name host unless pool is nil.
func Postgres(host string, port int, user, password, db string, pool *x509.CertPool) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable connect_timeout=5", host, port, user, db))
	if err != nil {
		return nil, err
	}
	cfg.Password = password
	if pool != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return cfg, nil
}

// PostgresQuery runs query, which answers one text value, on a fresh
// connection made with cfg.
func PostgresQuery(cfg *pgx.ConnConfig, query string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var out string
	err = conn.QueryRow(ctx, query).Scan(&out)
	return out, err
}
