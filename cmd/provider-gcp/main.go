// Command provider-gcp runs provider-appinfra-gcp: Cloud Storage buckets.
// It links Google Cloud's client libraries only.
package main

import (
	apisgcp "github.com/appinfra/provider-appinfra/apis/gcp"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp"
	"github.com/appinfra/provider-appinfra/internal/provider"
)

// version is stamped at build time from the VERSION file
// (-ldflags "-X main.version=..."), as are the packages built with it.
var version = "dev"

func main() {
	provider.Main(provider.Cloud{
		Name:        "provider-appinfra-gcp",
		AddToScheme: apisgcp.AddToScheme,
		Limits:      gcpclient.DefaultLimits,
		Setup:       gcp.Setup,
	}, version)
}
