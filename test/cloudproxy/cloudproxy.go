// Package cloudproxy is an HTTP proxy to put between the provider and a cloud
// endpoint (kumo, fake-gcs-server, the local cloud). It names every request
// as the cloud's API does (CreateBucket, DescribeDBInstances, buckets.get),
// counts the calls per operation, and injects the faults a real cloud
// produces, each for a chosen share of requests: server errors, throttling
// in the cloud's own dialect, added latency, connections reset after the
// cloud acted, truncated responses, and "not found" for a while after a
// create (eventual consistency).
//
// The benchmarks use it to count calls exactly; the fault-injection suite
// uses it to break things on purpose.
package cloudproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
)

// Dialect is the wire protocol of the cloud behind a proxy: it decides how
// requests are named and how injected errors look.
type Dialect int

// Dialects.
const (
	// S3 is the S3 REST API with path-style addressing.
	S3 Dialect = iota
	// Query is the AWS Query protocol of RDS and ElastiCache (form bodies
	// with an Action, XML answers).
	Query
	// GCS is the Cloud Storage JSON API.
	GCS
)

// Fault is a kind of injected fault.
type Fault string

// Faults the proxy injects.
const (
	ServerError Fault = "server-error"
	Throttle    Fault = "throttle"
	Latency     Fault = "latency"
	// Reset forwards the request, lets the cloud act on it, then resets the
	// connection: the caller cannot know whether its call took effect.
	Reset Fault = "reset"
	// Truncate forwards the request and cuts its answer off half-way.
	Truncate Fault = "truncate"
	// NotFound answers "not found" for a resource created moments ago.
	NotFound Fault = "not-found"
)

// Faults says which share of requests (0 to 1) gets each fault. Shares add
// up to at most 1; the rest of the requests pass untouched.
type Faults struct {
	ServerError, Throttle, Latency, Reset, Truncate float64
	// Delay is the latency added by a Latency fault.
	Delay time.Duration
	// Only, when set, limits faults to the calls it accepts.
	Only func(Call) bool
	// NotFoundAfterCreate makes reads of a resource answer "not found" for
	// this long after the cloud first acknowledged its creation.
	NotFoundAfterCreate time.Duration
}

// Call is one request as the cloud's API names it.
type Call struct {
	// Service is s3, rds, elasticache or storage.
	Service string
	// Op is the API operation: CreateBucket, DescribeDBInstances, buckets.get.
	Op string
	// Name is the bucket, DB instance or replication group the call is
	// about; empty for calls about none (ListBuckets).
	Name string
	// Status is the HTTP status the cloud answered; zero before it did.
	Status int
}

// Create reports whether the call creates a resource.
func (c Call) Create() bool {
	switch c.Op {
	case "CreateBucket", "CreateDBInstance", "CreateReplicationGroup", "buckets.insert":
		return true
	}
	return false
}

// Read reports whether the call only reads a resource.
func (c Call) Read() bool {
	switch {
	case c.Service == "storage":
		switch c.Op {
		case "buckets.get", "buckets.getIamPolicy", "buckets.testIamPermissions", "objects.get", "objects.list":
			return true
		}
		return false
	case c.Service == "s3":
		return strings.HasPrefix(c.Op, "Get") || strings.HasPrefix(c.Op, "Head") || strings.HasPrefix(c.Op, "List")
	default:
		return strings.HasPrefix(c.Op, "Describe") || strings.HasPrefix(c.Op, "List")
	}
}

// Write reports whether the call changes something in the cloud.
func (c Call) Write() bool { return !c.Read() && c.Op != "ListBuckets" && c.Op != "buckets.list" }

// Proxy is a running proxy.
type Proxy struct {
	// URL is the proxy's base URL: use it where the cloud's would go.
	URL string

	dialect   Dialect
	target    *url.URL
	server    *httptest.Server
	transport *http.Transport

	mu      sync.Mutex
	faults  Faults
	rng     *rand.Rand
	calls   map[string]int // by Service/Op
	named   map[string]int // by Name
	injects map[Fault]int
	created map[string]time.Time // by service/name
	log     []Call               // every call the cloud answered, in order
	hook    func(Call) bool
	hookGen int
	hookMu  sync.Mutex
}

// New starts a proxy to target (a base URL such as http://127.0.0.1:4566)
// speaking dialect. Faults are chosen by a random source seeded with seed,
// so a run can be repeated.
func New(target string, dialect Dialect, seed uint64) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("cannot parse target %q: %w", target, err)
	}
	p := &Proxy{
		dialect: dialect,
		target:  &url.URL{Scheme: u.Scheme, Host: u.Host},
		// Keep-alives to the cloud, as the provider's own transport has.
		transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		rng:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		calls:     map[string]int{},
		named:     map[string]int{},
		injects:   map[Fault]int{},
		created:   map[string]time.Time{},
	}
	p.server = httptest.NewServer(http.HandlerFunc(p.serve))
	// The target's path (fake-gcs-server's /storage/v1/) stays on the URL.
	p.URL = p.server.URL + strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(target, "/") {
		p.URL += "/"
	}
	return p, nil
}

// Close stops the proxy and drops its connections.
func (p *Proxy) Close() {
	p.server.CloseClientConnections()
	p.server.Close()
	p.transport.CloseIdleConnections()
}

// SetFaults replaces the faults injected from now on; the zero Faults
// injects none.
func (p *Proxy) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
}

// OnAnswer calls hook with every call the cloud has answered, before the
// answer goes back to the caller; hooks run one at a time. The hook is
// removed once it returns true, or replaced by the next OnAnswer. The fault suite uses it to
// kill the provider at a chosen point: after a create took effect in the
// cloud, before the provider heard of it.
func (p *Proxy) OnAnswer(hook func(Call) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hook = hook
	p.hookGen++
}

// Stats are what a proxy has seen since it started (or was Reset).
type Stats struct {
	// Calls by "service/Op".
	Calls map[string]int
	// ByName counts calls by the resource they were about.
	ByName map[string]int
	// Faults injected, by kind.
	Faults map[Fault]int
}

// Total is the number of calls.
func (s Stats) Total() int {
	n := 0
	for _, c := range s.Calls {
		n += c
	}
	return n
}

// Injected is the number of faults injected.
func (s Stats) Injected() int {
	n := 0
	for _, c := range s.Faults {
		n += c
	}
	return n
}

// Stats returns a copy of the proxy's counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{Calls: map[string]int{}, ByName: map[string]int{}, Faults: map[Fault]int{}}
	for k, v := range p.calls {
		s.Calls[k] = v
	}
	for k, v := range p.named {
		s.ByName[k] = v
	}
	for k, v := range p.injects {
		s.Faults[k] = v
	}
	return s
}

// Answered returns the calls the cloud answered from the nth on (0: all),
// in order: a test takes len(Answered(0)) as a mark, acts, and reads what
// followed.
func (p *Proxy) Answered(n int) []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n > len(p.log) {
		return nil
	}
	return append([]Call(nil), p.log[n:]...)
}

// ResetStats zeroes the counters (not the faults).
func (p *Proxy) ResetStats() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.named, p.injects = map[string]int{}, map[string]int{}, map[Fault]int{}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	call := p.name(r, body)
	fault, delay := p.choose(call)

	switch fault {
	case ServerError, Throttle, NotFound:
		// Refused before the cloud saw it, as a real cloud's front end does.
		p.writeError(w, r, call, fault)
		return
	case Latency:
		time.Sleep(delay)
	}

	resp, err := p.forward(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close() //nolint:errcheck // Read to the end below.
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	call.Status = resp.StatusCode
	p.answered(call)

	if fault == Reset {
		reset(w)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	if fault == Truncate && len(answer) > 1 {
		p.count(Truncate)
		w.Header().Set("Content-Length", fmt.Sprint(len(answer)))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer[:len(answer)/2])
		// Out of net/http's buffer and onto the wire, then the connection
		// ends with the body short of its Content-Length.
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// choose counts the call and picks its fault, if any.
func (p *Proxy) choose(c Call) (Fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[c.Service+"/"+c.Op]++
	if c.Name != "" {
		p.named[c.Name]++
	}
	f := p.faults
	if f.Only != nil && !f.Only(c) {
		return "", 0
	}
	if t, ok := p.created[c.Service+"/"+c.Name]; ok && c.Read() && time.Since(t) < f.NotFoundAfterCreate {
		p.injects[NotFound]++
		return NotFound, 0
	}
	x := p.rng.Float64()
	for _, s := range []struct {
		fault Fault
		share float64
	}{{ServerError, f.ServerError}, {Throttle, f.Throttle}, {Latency, f.Latency}, {Reset, f.Reset}, {Truncate, f.Truncate}} {
		if x < s.share {
			// Truncation is counted once done: an answer without a body
			// cannot be cut.
			if s.fault != Truncate {
				p.injects[s.fault]++
			}
			return s.fault, f.Delay
		}
		x -= s.share
	}
	return "", 0
}

func (p *Proxy) count(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.injects[f]++
}

// answered records creates for NotFoundAfterCreate and runs the hook,
// outside the proxy's lock (a hook may take seconds), one call at a time.
func (p *Proxy) answered(c Call) {
	p.mu.Lock()
	p.log = append(p.log, c)
	if c.Create() && c.Status < 300 && c.Name != "" {
		if _, seen := p.created[c.Service+"/"+c.Name]; !seen {
			p.created[c.Service+"/"+c.Name] = time.Now()
		}
	}
	armed := p.hook != nil
	p.mu.Unlock()
	if !armed {
		return
	}
	p.hookMu.Lock()
	defer p.hookMu.Unlock()
	// Read again: the call before this one may have fired it.
	p.mu.Lock()
	hook, gen := p.hook, p.hookGen
	p.mu.Unlock()
	if hook != nil && hook(c) {
		p.mu.Lock()
		if p.hookGen == gen {
			p.hook = nil
		}
		p.mu.Unlock()
	}
}

func (p *Proxy) forward(r *http.Request, body []byte) (*http.Response, error) {
	u := *r.URL
	u.Scheme, u.Host = p.target.Scheme, p.target.Host
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	// The caller signed the Host it called (SigV4): keep it.
	out.Host = r.Host
	out.ContentLength = int64(len(body))
	return p.transport.RoundTrip(out)
}

// reset closes the connection with a TCP RST, as a load balancer dropping
// it does.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// name names a request as the cloud's API does.
func (p *Proxy) name(r *http.Request, body []byte) Call {
	switch p.dialect {
	case S3:
		return s3Call(r)
	case Query:
		return queryCall(r, body)
	default:
		return gcsCall(r, body)
	}
}

// s3Call names a path-style S3 request: PUT /b is CreateBucket, GET
// /b?tagging is GetBucketTagging, HEAD /b/k is HeadObject. The SDK names
// some requests itself (the x-id query parameter); that name wins.
func s3Call(r *http.Request) Call {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	c := Call{Service: "s3", Name: bucket}
	if id := r.URL.Query().Get("x-id"); id != "" {
		c.Op = id
		return c
	}
	verb := map[string]string{http.MethodGet: "Get", http.MethodPut: "Put", http.MethodDelete: "Delete", http.MethodHead: "Head", http.MethodPost: "Post"}[r.Method]
	q := r.URL.Query()
	sub := ""
	for _, s := range []string{"tagging", "versioning", "encryption", "publicAccessBlock", "ownershipControls", "policy", "lifecycle", "cors", "acl", "location", "website", "logging", "versions", "uploads", "delete", "notification", "replication", "accelerate", "requestPayment", "object-lock"} {
		if q.Has(s) {
			sub = s
			break
		}
	}
	switch {
	case bucket == "":
		c.Op = "ListBuckets"
	case sub == "publicAccessBlock":
		c.Op = verb + "PublicAccessBlock"
	case sub == "lifecycle" || sub == "notification" || sub == "accelerate":
		c.Op = verb + "Bucket" + upperFirst(sub) + "Configuration"
	case sub == "" && key == "" && r.Method == http.MethodGet && q.Get("list-type") == "2":
		c.Op = "ListObjectsV2"
	case key != "":
		c.Op = verb + "Object" + upperFirst(sub)
	case sub == "versions":
		c.Op = "ListObjectVersions"
	case sub == "delete":
		c.Op = "DeleteObjects"
	case sub == "uploads":
		c.Op = "ListMultipartUploads"
	case sub != "":
		c.Op = verb + "Bucket" + upperFirst(sub)
	case r.Method == http.MethodPut:
		c.Op = "CreateBucket"
	case r.Method == http.MethodGet:
		c.Op = "ListObjects"
	default:
		c.Op = verb + "Bucket"
	}
	return c
}

func upperFirst(s string) string {
	if s == "" {
		return ""
	}
	if s == "object-lock" {
		return "ObjectLockConfiguration"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// queryCall names an AWS Query request by its Action, and its service by
// the credential scope of its signature.
func queryCall(r *http.Request, body []byte) Call {
	form, _ := url.ParseQuery(string(body))
	c := Call{Service: "aws", Op: form.Get("Action")}
	if _, scope, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		if parts := strings.Split(scope, "/"); len(parts) > 3 {
			c.Service = parts[3]
		}
	}
	for _, k := range []string{"DBInstanceIdentifier", "ReplicationGroupId", "DBSubnetGroupName", "CacheSubnetGroupName", "GroupId", "GroupName"} {
		if v := form.Get(k); v != "" && c.Name == "" {
			c.Name = v
		}
	}
	// Tagging names its resource by ARN (arn:aws:rds:REGION:ACCOUNT:db:NAME).
	if arn := form.Get("ResourceName"); c.Name == "" && arn != "" {
		c.Name = arn[strings.LastIndex(arn, ":")+1:]
	}
	if id := form.Get("ResourceId.1"); c.Name == "" && id != "" {
		c.Name = id // EC2 CreateTags / DeleteTags
	}
	return c
}

// gcsCall names a Cloud Storage JSON API request as the provider's own
// counters do (cloudcall.StorageOperation), and the bucket it is about.
func gcsCall(r *http.Request, body []byte) Call {
	c := Call{Service: "storage", Op: cloudcall.StorageOperation(r.Method, r.URL.Path)}
	path := strings.TrimPrefix(r.URL.Path, "/upload")
	rest, _ := strings.CutPrefix(path, "/storage/v1/b")
	if rest == "" || rest == "/" {
		var b struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(body, &b)
		c.Name = b.Name
		return c
	}
	c.Name = strings.Split(strings.Trim(rest, "/"), "/")[0]
	return c
}

// writeError answers as the cloud does when it fails, throttles, or cannot
// find a resource: the codes the SDKs classify (SlowDown, Throttling,
// ThrottlingException and 429 are throttles; 5xx are retryable).
func (p *Proxy) writeError(w http.ResponseWriter, r *http.Request, c Call, f Fault) {
	status, code, message := http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."
	switch p.dialect {
	case S3:
		switch f {
		case Throttle:
			status, code, message = http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."
		case NotFound:
			status, code, message = http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist"
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, "<Error><Code>%s</Code><Message>%s</Message><BucketName>%s</BucketName><RequestId>cloudproxy</RequestId></Error>", code, message, c.Name)
		}
	case Query:
		kind := "Receiver"
		code, message = "InternalFailure", "The request processing has failed because of an unknown error."
		switch f {
		case Throttle:
			status, kind, code, message = http.StatusBadRequest, "Sender", "Throttling", "Rate exceeded"
			if c.Service == "elasticache" {
				code = "ThrottlingException"
			}
		case NotFound:
			status, kind = http.StatusNotFound, "Sender"
			code, message = "DBInstanceNotFound", fmt.Sprintf("DBInstance %s not found.", c.Name)
			if c.Service == "elasticache" {
				code, message = "ReplicationGroupNotFoundFault", fmt.Sprintf("ReplicationGroup %s not found.", c.Name)
			}
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>cloudproxy</RequestId></ErrorResponse>", kind, code, message)
	default:
		status, reason, message := http.StatusServiceUnavailable, "backendError", "Backend Error"
		switch f {
		case Throttle:
			status, reason, message = http.StatusTooManyRequests, "rateLimitExceeded", "The rate of change requests to the bucket is too high."
		case NotFound:
			status, reason, message = http.StatusNotFound, "notFound", "The specified bucket does not exist."
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"code": status, "message": message, "errors": []any{map[string]any{"reason": reason, "message": message}},
		}})
	}
}
