package dbconn

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
)

func TestConnectionDetails(t *testing.T) {
	cases := map[string]struct {
		reason string
		d      Database
		want   managed.ConnectionDetails
	}{
		"NoHostYet": {
			reason: "Nothing is written until the cloud reports the endpoint.",
			d:      Database{Engine: Postgres, Port: 5432, Username: "u", Password: "p"},
		},
		"Postgres": {
			reason: "A postgres database gets every key, the URL with its query and escaped credentials.",
			d:      Database{Engine: Postgres, Host: "db.example", Port: 5432, Username: "app user", Password: "p@ss/word", Name: "app", Query: "sslmode=require"},
			want: managed.ConnectionDetails{
				"username": []byte("app user"), "password": []byte("p@ss/word"), "host": []byte("db.example"), "port": []byte("5432"),
				"endpoint": []byte("db.example"), "database": []byte("app"), "engine": []byte("postgres"),
				"url": []byte("postgres://app%20user:p%40ss%2Fword@db.example:5432/app?sslmode=require"),
			},
		},
		"PostgresWithoutDatabase": {
			reason: "A postgres instance without a database name has the postgres database.",
			d:      Database{Engine: Postgres, Host: "h", Port: 5432, Username: "u", Password: "p"},
			want: managed.ConnectionDetails{
				"username": []byte("u"), "password": []byte("p"), "host": []byte("h"), "port": []byte("5432"),
				"endpoint": []byte("h"), "database": []byte("postgres"), "engine": []byte("postgres"),
				"url": []byte("postgres://u:p@h:5432/postgres"),
			},
		},
		"MariaDB": {
			reason: "MariaDB speaks MySQL: its URL is a mysql:// one, and MySQL has no default database.",
			d:      Database{Engine: MariaDB, Host: "h", Port: 3306, Username: "u", Password: "p"},
			want: managed.ConnectionDetails{
				"username": []byte("u"), "password": []byte("p"), "host": []byte("h"), "port": []byte("3306"),
				"endpoint": []byte("h"), "database": []byte(""), "engine": []byte("mariadb"),
				"url": []byte("mysql://u:p@h:3306/"),
			},
		},
		"PasswordNotInPlace": {
			reason: "Without a password known to be in place, neither password nor url is written.",
			d:      Database{Engine: MySQL, Host: "h", Port: 3306, Username: "root", Name: "app", Query: "ssl-mode=REQUIRED"},
			want: managed.ConnectionDetails{
				"username": []byte("root"), "host": []byte("h"), "port": []byte("3306"),
				"endpoint": []byte("h"), "database": []byte("app"), "engine": []byte("mysql"),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.d.ConnectionDetails()); diff != "" {
				t.Errorf("\n%s\nConnectionDetails(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
