//go:build e2e

// Package e2e proves the platform APIs end to end, as a platform team and an
// application team meet them: Crossplane core v2.4 (out of cluster, the
// External package runtime) with the composition functions installed as
// packages from a local registry, the provider running as its own process,
// the local cloud and emulators serving. A claim goes in; working cloud
// resources and one connection Secret come out; deleting the claim leaves
// nothing behind. Run it with `make e2e` (part of `make test`).
package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

var (
	root  string
	stack *local.Stack
	kube  client.Client

	s3Client    *s3.Client
	rdsClient   *rds.Client
	cacheClient *elasticache.Client

	// The providers reach S3 and the local cloud's AWS APIs through these,
	// which log every call the cloud answered: a test tells from them
	// which calls a change made.
	s3Proxy, awsProxy *cloudproxy.Proxy
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// The XRDs' API version is deprecated; the API server says so on every
	// request, which is no news to this test.
	ctrllog.SetLogger(logr.Discard())
	var err error
	if root, err = local.Root(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "appinfra-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The local cloud's engines run as their own users (postgres, redis)
	// and must be able to enter the directory of their data.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logPath := filepath.Join(dir, "processes.log")
	logf, err := os.Create(logPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer logf.Close() //nolint:errcheck // Test log.
	code := 1
	defer func() {
		// Keep the logs of a failed run for whoever reads the CI output.
		if code == 0 {
			_ = os.RemoveAll(dir)
		} else {
			fmt.Fprintln(os.Stderr, "e2e: logs of every process are in", logPath, "and", filepath.Join(dir, "provider-{aws,gcp}.log"))
		}
	}()

	ctx := context.Background()
	start := time.Now()
	stack, err = local.StartStack(ctx, root, local.StackOptions{Dir: dir, Delay: 2 * time.Second, Log: logf, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: cannot start the local stack:", err)
		return 1
	}
	defer stack.Stop()
	kube = stack.Kube

	if s3Proxy, err = cloudproxy.New(stack.Kumo.Endpoint, cloudproxy.S3, 1); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer s3Proxy.Close()
	if awsProxy, err = cloudproxy.New(stack.Cloud.Endpoint, cloudproxy.Query, 1); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer awsProxy.Close()
	if err := stack.ApplyProviderConfigsVia(ctx, local.Endpoints{S3: s3Proxy.URL, AWS: awsProxy.URL, GCS: stack.GCS.Endpoint}); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	providers, err := startProviders(dir)
	for _, p := range providers {
		defer p.Stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	if err := installPlatformAPIs(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: stack, provider and platform APIs up in %s\n", time.Since(start).Round(time.Second))
	newCloudClients()

	code = m.Run()
	return code
}

// startProviders builds the provider family and runs each provider as its
// own process, as a user does (make run), against the stack's control
// plane. It returns those it started, also on error.
func startProviders(dir string) ([]*local.Process, error) {
	if err := local.BuildProviders(root, dir); err != nil {
		return nil, err
	}
	kc := filepath.Join(dir, "provider.kubeconfig")
	if err := os.WriteFile(kc, stack.ControlPlane.Kubeconfig, 0o600); err != nil {
		return nil, err
	}
	var started []*local.Process
	for _, cloud := range local.Clouds {
		logf, err := os.Create(filepath.Join(dir, "provider-"+cloud+".log"))
		if err != nil {
			return started, err
		}
		p, err := local.Start(logf, local.ProviderBin(dir, cloud), "--kubeconfig", kc, "--poll", "15s",
			"--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address", "0")
		_ = logf.Close() // The process writes to its own copy.
		if err != nil {
			return started, err
		}
		started = append(started, p)
	}
	return started, nil
}

var xrdGVK = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "CompositeResourceDefinition"}

// installPlatformAPIs applies every XRD and Composition under apis/platform
// and waits for the XRDs to be established and offered.
func installPlatformAPIs(ctx context.Context) error {
	var xrds []string
	err := filepath.WalkDir(filepath.Join(root, "apis", "platform"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, o := range decode(string(b)) {
			if o.GetKind() == "CompositeResourceDefinition" {
				xrds = append(xrds, o.GetName())
			}
		}
		return local.Apply(ctx, kube, string(b))
	})
	if err != nil {
		return err
	}
	// The dev environment's network, as make dev describes it.
	b, err := os.ReadFile(filepath.Join(root, "examples", "platform", "environmentconfig-dev.yaml"))
	if err != nil {
		return err
	}
	if err := local.Apply(ctx, kube, string(b)); err != nil {
		return err
	}
	for _, name := range xrds {
		xrd := &unstructured.Unstructured{}
		xrd.SetGroupVersionKind(xrdGVK)
		if err := waitFor(ctx, 2*time.Minute, func() error {
			if err := kube.Get(ctx, client.ObjectKey{Name: name}, xrd); err != nil {
				return err
			}
			return conditionTrue(xrd, "Established")
		}); err != nil {
			return fmt.Errorf("XRD %s: %w", name, err)
		}
	}
	return nil
}

func newCloudClients() {
	id, secret, _ := strings.Cut(local.AWSCredentials, ":")
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}
	s3Client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(stack.Kumo.Endpoint)
		o.UsePathStyle = true
	})
	rdsClient = rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = aws.String(stack.Cloud.Endpoint) })
	cacheClient = elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(stack.Cloud.Endpoint) })
}
