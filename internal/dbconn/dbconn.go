// Package dbconn writes what an application needs to reach a database
// instance (RDS, Cloud SQL) as the keys of the family's connection Secret
// contract (docs/connection-secrets.md): one piece of code for every
// database kind, so that the keys and the URL mean the same everywhere.
package dbconn

import (
	"net/url"
	"strconv"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
)

// Engines, as the connection Secret's engine key names them.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	MariaDB  = "mariadb"
)

// A Database is one database of an instance and the login to it.
type Database struct {
	// Engine is postgres, mysql or mariadb; MariaDB speaks MySQL's protocol
	// and its URL is a mysql:// one.
	Engine string
	// Host and Port of the endpoint clients connect to.
	Host string
	Port int
	// Username, and Password: "" while the cloud is not known to have it,
	// and then neither password nor url is written, so that the Secret
	// keeps the ones clients use (publishing adds and replaces keys, never
	// removes).
	Username, Password string
	// Name of the database; a postgres instance without one has postgres.
	Name string
	// Query is the url's query, which says how to use TLS:
	// sslmode=prefer, sslmode=require, ssl-mode=REQUIRED.
	Query string
}

// DatabaseName is the database clients use: name, or postgres for a
// postgres instance without one (MySQL has no default database).
func DatabaseName(engine, name string) string {
	if name == "" && engine == Postgres {
		return Postgres
	}
	return name
}

// URL is the database's URL, user and password escaped:
// postgres://user:password@host:port/database?query, or mysql://... .
func (d Database) URL() string {
	u := url.URL{
		Scheme:   MySQL,
		Host:     d.Host + ":" + strconv.Itoa(d.Port),
		Path:     "/" + DatabaseName(d.Engine, d.Name),
		User:     url.UserPassword(d.Username, d.Password),
		RawQuery: d.Query,
	}
	if d.Engine == Postgres {
		u.Scheme = Postgres
	}
	return u.String()
}

// ConnectionDetails are the keys every database kind writes: username,
// host, port, endpoint (the host, by the contract's rule 2), database,
// engine, and password and url once the password is known to be in place.
// Nothing is written until the cloud reports the endpoint's host.
func (d Database) ConnectionDetails() managed.ConnectionDetails {
	if d.Host == "" {
		return nil
	}
	cd := managed.ConnectionDetails{
		"username": []byte(d.Username),
		"host":     []byte(d.Host),
		"port":     []byte(strconv.Itoa(d.Port)),
		"endpoint": []byte(d.Host),
		"database": []byte(DatabaseName(d.Engine, d.Name)),
		"engine":   []byte(d.Engine),
	}
	if d.Password != "" {
		cd["password"], cd["url"] = []byte(d.Password), []byte(d.URL())
	}
	return cd
}
