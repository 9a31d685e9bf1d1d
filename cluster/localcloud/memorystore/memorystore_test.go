package memorystore_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	redis "google.golang.org/api/redis/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcptest"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// Where the local cloud knowingly differs from Memorystore (gaps):
//   - Every redisVersion runs on the installed redis-server (7.0 on
//     Debian 12); memorySizeGb is a number, not a maxmemory.
//   - The read endpoint forwards to the first replica, not to all of them.
//   - authorizedNetwork is recorded, not enforced: any local process is
//     "in the network"; the host is a loopback address of 127.10.0.0/16.
//   - A failover's dataProtectionMode is not modelled: the promoted
//     replica has synced first either way.
//   - Maintenance comes only through the admin event, never on a schedule.
//   - The server certificate names the instance's addresses, signed by the
//     local cloud's CA, which serverCaCerts lists.
//   - One location (the configured region) and one page per list.

const (
	project = gcptest.Project
	parent  = "projects/" + project + "/locations/us-central1"
)

type refusal = gcptest.Refusal

func start(t *testing.T, dir string) (*gcptest.Cloud, *redis.Service) {
	t.Helper()
	c := gcptest.Start(t, dir)
	svc, err := redis.NewService(context.Background(), option.WithEndpoint(c.URL+"/"), option.WithAuthCredentialsJSON(option.ServiceAccount, c.Key))
	if err != nil {
		t.Fatalf("redis.NewService: %v", err)
	}
	return c, svc
}

// wait polls an operation until it is done and returns it, with the
// instance states seen meanwhile.
func wait(t *testing.T, svc *redis.Service, op *redis.Operation, id string) (*redis.Operation, []string) {
	t.Helper()
	var states []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got, err := svc.Projects.Locations.Operations.Get(op.Name).Do()
		if err != nil {
			t.Fatalf("Operations.Get: %v", err)
		}
		if in, err := svc.Projects.Locations.Instances.Get(parent + "/instances/" + id).Do(); err == nil && (len(states) == 0 || states[len(states)-1] != in.State) {
			states = append(states, in.State)
		}
		if got.Done {
			return got, states
		}
	}
	t.Fatalf("operation %s is not done after 2 minutes", op.Name)
	return nil, nil
}

func done(t *testing.T, svc *redis.Service, what, id string, op *redis.Operation, err error) (*redis.Operation, []string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, states := wait(t, svc, op, id)
	if got.Error != nil {
		t.Fatalf("%s: the operation failed: %d %s", what, got.Error.Code, got.Error.Message)
	}
	return got, states
}

func get(t *testing.T, svc *redis.Service, id string) *redis.Instance {
	t.Helper()
	in, err := svc.Projects.Locations.Instances.Get(parent + "/instances/" + id).Do()
	if err != nil {
		t.Fatalf("Instances.Get: %v", err)
	}
	return in
}

func hostPort(host string, port int64) string {
	return net.JoinHostPort(host, strconv.FormatInt(port, 10))
}

func skipWithoutRedis(t *testing.T) {
	if _, err := (&engines.Redis{Engine: "redis"}).Version(); err != nil {
		t.Skipf("redis-server is not installed here: %v", err)
	}
}

// TestBasicInstance drives a BASIC instance with AUTH and transit
// encryption through its life with google.golang.org/api/redis/v1:
// create, getAuthString, AUTH and PING over TLS verified with
// serverCaCerts, a resize (which flushes a Basic Tier cache), refusals,
// maintenance, a restart of the local cloud, deletion.
func TestBasicInstance(t *testing.T) {
	skipWithoutRedis(t)
	dir := localcloudtest.DataDir(t)
	lc, api := start(t, dir)
	instances := api.Projects.Locations.Instances

	op, err := instances.Create(parent, &redis.Instance{
		Tier: "BASIC", MemorySizeGb: 1, AuthEnabled: true, TransitEncryptionMode: "SERVER_AUTHENTICATION",
		DisplayName: "Shop cache", Labels: map[string]string{"team": "shop"},
		MaintenancePolicy: &redis.MaintenancePolicy{WeeklyMaintenanceWindow: []*redis.WeeklyMaintenanceWindow{{Day: "SUNDAY", StartTime: &redis.TimeOfDay{Hours: 3}}}},
	}).InstanceId("cache").Do()
	if err == nil && (op.Done || !strings.HasPrefix(op.Name, parent+"/operations/operation-")) {
		t.Errorf("create answered %+v", op)
	}
	finished, states := done(t, api, "create", "cache", op, err)
	if diff := cmp.Diff([]string{"CREATING", "READY"}, states); diff != "" {
		t.Errorf("states while creating: -want +got:\n%s", diff)
	}
	var response redis.Instance
	if err := json.Unmarshal(finished.Response, &response); err != nil || response.State != "READY" || response.Name != parent+"/instances/cache" {
		t.Errorf("the operation's response: %s (%v)", finished.Response, err)
	}
	in := get(t, api, "cache")
	want := map[string]any{
		"port": int64(6378), "tls": "SERVER_AUTHENTICATION", "auth": true, "version": "REDIS_7_0", "location": "us-central1-a",
		"current": "us-central1-a", "network": "projects/" + project + "/global/networks/default", "label": "shop", "certs": 1,
		"hostRange": true, "window": "SUNDAY 3 3600s", "replicas": int64(0),
	}
	gotView := map[string]any{
		"port": in.Port, "tls": in.TransitEncryptionMode, "auth": in.AuthEnabled, "version": in.RedisVersion, "location": in.LocationId,
		"current": in.CurrentLocationId, "network": in.AuthorizedNetwork, "label": in.Labels["team"], "certs": len(in.ServerCaCerts),
		"hostRange": strings.HasPrefix(in.Host, "127.10."), "replicas": in.ReplicaCount,
		"window": fmt.Sprintf("%s %d %s", in.MaintenancePolicy.WeeklyMaintenanceWindow[0].Day, in.MaintenancePolicy.WeeklyMaintenanceWindow[0].StartTime.Hours, in.MaintenancePolicy.WeeklyMaintenanceWindow[0].Duration),
	}
	if diff := cmp.Diff(want, gotView); diff != "" {
		t.Errorf("the created instance: -want +got:\n%s", diff)
	}
	pool := x509.NewCertPool()
	if len(in.ServerCaCerts) == 0 || !pool.AppendCertsFromPEM([]byte(in.ServerCaCerts[0].Cert)) {
		t.Fatalf("no usable serverCaCerts")
	}
	auth, err := instances.GetAuthString(parent + "/instances/cache").Do()
	if err != nil || auth.AuthString == "" {
		t.Fatalf("getAuthString: %+v, %v", auth, err)
	}
	addr := hostPort(in.Host, in.Port)
	if got, err := localcloudtest.Redis(addr, pool, auth.AuthString, "PING"); err != nil || got != "PONG" {
		t.Fatalf("AUTH and PING over TLS: %q, %v", got, err)
	}
	if _, err := localcloudtest.Redis(addr, pool, "", "PING"); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without AUTH: %v, want NOAUTH", err)
	}
	if _, err := localcloudtest.Redis(addr, pool, "not-the-auth-string", "PING"); err == nil {
		t.Errorf("a wrong AUTH string was accepted")
	}
	if _, err := localcloudtest.Redis(addr, nil, auth.AuthString, "PING"); err == nil {
		t.Errorf("a plain connection to a TLS instance was served")
	}
	if _, err := localcloudtest.Redis(addr, pool, auth.AuthString, "SET", "cart:1", "3 apples"); err != nil {
		t.Fatal(err)
	}

	// A resize: a Basic Tier cache is flushed when it is scaled.
	op, err = instances.Patch(parent+"/instances/cache", &redis.Instance{MemorySizeGb: 2, DisplayName: "Bigger"}).UpdateMask("memorySizeGb,displayName").Do()
	if _, states := done(t, api, "patch", "cache", op, err); !cmp.Equal([]string{"UPDATING", "READY"}, states) {
		t.Errorf("states while resizing: %v", states)
	}
	in = get(t, api, "cache")
	if in.MemorySizeGb != 2 || in.DisplayName != "Bigger" || in.Labels["team"] != "shop" {
		t.Errorf("after the resize: %d GB, %q, labels %v", in.MemorySizeGb, in.DisplayName, in.Labels)
	}
	if got, err := localcloudtest.Redis(addr, pool, auth.AuthString, "GET", "cart:1"); err != nil || got != "" {
		t.Errorf("after scaling a BASIC instance: %q, %v; want the cache flushed", got, err)
	}
	if _, err := localcloudtest.Redis(addr, pool, auth.AuthString, "SET", "cart:2", "1 pear"); err != nil {
		t.Fatal(err)
	}

	refusals := map[string]struct {
		reason string
		call   func() error
		want   refusal
	}{
		"AlreadyExists": {reason: "An instance id is taken: 409 ALREADY_EXISTS.", want: refusal{Code: 409, Status: "ALREADY_EXISTS"}, call: func() error {
			_, err := instances.Create(parent, &redis.Instance{Tier: "BASIC", MemorySizeGb: 1}).InstanceId("cache").Do()
			return err
		}},
		"NotFound": {reason: "An unknown instance is 404 NOT_FOUND.", want: refusal{Code: 404, Status: "NOT_FOUND"}, call: func() error {
			_, err := instances.Get(parent + "/instances/nope").Do()
			return err
		}},
		"UnknownMaskField": {reason: "The tier cannot change.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Patch(parent+"/instances/cache", &redis.Instance{Tier: "STANDARD_HA"}).UpdateMask("tier").Do()
			return err
		}},
		"NoMask": {reason: "A patch needs an updateMask.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Patch(parent+"/instances/cache", &redis.Instance{MemorySizeGb: 3}).Do()
			return err
		}},
		"TooMuchMemory": {reason: "More than 300 GB is refused.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Patch(parent+"/instances/cache", &redis.Instance{MemorySizeGb: 301}).UpdateMask("memorySizeGb").Do()
			return err
		}},
		"BasicReplicas": {reason: "A BASIC instance has no replicas.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Create(parent, &redis.Instance{Tier: "BASIC", MemorySizeGb: 1, ReplicaCount: 2}).InstanceId("other").Do()
			return err
		}},
		"SmallReadReplicas": {reason: "Read replicas need 5 GB.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Create(parent, &redis.Instance{Tier: "STANDARD_HA", MemorySizeGb: 1, ReadReplicasMode: "READ_REPLICAS_ENABLED"}).InstanceId("other").Do()
			return err
		}},
		"TooManyReplicas": {reason: "At most 5 read replicas.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Create(parent, &redis.Instance{Tier: "STANDARD_HA", MemorySizeGb: 5, ReadReplicasMode: "READ_REPLICAS_ENABLED", ReplicaCount: 6}).InstanceId("other").Do()
			return err
		}},
		"BadID": {reason: "An id must start with a letter.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT"}, call: func() error {
			_, err := instances.Create(parent, &redis.Instance{Tier: "BASIC", MemorySizeGb: 1}).InstanceId("1cache").Do()
			return err
		}},
		"BasicFailover": {reason: "Only STANDARD_HA fails over.", want: refusal{Code: 400, Status: "FAILED_PRECONDITION"}, call: func() error {
			_, err := instances.Failover(parent+"/instances/cache", &redis.FailoverInstanceRequest{}).Do()
			return err
		}},
		"OtherProject": {reason: "Another project is 403 PERMISSION_DENIED.", want: refusal{Code: 403, Status: "PERMISSION_DENIED"}, call: func() error {
			_, err := instances.Get("projects/someone-elses/locations/us-central1/instances/cache").Do()
			return err
		}},
	}
	for name, tc := range refusals {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if diff := cmp.Diff(tc.want, gcptest.RefusalOf(err)); diff != "" {
				t.Errorf("%s (%v) -want +got:\n%s", tc.reason, err, diff)
			}
		})
	}
	anonymous, err := redis.NewService(context.Background(), option.WithEndpoint(lc.URL+"/redis/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anonymous.Projects.Locations.Instances.Get(parent + "/instances/cache").Do(); gcptest.RefusalOf(err) != (refusal{Code: 401, Status: "UNAUTHENTICATED"}) {
		t.Errorf("without a token (under /redis/): %v, want 401 UNAUTHENTICATED", err)
	}

	// Maintenance: MAINTENANCE, a new maintenance version, the cache flushed.
	lc.Event(t, "memorystore", "cache", "maintenance")
	ops, err := api.Projects.Locations.Operations.List(parent).Do()
	if err != nil {
		t.Fatal(err)
	}
	if _, states := done(t, api, "maintenance", "cache", ops.Operations[0], nil); !cmp.Equal([]string{"MAINTENANCE", "READY"}, states) {
		t.Errorf("states during maintenance: %v", states)
	}
	if got, err := localcloudtest.Redis(addr, pool, auth.AuthString, "GET", "cart:2"); err != nil || got != "" {
		t.Errorf("after maintenance of a BASIC instance: %q, %v; want the cache flushed", got, err)
	}
	if _, err := localcloudtest.Redis(addr, pool, auth.AuthString, "SET", "cart:3", "2 plums"); err != nil {
		t.Fatal(err)
	}

	// The local cloud restarts: the instance, its AUTH string and its data stay.
	lc.Stop()
	lc, api = start(t, dir)
	instances = api.Projects.Locations.Instances
	in = get(t, api, "cache")
	again, err := instances.GetAuthString(parent + "/instances/cache").Do()
	if err != nil || again.AuthString != auth.AuthString || in.State != "READY" || hostPort(in.Host, in.Port) != addr {
		t.Fatalf("after a restart: %s at %s:%d, AUTH string kept %t, %v", in.State, in.Host, in.Port, again != nil && again.AuthString == auth.AuthString, err)
	}
	if got, err := localcloudtest.Redis(addr, pool, auth.AuthString, "GET", "cart:3"); err != nil || got != "2 plums" {
		t.Errorf("after a restart: %q, %v", got, err)
	}

	op, err = instances.Delete(parent + "/instances/cache").Do()
	if _, states := done(t, api, "delete", "cache", op, err); !cmp.Equal([]string{"DELETING"}, states) {
		t.Errorf("states while deleting: %v", states)
	}
	if _, err := instances.Get(parent + "/instances/cache").Do(); gcptest.RefusalOf(err).Code != 404 {
		t.Errorf("a deleted instance: %v", err)
	}
	if _, err := localcloudtest.Redis(addr, pool, auth.AuthString, "PING"); err == nil {
		t.Errorf("a deleted instance still answers")
	}
}

// TestStandardInstance: a STANDARD_HA instance with a read replica is a
// primary and a replica; reads come from the read endpoint, a failover
// keeps the host and the data and moves the primary's zone, and a
// replica can be added. AUTH turned on later gets a new AUTH string.
func TestStandardInstance(t *testing.T) {
	skipWithoutRedis(t)
	lc, api := start(t, localcloudtest.DataDir(t))
	instances := api.Projects.Locations.Instances
	op, err := instances.Create(parent, &redis.Instance{
		Tier: "STANDARD_HA", MemorySizeGb: 5, RedisVersion: "REDIS_7_2", ReadReplicasMode: "READ_REPLICAS_ENABLED", ReplicaCount: 1,
	}).InstanceId("sessions").Do()
	done(t, api, "create", "sessions", op, err)
	in := get(t, api, "sessions")
	if in.Port != 6379 || in.ReadEndpoint == "" || in.ReadEndpoint == in.Host || in.ReadEndpointPort != 6379 || len(in.Nodes) != 2 || in.AlternativeLocationId != "us-central1-b" {
		t.Fatalf("the created instance: port %d, read endpoint %s:%d, nodes %d, alternative zone %s", in.Port, in.ReadEndpoint, in.ReadEndpointPort, len(in.Nodes), in.AlternativeLocationId)
	}
	primary, reader := hostPort(in.Host, in.Port), hostPort(in.ReadEndpoint, in.ReadEndpointPort)
	if _, err := localcloudtest.Redis(primary, nil, "", "SET", "session:1", "alice"); err != nil {
		t.Fatal(err)
	}
	localcloudtest.Eventually(t, "the read endpoint serves the replica's copy", func() error {
		got, err := localcloudtest.Redis(reader, nil, "", "GET", "session:1")
		if err == nil && got != "alice" {
			return fmt.Errorf("GET answered %q", got)
		}
		return err
	})
	if _, err := localcloudtest.Redis(reader, nil, "", "SET", "session:2", "bob"); err == nil || !strings.Contains(err.Error(), "READONLY") {
		t.Errorf("a write to the read endpoint: %v, want READONLY", err)
	}

	// A failover (the API's): the host stays, the data too, the primary moves zone.
	op, err = instances.Failover(parent+"/instances/sessions", &redis.FailoverInstanceRequest{DataProtectionMode: "LIMITED_DATA_LOSS"}).Do()
	if _, states := done(t, api, "failover", "sessions", op, err); !cmp.Equal([]string{"FAILING_OVER", "READY"}, states) {
		t.Errorf("states during a failover: %v", states)
	}
	in = get(t, api, "sessions")
	if in.CurrentLocationId != "us-central1-b" {
		t.Errorf("after a failover the primary is in %s, want us-central1-b", in.CurrentLocationId)
	}
	if got, err := localcloudtest.Redis(primary, nil, "", "GET", "session:1"); err != nil || got != "alice" {
		t.Errorf("after a failover: %q, %v", got, err)
	}
	if _, err := localcloudtest.Redis(primary, nil, "", "SET", "session:3", "carol"); err != nil {
		t.Errorf("a write after a failover: %v", err)
	}
	// The admin route's failover moves it back.
	lc.Event(t, "memorystore", "sessions", "failover")
	if err := lc.Memorystore().Wait(context.Background(), "sessions"); err != nil {
		t.Fatal(err)
	}
	if in = get(t, api, "sessions"); in.CurrentLocationId != "us-central1-a" {
		t.Errorf("after a second failover the primary is in %s", in.CurrentLocationId)
	}

	// A second read replica, and AUTH turned on.
	op, err = instances.Patch(parent+"/instances/sessions", &redis.Instance{ReplicaCount: 2, AuthEnabled: true}).UpdateMask("replicaCount,authEnabled").Do()
	done(t, api, "patch", "sessions", op, err)
	in = get(t, api, "sessions")
	auth, err := instances.GetAuthString(parent + "/instances/sessions").Do()
	if err != nil || auth.AuthString == "" || len(in.Nodes) != 3 || in.ReplicaCount != 2 || !in.AuthEnabled {
		t.Fatalf("after the patch: %d nodes, %d replicas, auth %t, AUTH string %v (%v)", len(in.Nodes), in.ReplicaCount, in.AuthEnabled, auth, err)
	}
	if got, err := localcloudtest.Redis(primary, nil, auth.AuthString, "GET", "session:3"); err != nil || got != "carol" {
		t.Errorf("with AUTH: %q, %v", got, err)
	}
	if _, err := localcloudtest.Redis(primary, nil, "", "GET", "session:3"); err == nil {
		t.Errorf("without AUTH once it is on: served")
	}
	op, err = instances.Delete(parent + "/instances/sessions").Do()
	done(t, api, "delete", "sessions", op, err)
}
