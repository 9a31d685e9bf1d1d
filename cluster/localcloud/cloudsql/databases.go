package cloudsql

import (
	"context"
	"net/http"
	"slices"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

func (s *Service) databaseJSON(in *instance, d *sqladmin.Database) *sqladmin.Database {
	out := *d
	out.Kind, out.Instance, out.Project = "sql#database", in.Name, s.cfg.Project
	out.SelfLink = s.selfLink("instances/" + in.Name + "/databases/" + d.Name)
	return &out
}

func errDatabaseNotFound() error {
	return gcpapi.Errorf(http.StatusNotFound, "notFound", "The database does not exist.")
}

func (s *Service) listDatabases(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[r.PathValue("instance")]
	if !ok {
		return 0, nil, errNotFound()
	}
	out := &sqladmin.DatabasesListResponse{Kind: "sql#databasesList", Items: []*sqladmin.Database{}}
	for _, d := range in.Databases {
		out.Items = append(out.Items, s.databaseJSON(in, d))
	}
	return http.StatusOK, out, nil
}

func (s *Service) getDatabase(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[r.PathValue("instance")]
	if !ok {
		return 0, nil, errNotFound()
	}
	for _, d := range in.Databases {
		if d.Name == r.PathValue("db") {
			return http.StatusOK, s.databaseJSON(in, d), nil
		}
	}
	return 0, nil, errDatabaseNotFound()
}

// insertDatabase creates a database, owned by the built-in user on
// PostgreSQL (Cloud SQL makes cloudsqlsuperuser its owner).
func (s *Service) insertDatabase(r *http.Request) (int, any, error) {
	var d sqladmin.Database
	if err := gcpapi.ReadJSON(r, &d); err != nil {
		return 0, nil, err
	}
	if d.Name == "" {
		return 0, nil, invalid("Missing database name.")
	}
	name := r.PathValue("instance")
	return s.engineOp(r, "CREATE_DATABASE", name, func(ctx context.Context, in *instance) error {
		return s.cfg.Engines.CreateDatabase(ctx, key(name), d.Name, builtInUser(in.DatabaseVersion))
	}, func(in *instance) {
		db := &sqladmin.Database{Name: d.Name, Charset: d.Charset, Collation: d.Collation}
		if db.Charset == "" {
			db.Charset, db.Collation = "UTF8", "en_US.UTF8"
			if engine(in.DatabaseVersion) == "mysql" {
				db.Charset, db.Collation = "utf8mb4", "utf8mb4_general_ci"
			}
		}
		in.Databases = append(in.Databases, db)
	})
}

func (s *Service) deleteDatabase(r *http.Request) (int, any, error) {
	name, db := r.PathValue("instance"), r.PathValue("db")
	s.mu.Lock()
	in, ok := s.instances[name]
	known := ok && slices.ContainsFunc(in.Databases, func(d *sqladmin.Database) bool { return d.Name == db })
	s.mu.Unlock()
	if !ok {
		return 0, nil, errNotFound()
	}
	if !known {
		return 0, nil, errDatabaseNotFound()
	}
	return s.engineOp(r, "DELETE_DATABASE", name, func(ctx context.Context, in *instance) error {
		return s.cfg.Engines.DropDatabase(ctx, key(name), db)
	}, func(in *instance) {
		in.Databases = slices.DeleteFunc(in.Databases, func(d *sqladmin.Database) bool { return d.Name == db })
	})
}
