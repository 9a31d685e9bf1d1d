package plan

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	ec2v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	ecv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	redisv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	sqlv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	storagev1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/cachesubnetgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/dbinstance"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/dbsubnetgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/replicationgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/s3bucket"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/securitygroup"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcsbucket"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/redisinstance"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/sqlinstance"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// kinds are the managed resource kinds of both providers, each with the
// connector its controller reconciles with, made from read-only deps and
// clients.
func kinds(d reconciler.Deps, aws *awsclient.Clients, gcp *gcpclient.Clients) []planner {
	return []planner{
		kind[*s3v1alpha1.Bucket, *awsclient.Config]{gvk: s3v1alpha1.BucketGroupVersionKind, new: func() *s3v1alpha1.Bucket { return &s3v1alpha1.Bucket{} }, conn: s3bucket.Connector(d, aws)},
		kind[*rdsv1alpha1.DBInstance, *awsclient.Config]{gvk: rdsv1alpha1.DBInstanceGroupVersionKind, new: func() *rdsv1alpha1.DBInstance { return &rdsv1alpha1.DBInstance{} }, conn: dbinstance.Connector(d, aws)},
		kind[*rdsv1alpha1.DBSubnetGroup, *awsclient.Config]{gvk: rdsv1alpha1.DBSubnetGroupGroupVersionKind, new: func() *rdsv1alpha1.DBSubnetGroup { return &rdsv1alpha1.DBSubnetGroup{} }, conn: dbsubnetgroup.Connector(d, aws)},
		kind[*ecv1alpha1.ReplicationGroup, *awsclient.Config]{gvk: ecv1alpha1.ReplicationGroupGroupVersionKind, new: func() *ecv1alpha1.ReplicationGroup { return &ecv1alpha1.ReplicationGroup{} }, conn: replicationgroup.Connector(d, aws)},
		kind[*ecv1alpha1.CacheSubnetGroup, *awsclient.Config]{gvk: ecv1alpha1.CacheSubnetGroupGroupVersionKind, new: func() *ecv1alpha1.CacheSubnetGroup { return &ecv1alpha1.CacheSubnetGroup{} }, conn: cachesubnetgroup.Connector(d, aws)},
		kind[*ec2v1alpha1.SecurityGroup, *awsclient.Config]{gvk: ec2v1alpha1.SecurityGroupGroupVersionKind, new: func() *ec2v1alpha1.SecurityGroup { return &ec2v1alpha1.SecurityGroup{} }, conn: securitygroup.Connector(d, aws)},
		kind[*storagev1alpha1.Bucket, *gcpclient.Config]{gvk: storagev1alpha1.BucketGroupVersionKind, new: func() *storagev1alpha1.Bucket { return &storagev1alpha1.Bucket{} }, conn: gcsbucket.Connector(d, gcp)},
		kind[*sqlv1alpha1.DatabaseInstance, *gcpclient.Config]{gvk: sqlv1alpha1.DatabaseInstanceGroupVersionKind, new: func() *sqlv1alpha1.DatabaseInstance { return &sqlv1alpha1.DatabaseInstance{} }, conn: sqlinstance.Connector(d, gcp)},
		kind[*redisv1alpha1.Instance, *gcpclient.Config]{gvk: redisv1alpha1.InstanceGroupVersionKind, new: func() *redisv1alpha1.Instance { return &redisv1alpha1.Instance{} }, conn: redisinstance.Connector(d, gcp)},
	}
}

// A kind plans resources of one managed resource kind with its
// controller's connector.
type kind[T resource.ModernManaged, C any] struct {
	gvk  schema.GroupVersionKind
	new  func() T
	conn *reconciler.Connector[T, C]
}

func (k kind[T, C]) kind() schema.GroupVersionKind { return k.gvk }
