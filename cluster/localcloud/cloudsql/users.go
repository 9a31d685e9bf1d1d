package cloudsql

import (
	"context"
	"net/http"
	"slices"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

// Users and databases change in the engine while the request is served:
// the operation answered is DONE already, with the engine's error if it
// refused (a user that exists, a database that does not). Cloud SQL runs
// them as short operations that a client polls the same way.

// opTimeout bounds the engine work of one users or databases call.
const opTimeout = 30 * time.Second

func (s *Service) userJSON(instanceName, name, version string) *sqladmin.User {
	u := &sqladmin.User{Kind: "sql#user", Name: name, Instance: instanceName, Project: s.cfg.Project, Type: "BUILT_IN"}
	if engine(version) == "mysql" {
		u.Host = "%"
	}
	return u
}

// runnable returns an instance that can take a users or databases call:
// it exists, runs, and has no operation running. s.mu is held.
func (s *Service) runnable(name string) (*instance, error) {
	in, err := s.idle(name)
	if err != nil {
		return nil, err
	}
	if s.state(name) != stateRunnable || in.Settings.ActivationPolicy == "NEVER" {
		return nil, errNotRunning()
	}
	return in, nil
}

// engineOp runs work on instance name as an operation of kind, and
// returns the operation, DONE. While it runs the instance is busy.
func (s *Service) engineOp(r *http.Request, kind, name string, work func(ctx context.Context, in *instance) error, done func(in *instance)) (int, any, error) {
	s.mu.Lock()
	in, err := s.runnable(name)
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	op := s.newOperation(gcpapi.Caller(r.Context()), kind, name)
	in.Operation = op.Name
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	err = work(ctx, in)
	cancel()

	s.mu.Lock()
	in.Operation = ""
	if err != nil {
		finish(op, "ERROR_RDBMS", err)
	} else {
		finish(op, "", nil)
		done(in)
	}
	out := s.operationJSON(op)
	s.mu.Unlock()
	s.save()
	return http.StatusOK, out, nil
}

func (s *Service) listUsers(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[r.PathValue("instance")]
	if !ok {
		return 0, nil, errNotFound()
	}
	return http.StatusOK, &sqladmin.UsersListResponse{Kind: "sql#usersList", Items: slices.Clone(in.Users)}, nil
}

func (s *Service) getUser(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[r.PathValue("instance")]
	if !ok {
		return 0, nil, errNotFound()
	}
	for _, u := range in.Users {
		if u.Name == r.PathValue("name") {
			return http.StatusOK, u, nil
		}
	}
	return 0, nil, gcpapi.Errorf(http.StatusNotFound, "notFound", "The user does not exist.")
}

// insertUser adds a built-in user with its password.
func (s *Service) insertUser(r *http.Request) (int, any, error) {
	var u sqladmin.User
	if err := gcpapi.ReadJSON(r, &u); err != nil {
		return 0, nil, err
	}
	if u.Name == "" {
		return 0, nil, invalid("Missing user name.")
	}
	if u.Type != "" && u.Type != "BUILT_IN" {
		return 0, nil, invalid("The local cloud has built-in users only, not %s.", u.Type)
	}
	password := u.Password
	if password == "" {
		password = randomPassword()
	}
	name := r.PathValue("instance")
	return s.engineOp(r, "CREATE_USER", name, func(ctx context.Context, in *instance) error {
		return s.cfg.Engines.CreateUser(ctx, key(name), u.Name, password)
	}, func(in *instance) {
		user := s.userJSON(name, u.Name, in.DatabaseVersion)
		in.Users = append(in.Users, user)
	})
}

// updateUser sets a user's password: ?name= (and ?host= on MySQL), the
// password in the body.
func (s *Service) updateUser(r *http.Request) (int, any, error) {
	var u sqladmin.User
	if err := gcpapi.ReadJSON(r, &u); err != nil {
		return 0, nil, err
	}
	user := r.URL.Query().Get("name")
	if user == "" {
		return 0, nil, invalid("Missing user name.")
	}
	name := r.PathValue("instance")
	s.mu.Lock()
	in, ok := s.instances[name]
	known := ok && hasUser(in, user)
	s.mu.Unlock()
	if !ok {
		return 0, nil, errNotFound()
	}
	if !known {
		return 0, nil, gcpapi.Errorf(http.StatusNotFound, "notFound", "The user does not exist.")
	}
	return s.engineOp(r, "UPDATE_USER", name, func(ctx context.Context, in *instance) error {
		if u.Password == "" {
			return nil
		}
		return s.cfg.Engines.SetPassword(ctx, key(name), user, u.Password)
	}, func(*instance) {})
}

// deleteUser drops a user: ?name=.
func (s *Service) deleteUser(r *http.Request) (int, any, error) {
	user := r.URL.Query().Get("name")
	name := r.PathValue("instance")
	return s.engineOp(r, "DELETE_USER", name, func(ctx context.Context, in *instance) error {
		return s.cfg.Engines.DropUser(ctx, key(name), user)
	}, func(in *instance) {
		in.Users = slices.DeleteFunc(in.Users, func(u *sqladmin.User) bool { return u.Name == user })
	})
}
