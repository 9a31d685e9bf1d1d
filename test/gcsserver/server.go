// Package gcsserver is an in-memory Cloud Storage JSON API for buckets that
// answers as GCS does and records every request. fake-gcs-server, the
// emulator, keeps only a bucket's name and versioning; tests use this server
// for the rest (labels, IAM configuration, lifecycle, retention, encryption,
// metageneration preconditions, 409 on deleting a non-empty bucket).
//
// Behaviour follows the JSON API reference: PATCH is a JSON merge patch
// (absent fields untouched, null deletes), location is stored upper case,
// storageClass defaults to STANDARD, publicAccessPrevention to inherited,
// and metageneration grows with every metadata change.
package gcsserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one request the server received.
type Request struct {
	Method string
	Bucket string
	Query  map[string]string
	Body   map[string]any
	// Authorization is the request's Authorization header.
	Authorization string
	// At is when the request arrived.
	At time.Time
}

// Server is a running fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	buckets  map[string]map[string]any
	objects  map[string]int
	requests []Request
}

// New starts a server. Its client endpoint is URL + "/storage/v1/".
func New() *Server {
	s := &Server{buckets: map[string]map[string]any{}, objects: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Endpoint is the base URL for option.WithEndpoint.
func (s *Server) Endpoint() string { return s.URL + "/storage/v1/" }

// Requests returns the requests made for one bucket so far.
func (s *Server) Requests(bucket string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Bucket == bucket {
			out = append(out, r)
		}
	}
	return out
}

// Bucket returns a copy of a stored bucket's JSON, or nil.
func (s *Server) Bucket(name string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[name]
	if !ok {
		return nil
	}
	return clone(b)
}

// Patch changes a bucket behind the client's back, as another tool would.
func (s *Server) Patch(name string, patch map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.patch(name, patch)
}

// AddObject puts an object in a bucket, so that it cannot be deleted.
func (s *Server) AddObject(bucket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[bucket]++
}

// RemoveObjects empties a bucket.
func (s *Server) RemoveObjects(bucket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, bucket)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/storage/v1/b")
	name := strings.TrimPrefix(path, "/")
	if r.Method == http.MethodPost {
		name = ""
	}
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "Invalid JSON payload received.")
			return
		}
	}
	if r.Method == http.MethodPost {
		if n, _ := body["name"].(string); n != "" {
			name = n
		}
	}
	q := map[string]string{}
	for k := range r.URL.Query() {
		q[k] = r.URL.Query().Get(k)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Bucket: name, Query: q, Body: body, Authorization: r.Header.Get("Authorization"), At: time.Now()})

	b, exists := s.buckets[name]
	switch r.Method {
	case http.MethodGet:
		if !exists {
			writeError(w, http.StatusNotFound, "notFound", "The specified bucket does not exist.")
			return
		}
		writeJSON(w, b)
	case http.MethodPost:
		if exists {
			writeError(w, http.StatusConflict, "conflict", "Your previous request to create the named bucket succeeded and you already own it.")
			return
		}
		s.buckets[name] = s.create(name, q["project"], body)
		writeJSON(w, s.buckets[name])
	case http.MethodPatch:
		if !exists {
			writeError(w, http.StatusNotFound, "notFound", "The specified bucket does not exist.")
			return
		}
		if m, ok := q["ifMetagenerationMatch"]; ok && m != b["metageneration"] {
			writeError(w, http.StatusPreconditionFailed, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
			return
		}
		s.patch(name, body)
		writeJSON(w, s.buckets[name])
	case http.MethodDelete:
		switch {
		case !exists:
			writeError(w, http.StatusNotFound, "notFound", "The specified bucket does not exist.")
		case s.objects[name] > 0:
			writeError(w, http.StatusConflict, "conflict", "The bucket you tried to delete is not empty.")
		default:
			delete(s.buckets, name)
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		writeError(w, http.StatusMethodNotAllowed, "invalid", "method not allowed")
	}
}

func (s *Server) create(name, project string, body map[string]any) map[string]any {
	b := map[string]any{
		"kind":           "storage#bucket",
		"id":             name,
		"name":           name,
		"selfLink":       s.URL + "/storage/v1/b/" + name,
		"projectNumber":  "123456789012",
		"timeCreated":    time.Now().UTC().Format(time.RFC3339Nano),
		"location":       "US",
		"locationType":   "multi-region",
		"storageClass":   "STANDARD",
		"metageneration": "1",
		"iamConfiguration": map[string]any{
			"uniformBucketLevelAccess": map[string]any{"enabled": false},
			"publicAccessPrevention":   "inherited",
		},
	}
	_ = project
	mergePatch(b, body)
	b["name"], b["id"] = name, name
	normalize(b)
	return b
}

// normalize sets what GCS derives: an upper-case location, and the time a
// retention policy took effect.
func normalize(b map[string]any) {
	if l, ok := b["location"].(string); ok {
		b["location"] = strings.ToUpper(l)
	}
	if rp, ok := b["retentionPolicy"].(map[string]any); ok {
		if _, set := rp["effectiveTime"]; !set {
			rp["effectiveTime"] = time.Now().UTC().Format(time.RFC3339)
		}
		rp["isLocked"] = false
	}
}

func (s *Server) patch(name string, patch map[string]any) {
	b := s.buckets[name]
	mergePatch(b, patch)
	normalize(b)
	m, _ := strconv.Atoi(fmt.Sprint(b["metageneration"]))
	b["metageneration"] = strconv.Itoa(m + 1)
}

// mergePatch applies an RFC 7386 JSON merge patch to dst.
func mergePatch(dst, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			dv, ok := dst[k].(map[string]any)
			if !ok {
				dv = map[string]any{}
				dst[k] = dv
			}
			mergePatch(dv, pv)
		default:
			dst[k] = v
		}
	}
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": msg, "errors": []any{map[string]any{"domain": "global", "reason": reason, "message": msg}},
	}})
}
