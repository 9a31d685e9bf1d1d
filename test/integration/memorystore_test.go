//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/option"
	redis "google.golang.org/api/redis/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/common"
	"github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	"github.com/appinfra/provider-appinfra/test/probe"
)

// Where the local cloud's Memorystore knowingly differs from Google's,
// and how the behaviour is covered instead:
//   - It serves no instances.upgrade (only :failover): a Redis version
//     upgrade is covered by the controller's unit tests, and these tests
//     ask for the version the instance is created with.
//   - Every redisVersion runs on the installed redis-server (7.0 on
//     Debian 12); memorySizeGb is a number, not a maxmemory.
//   - The read endpoint forwards to the first replica, not to all.
//   - authorizedNetwork is recorded, not enforced; hosts are loopback
//     addresses of 127.10.0.0/16, and every instance's TLS CA is the
//     local cloud's one CA (Google gives each instance its own).
//   - Maintenance and unplanned failovers come only through the admin
//     route, never on a schedule; one region, us-central1, and one
//     project, local-project, are served.

const (
	memorystoreProject = "local-project"
	memorystoreRegion  = "us-central1"
)

var (
	msStore *redis.Service // talks to the local cloud's Memorystore directly
	msCalls *msRecorder    // what the provider sent to Memorystore
)

// setupMemorystore gives the provider the local cloud's service account
// key (token_uri pointing at the local cloud, so the JWT-bearer exchange
// runs for real) through a ClusterProviderConfig, "memorystore", whose
// Memorystore endpoint is a recording proxy in front of the local cloud;
// and the tests a client of their own.
func setupMemorystore(ctx context.Context, cloudEndpoint, keyFile string) error {
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("the local cloud's service account key: %w", err)
	}
	if msStore, err = redis.NewService(ctx, option.WithEndpoint(cloudEndpoint+"/"), option.WithAuthCredentialsJSON(option.ServiceAccount, key)); err != nil {
		return err
	}
	msCalls = &msRecorder{}
	front := msProxy(cloudEndpoint, msCalls)
	if err := kube.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "memorystore-key"},
		Data:       map[string][]byte{"key.json": key},
	}); err != nil {
		return err
	}
	return kube.Create(ctx, &gcpv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "memorystore"},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID: memorystoreProject,
			Credentials: gcpv1alpha1.Credentials{
				Source:    gcpv1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Namespace: "crossplane-system", Name: "memorystore-key", Key: "key.json"},
			},
			// The /redis/ prefix the local cloud also serves Memorystore
			// under, as an endpoint override with a path would be.
			Endpoint: &gcpv1alpha1.Endpoint{Redis: front.URL + "/redis/"},
		},
	})
}

// An msCall is one call the provider made to Memorystore: the API's name
// of it and the instance it names ("" for operations).
type msCall struct {
	Instance string
	Op       string
}

type msRecorder struct {
	mu    sync.Mutex
	calls []msCall
}

func (r *msRecorder) of(instance string) []msCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []msCall
	for _, c := range r.calls {
		if c.Instance == instance {
			out = append(out, c)
		}
	}
	return out
}

// msProxy forwards to target and records each Memorystore call.
func msProxy(target string, rec *msRecorder) *httptest.Server {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("instanceId")
		if _, rest, ok := strings.Cut(r.URL.Path, "/instances/"); ok {
			id, _, _ = strings.Cut(rest, "/")
			id, _, _ = strings.Cut(id, ":")
		}
		rec.mu.Lock()
		rec.calls = append(rec.calls, msCall{Instance: id, Op: cloudcall.RedisOperation(r.Method, r.URL.Path)})
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
}

func redisInstance(name string, mutate ...func(*v1alpha1.Instance)) *v1alpha1.Instance {
	i := &v1alpha1.Instance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.InstanceSpec{ForProvider: v1alpha1.InstanceParameters{
			Region:       memorystoreRegion,
			Tier:         v1alpha1.TierBasic,
			MemorySizeGb: 1,
		}},
	}
	i.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "memorystore"}
	for _, m := range mutate {
		m(i)
	}
	return i
}

func msName(id string) string {
	return "projects/" + memorystoreProject + "/locations/" + memorystoreRegion + "/instances/" + id
}

func msGet(id string) (*redis.Instance, error) {
	return msStore.Projects.Locations.Instances.Get(msName(id)).Do()
}

// msWait waits for an operation the test started to finish.
func msWait(t *testing.T, op *redis.Operation, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, dbConverge, "operation "+op.Name+" done", func() error {
		got, err := msStore.Projects.Locations.Operations.Get(op.Name).Do()
		if err != nil {
			return err
		}
		if !got.Done {
			return errors.New("not done")
		}
		if got.Error != nil {
			t.Fatalf("operation %s failed: %s", op.Name, got.Error.Message)
		}
		return nil
	})
}

// redisProbe runs f on a TLS connection to the Secret's primary
// endpoint, verified with its CA and authenticated with its password.
func redisProbe(conn map[string]string, host, port string, f func(*probe.Redis) error) error {
	return probe.WithToken(conn[host], conn[port], conn["ca.crt"], conn["password"], f)
}

func redisGet(key, want string) func(*probe.Redis) error {
	return func(c *probe.Redis) error {
		v, err := c.Do("GET", key)
		if err == nil && v != want {
			err = fmt.Errorf("GET %s: %q, want %q", key, v, want)
		}
		return err
	}
}

// TestMemorystoreInstance runs a STANDARD_HA instance with read replicas
// against the local cloud's Memorystore on real Redis: Ready only once
// the instance is READY, a TLS PING with the AUTH string and CA of its
// connection Secret, reads from the read endpoint, reads only when in
// sync, a resize, drift made through the API put back, a failover with
// the Secret still right, deletion leaving nothing.
func TestMemorystoreInstance(t *testing.T) {
	t.Parallel()
	const name = "it-redis"
	cr := redisInstance(name, func(i *v1alpha1.Instance) {
		p := &i.Spec.ForProvider
		p.Tier, p.MemorySizeGb = v1alpha1.TierStandardHA, 5
		p.ReadReplicasMode, p.ReplicaCount = ptr.To(v1alpha1.ReadReplicasEnabled), ptr.To[int64](1)
		// Memorystore's default, asked for: the local cloud has no upgrade.
		p.RedisVersion = ptr.To("REDIS_7_0")
		p.DisplayName = ptr.To("integration cache")
		p.Labels = map[string]string{"team": "cache"}
		p.MaintenancePolicy = &v1alpha1.MaintenancePolicy{WeeklyMaintenanceWindow: []v1alpha1.WeeklyMaintenanceWindow{
			{Day: "SUNDAY", StartTime: v1alpha1.TimeOfDay{Hours: 3}},
		}}
		// AUTH and TLS left unset: a new instance gets both.
		i.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	})
	create(t, cr)
	t.Cleanup(func() { _, _ = msStore.Projects.Locations.Instances.Delete(msName(name)).Do() })

	// Ready is never True while Memorystore still creates the instance.
	var lies []string
	states := map[string]bool{}
	eventually(t, dbConverge, "instance Ready", func() error {
		err := ready(cr)
		in, gerr := msGet(name)
		if gerr == nil {
			states[in.State] = true
		}
		if err == nil && gerr == nil && in.State == "CREATING" {
			lies = append(lies, "Ready while CREATING")
		}
		return err
	})
	if len(lies) > 0 {
		t.Errorf("the resource said Ready while Memorystore was creating the instance: %v", lies)
	}
	if !states["CREATING"] {
		t.Logf("the instance was never seen CREATING (states seen: %v)", states)
	}
	in, err := msGet(name)
	if err != nil {
		t.Fatal(err)
	}
	if in.State != "READY" || !in.AuthEnabled || in.TransitEncryptionMode != "SERVER_AUTHENTICATION" || in.Labels["crossplane-uid"] != string(cr.GetUID()) || in.Labels["team"] != "cache" {
		t.Errorf("the instance: %s, AUTH %t, TLS %s, labels %v", in.State, in.AuthEnabled, in.TransitEncryptionMode, in.Labels)
	}
	// AUTH and TLS were late-initialised from the secure defaults.
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
		t.Fatal(err)
	}
	if p := cr.Spec.ForProvider; !ptr.Deref(p.AuthEnabled, false) || ptr.Deref(p.TransitEncryptionMode, "") != "SERVER_AUTHENTICATION" || ptr.Deref(p.ConnectMode, "") == "" {
		t.Errorf("spec not late-initialised: AUTH %v, TLS %v, connect mode %v", p.AuthEnabled, p.TransitEncryptionMode, p.ConnectMode)
	}
	if at := cr.Status.AtProvider; at.Host != in.Host || at.Port != 6378 || at.ReadEndpoint == "" || at.CurrentLocationID != "us-central1-a" || at.RedisVersion != "REDIS_7_0" || at.ServerCACertExpireTime == nil || at.Operation != nil {
		t.Errorf("status.atProvider: %+v", at)
	}

	conn := connSecret(t, name+"-conn")
	addCanary(conn["password"])
	auth, err := msStore.Projects.Locations.Instances.GetAuthString(msName(name)).Do()
	if err != nil || auth.AuthString != conn["password"] {
		t.Fatalf("the Secret's password is not the instance's AUTH string (%v)", err)
	}
	for _, k := range []string{"host", "port", "endpoint", "readerHost", "readerPort", "password", "url", "ca.crt"} {
		if conn[k] == "" {
			t.Errorf("connection Secret lacks %q", k)
		}
	}
	if conn["port"] != "6378" || conn["endpoint"] != conn["host"] || conn["url"] != "rediss://default:"+url.QueryEscape(conn["password"])+"@"+conn["host"]+":6378" {
		t.Errorf("connection Secret: port %q, endpoint %q, url %q", conn["port"], conn["endpoint"], strings.ReplaceAll(conn["url"], conn["password"], "<auth>"))
	}
	if err := redisProbe(conn, "host", "port", func(c *probe.Redis) error {
		if err := probe.Ping(c); err != nil {
			return err
		}
		_, err := c.Do("SET", "greeting", "hello")
		return err
	}); err != nil {
		t.Fatalf("a TLS PING with the Secret's AUTH string and CA: %v", err)
	}
	eventually(t, 30*time.Second, "the read endpoint serves the replica's copy", func() error {
		return redisProbe(conn, "readerHost", "readerPort", redisGet("greeting", "hello"))
	})

	t.Run("SteadyStateReadsOnly", func(t *testing.T) {
		// Three polls of an in-sync instance: a get and, with AUTH, the
		// AUTH string each; nothing else.
		start := len(msCalls.of(name))
		eventually(t, 4*pollInterval+10*time.Second, "three polls", func() error {
			if n := len(msCalls.of(name)) - start; n < 6 {
				return fmt.Errorf("%d calls so far", n)
			}
			return nil
		})
		for _, c := range msCalls.of(name)[start:] {
			if c.Op != "instances.get" && c.Op != "instances.getAuthString" {
				t.Errorf("an in-sync poll sent %s", c.Op)
			}
		}
	})

	t.Run("Resize", func(t *testing.T) {
		edit(t, cr, "memory raised", func(i *v1alpha1.Instance) { i.Spec.ForProvider.MemorySizeGb = 6 })
		sawBusy := false
		eventually(t, dbConverge, "resized and Ready", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			if c := cr.GetCondition(xpv2.TypeReady); c.Status == corev1.ConditionFalse && strings.Contains(c.Message, "UPDATING") {
				sawBusy = true
			}
			in, err := msGet(name)
			if err != nil {
				return err
			}
			if in.MemorySizeGb != 6 || in.State != "READY" {
				return fmt.Errorf("%d GB, %s", in.MemorySizeGb, in.State)
			}
			return ready(cr)
		})
		if !sawBusy {
			t.Logf("the resource was never seen Unavailable while UPDATING (a poll may have missed it)")
		}
		patches := 0
		for _, c := range msCalls.of(name) {
			if c.Op == "instances.patch" {
				patches++
			}
		}
		if patches != 1 {
			t.Errorf("instances.patch sent %d times for one resize, want 1", patches)
		}
		// A STANDARD_HA instance keeps its data when scaled.
		if err := redisProbe(connSecret(t, name+"-conn"), "host", "port", redisGet("greeting", "hello")); err != nil {
			t.Errorf("after the resize: %v", err)
		}
	})

	t.Run("DriftCorrected", func(t *testing.T) {
		eventually(t, dbConverge, "Ready", func() error { return ready(cr) })
		in, err := msGet(name)
		if err != nil {
			t.Fatal(err)
		}
		labels := in.Labels
		labels["rogue"] = "added-by-hand"
		op, err := msStore.Projects.Locations.Instances.Patch(msName(name), &redis.Instance{
			DisplayName: "changed behind the provider's back", Labels: labels,
		}).UpdateMask("displayName,labels").Do()
		msWait(t, op, err)
		eventually(t, dbConverge, "drift corrected", func() error {
			in, err := msGet(name)
			if err != nil {
				return err
			}
			if in.DisplayName != "integration cache" || in.Labels["rogue"] != "" || in.Labels["team"] != "cache" {
				return fmt.Errorf("display name %q, labels %v", in.DisplayName, in.Labels)
			}
			for _, e := range eventsOf(t, cr) {
				if e.Reason == "DriftDetected" && strings.Contains(e.Message, "labels") && strings.Contains(e.Message, "displayName") {
					return nil
				}
			}
			return errors.New("no DriftDetected event naming labels and displayName")
		})
	})

	t.Run("Failover", func(t *testing.T) {
		eventually(t, dbConverge, "Ready", func() error { return ready(cr) })
		before := connSecret(t, name+"-conn")
		resp, err := http.Post(localCloudAdmin+"/memorystore/"+name+"/failover", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("failover event: %s", resp.Status)
		}
		eventually(t, dbConverge, "failed over and Ready", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			if cr.Status.AtProvider.CurrentLocationID != "us-central1-b" {
				return fmt.Errorf("the primary is in %s", cr.Status.AtProvider.CurrentLocationID)
			}
			return ready(cr)
		})
		after := connSecret(t, name+"-conn")
		for _, k := range []string{"host", "port", "password", "url", "ca.crt"} {
			if after[k] != before[k] {
				t.Errorf("the failover changed the Secret's %q", k)
			}
		}
		// The same Secret reaches the promoted primary, data and all.
		if err := redisProbe(after, "host", "port", func(c *probe.Redis) error {
			if err := redisGet("greeting", "hello")(c); err != nil {
				return err
			}
			_, err := c.Do("SET", "after-failover", "yes")
			return err
		}); err != nil {
			t.Errorf("after the failover, through the Secret: %v", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := kube.Delete(context.Background(), cr); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "resource gone", func() error { return gone(cr) })
		if _, err := msGet(name); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("the instance is still there after its resource is gone: %v", err)
		}
		eventually(t, 30*time.Second, "connection Secret collected", func() error {
			s := &corev1.Secret{}
			if err := kube.Get(context.Background(), key(ns, name+"-conn"), s); err == nil {
				return errors.New("the connection Secret is still there")
			}
			return nil
		})
	})
}

// TestMemorystoreImportObserveOnly: an instance made outside Crossplane
// is read into status by an Observe-only resource, whose spec (another
// memory size) is never sent, and deleting the resource leaves the
// instance.
func TestMemorystoreImportObserveOnly(t *testing.T) {
	t.Parallel()
	const id = "it-redis-legacy"
	op, err := msStore.Projects.Locations.Instances.Create("projects/"+memorystoreProject+"/locations/"+memorystoreRegion, &redis.Instance{
		Tier: "BASIC", MemorySizeGb: 1, Labels: map[string]string{"owner": "someone-else"},
	}).InstanceId(id).Do()
	msWait(t, op, err)
	t.Cleanup(func() { _, _ = msStore.Projects.Locations.Instances.Delete(msName(id)).Do() })

	view := redisInstance("it-redis-import", func(i *v1alpha1.Instance) {
		i.Annotations = map[string]string{"crossplane.io/external-name": id}
		i.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		i.Spec.ForProvider.MemorySizeGb = 2
		i.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "it-redis-import-conn"}
	})
	create(t, view)
	eventually(t, converge, "observed", func() error {
		if err := ready(view); err != nil {
			return err
		}
		at := view.Status.AtProvider
		if at.State != "READY" || at.Host == "" || at.Port != 6379 || at.MemorySizeGb != 1 || at.Labels["owner"] != "someone-else" {
			return fmt.Errorf("status.atProvider: %+v", at)
		}
		return nil
	})
	conn := connSecret(t, "it-redis-import-conn")
	if conn["url"] != "redis://"+conn["host"]+":6379" || conn["password"] != "" || conn["ca.crt"] != "" {
		t.Errorf("an instance without AUTH or TLS: url %q, password set %t, CA set %t", conn["url"], conn["password"] != "", conn["ca.crt"] != "")
	}
	if pong, err := localcloudtest.Redis(net.JoinHostPort(conn["host"], conn["port"]), nil, "", "PING"); err != nil || pong != "PONG" {
		t.Errorf("a plain PING through the import's Secret: %q, %v", pong, err)
	}
	for _, c := range msCalls.of(id) {
		if c.Op != "instances.get" {
			t.Errorf("an Observe-only resource sent %s", c.Op)
		}
	}
	if err := kube.Delete(context.Background(), view); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "view gone", func() error { return gone(view) })
	in, err := msGet(id)
	if err != nil || in.State != "READY" || in.MemorySizeGb != 1 || in.Labels["crossplane-uid"] != "" {
		t.Errorf("the imported instance after its view is gone: %v (%v)", in, err)
	}
}

// TestMemorystoreBadSpecRefusedAtAdmission: what Memorystore would refuse,
// and changes it cannot make, are refused before they reach the provider.
func TestMemorystoreBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	observeOnly := func(i *v1alpha1.Instance) {
		i.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	}
	expectRefused(t, map[string]refusal{
		"ReplicasOnBasic": {reason: "a BASIC instance has no replica", obj: redisInstance("it-bad-basic-replicas", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.ReplicaCount = ptr.To[int64](1)
		}), want: "replicaCount applies to the STANDARD_HA tier only"},
		"ReadReplicasOnBasic": {reason: "read replicas need STANDARD_HA", obj: redisInstance("it-bad-basic-read", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.MemorySizeGb = 5
			i.Spec.ForProvider.ReadReplicasMode = ptr.To(v1alpha1.ReadReplicasEnabled)
		}), want: "read replicas need the STANDARD_HA tier"},
		"SmallReadReplicas": {reason: "read replicas need 5 GB", obj: redisInstance("it-bad-small-read", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.Tier = v1alpha1.TierStandardHA
			i.Spec.ForProvider.ReadReplicasMode = ptr.To(v1alpha1.ReadReplicasEnabled)
		}), want: "read replicas need memorySizeGb of 5 or more"},
		"ReplicasWithoutReadReplicas": {reason: "without read replicas there is exactly one replica", obj: redisInstance("it-bad-replicas", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.Tier = v1alpha1.TierStandardHA
			i.Spec.ForProvider.ReplicaCount = ptr.To[int64](2)
		}), want: "replicaCount other than 1 needs readReplicasMode READ_REPLICAS_ENABLED"},
		"TooMuchMemory": {reason: "at most 300 GB", obj: redisInstance("it-bad-memory", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.MemorySizeGb = 301
		}), want: "memorySizeGb"},
		"UnknownTier": {reason: "BASIC or STANDARD_HA", obj: redisInstance("it-bad-tier", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.Tier = "PREMIUM"
		}), want: "tier"},
		"UnknownVersion": {reason: "a version Memorystore offers", obj: redisInstance("it-bad-version", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.RedisVersion = ptr.To("REDIS_9_9")
		}), want: "redisVersion"},
		"BadID": {reason: "the default instance id starts with a letter", obj: redisInstance("1-cache"), want: "metadata.name is the default instance id"},
		"ReservedLabel": {reason: "crossplane- labels are the provider's", obj: redisInstance("it-bad-label", func(i *v1alpha1.Instance) {
			i.Spec.ForProvider.Labels = map[string]string{"crossplane-kind": "x"}
		}), want: "not start with crossplane-"},
	})
	tier := redisInstance("it-immutable-tier", observeOnly)
	expectImmutable(t, tier, func() { tier.Spec.ForProvider.Tier = v1alpha1.TierStandardHA }, "tier is immutable")
	region := redisInstance("it-immutable-region", observeOnly)
	expectImmutable(t, region, func() { region.Spec.ForProvider.Region = "europe-west1" }, "region is immutable")
	tls := redisInstance("it-immutable-tls", observeOnly, func(i *v1alpha1.Instance) {
		i.Spec.ForProvider.TransitEncryptionMode = ptr.To(v1alpha1.TransitEncryptionServerAuthentication)
	})
	expectImmutable(t, tls, func() { tls.Spec.ForProvider.TransitEncryptionMode = ptr.To(v1alpha1.TransitEncryptionDisabled) }, "transitEncryptionMode is immutable")
	version := redisInstance("it-version-down", observeOnly, func(i *v1alpha1.Instance) { i.Spec.ForProvider.RedisVersion = ptr.To("REDIS_7_2") })
	expectImmutable(t, version, func() { version.Spec.ForProvider.RedisVersion = ptr.To("REDIS_7_0") }, "redisVersion can only be raised")
}
