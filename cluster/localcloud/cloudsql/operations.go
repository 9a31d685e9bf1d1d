package cloudsql

import (
	"net/http"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

func (s *Service) getOperation(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.operations.Get(r.PathValue("operation"))
	if !ok {
		return 0, nil, gcpapi.Errorf(http.StatusNotFound, "operationDoesNotExist", "The Cloud SQL operation does not exist.")
	}
	return http.StatusOK, s.operationJSON(op), nil
}

// listOperations lists an instance's operations, newest first, in one page.
func (s *Service) listOperations(r *http.Request) (int, any, error) {
	name := r.URL.Query().Get("instance")
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		return 0, nil, gcpapi.Errorf(http.StatusBadRequest, "required", "Required parameter: instance.")
	}
	ops := s.operations.Of(name)
	if _, ok := s.instances[name]; !ok && len(ops) == 0 {
		return 0, nil, errNotFound()
	}
	out := &sqladmin.OperationsListResponse{Kind: "sql#operationsList", Items: []*sqladmin.Operation{}}
	for _, op := range ops {
		out.Items = append(out.Items, s.operationJSON(op))
	}
	return http.StatusOK, out, nil
}
