package main

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kind is one kind of managed resource the benchmark creates.
type kind struct {
	// name is the kind as reports name it; cloud is the cloud whose
	// provider reconciles it.
	name, cloud string
	gvk         schema.GroupVersionKind
	// prefix starts the names of its objects, which are also the names of
	// their cloud resources.
	prefix string
	// service is what the counting proxies file its cloud calls under.
	service string
	// marker is the operation every reconcile of an existing resource calls
	// exactly once (its Observe's read): reconciles are counted by it,
	// since controller-runtime's reconcile counter also counts the turns
	// the global rate limiter deferred, which reach no Observe.
	marker string
	// syncReads is the goal for cloud calls per in-sync reconcile, and
	// syncWhy what it is made of.
	syncReads float64
	syncWhy   string
	// forProvider is the spec of a new object, whose own name is given.
	forProvider func(name string) map[string]any
	// connection says the objects write a connection Secret.
	connection bool
}

// kinds are every kind the benchmark knows, in the order reports list them.
var kinds = []kind{
	{
		name: "S3 Bucket", cloud: "aws", gvk: schema.GroupVersionKind{Group: "s3.aws.appinfra.io", Version: "v1alpha1", Kind: "Bucket"},
		prefix: "s3-", service: "s3", marker: "HeadBucket",
		syncReads: 1 + 3, syncWhy: "1 + the sub-configurations set: these Buckets get tags, and by default encryption and the public access block",
		forProvider: func(string) map[string]any { return map[string]any{"region": "us-east-1"} },
	},
	{
		name: "GCS Bucket", cloud: "gcp", gvk: schema.GroupVersionKind{Group: "storage.gcp.appinfra.io", Version: "v1alpha1", Kind: "Bucket"},
		prefix: "gcs-", service: "storage", marker: "buckets.get",
		syncReads: 1, syncWhy: "one buckets.get returns every setting the Bucket manages",
		forProvider: func(string) map[string]any { return map[string]any{"location": "europe-west1"} },
	},
	{
		name: "RDS DBInstance", cloud: "aws", gvk: schema.GroupVersionKind{Group: "rds.aws.appinfra.io", Version: "v1alpha1", Kind: "DBInstance"},
		prefix: "db-", service: "rds", marker: "DescribeDBInstances",
		syncReads: 1, syncWhy: "DescribeDBInstances returns the settings and the tags", connection: true,
		forProvider: func(name string) map[string]any {
			return map[string]any{
				"region": "us-east-1", "engine": "postgres", "engineVersion": "15",
				"dbInstanceClass": "db.t4g.micro", "allocatedStorage": int64(20),
				"dbName": "app", "masterUsername": "appadmin",
				"masterPasswordSecretRef": map[string]any{"name": name + "-master", "key": "password"},
			}
		},
	},
	{
		name: "ElastiCache ReplicationGroup", cloud: "aws", gvk: schema.GroupVersionKind{Group: "elasticache.aws.appinfra.io", Version: "v1alpha1", Kind: "ReplicationGroup"},
		prefix: "cache-", service: "elasticache", marker: "DescribeReplicationGroups",
		syncReads: 2, syncWhy: "DescribeReplicationGroups, and ListTagsForResource, since ElastiCache's descriptions carry no tags", connection: true,
		forProvider: func(string) map[string]any {
			return map[string]any{
				"region": "us-east-1", "description": "benchmark cache", "engine": "redis",
				"cacheNodeType": "cache.t4g.micro", "numCacheClusters": int64(1),
			}
		},
	},
}

// object is a new object of k named name in namespace, or, with an empty
// name, an object that only names the kind (for DeleteAllOf).
func (k kind) object(namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	if name != "" {
		spec := map[string]any{"forProvider": k.forProvider(name)}
		if k.connection {
			spec["writeConnectionSecretToRef"] = map[string]any{"name": name + "-connection"}
		}
		u.Object["spec"] = spec
	}
	u.SetGroupVersionKind(k.gvk)
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// objectName is the name of k's i-th object.
func (k kind) objectName(i int) string { return fmt.Sprintf("%s%04d", k.prefix, i) }

// calls are the calls of k's service, from calls of every service.
func (k kind) calls(all map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range all {
		if strings.HasPrefix(op, k.service+"/") {
			out[op] = n
		}
	}
	return out
}
