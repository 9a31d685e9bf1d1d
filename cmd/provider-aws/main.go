// Command provider-aws runs provider-appinfra-aws: S3 buckets, RDS
// instances and ElastiCache replication groups. It links AWS's SDK only.
package main

import (
	apisaws "github.com/appinfra/provider-appinfra/apis/aws"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller/aws"
	"github.com/appinfra/provider-appinfra/internal/provider"
)

// version is stamped at build time from the VERSION file
// (-ldflags "-X main.version=..."), as are the packages built with it.
var version = "dev"

func main() {
	provider.Main(provider.Cloud{
		Name:        "provider-appinfra-aws",
		AddToScheme: apisaws.AddToScheme,
		Limits:      awsclient.DefaultLimits,
		Setup:       aws.Setup,
	}, version)
}
