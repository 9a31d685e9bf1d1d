// Command localcloud serves the project's local cloud: the AWS RDS and
// ElastiCache APIs and Google's Cloud SQL and Memorystore for Redis APIs
// on 127.0.0.1, backed by real PostgreSQL, MariaDB and Redis servers,
// until SIGTERM or SIGINT.
//
//	go run ./cmd/localcloud --data-dir /tmp/lc --credentials AKID:SECRET --delay 5s
//
// Point aws-sdk-go-v2 at the printed address with BaseEndpoint and the
// same static credentials. Point Google's clients (sqladmin/v1, redis/v1)
// at the same address with option.WithEndpoint, and give them the service
// account key it writes (<data-dir>/gcp-service-account.json unless
// --gcp-key-file says otherwise), whose token_uri is this local cloud.
// Engines serving TLS present certificates signed by the local cloud's
// CA: trust <data-dir>/ca.crt, also served at GET /localcloud/ca.crt.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "localcloud:", err)
		os.Exit(1)
	}
}

// credentials is a repeatable ACCESS:SECRET flag that also takes
// comma-separated pairs.
type credentials map[string]string

func (c credentials) String() string { return fmt.Sprintf("%d key(s)", len(c)) }

func (c credentials) Set(v string) error {
	for _, pair := range strings.Split(v, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || id == "" || secret == "" {
			return fmt.Errorf("want ACCESS:SECRET, got %q", pair)
		}
		c[id] = secret
	}
	return nil
}

// run serves until ctx ends (main cancels it on SIGTERM or SIGINT), then
// stops the HTTP server and every engine.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("localcloud", flag.ContinueOnError)
	creds := credentials{}
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	dataDir := fs.String("data-dir", "", "directory for state, engine data and snapshots (required)")
	account := fs.String("account", "000000000000", "AWS account id in ARNs")
	region := fs.String("region", "us-east-1", "AWS region in ARNs")
	delay := fs.Duration("delay", 5*time.Second, "how long each intermediate status (creating, modifying...) lasts at least")
	resetDelay := fs.Duration("password-reset-delay", 0, "how long an RDS master password reset takes, if longer than --delay (minutes on RDS)")
	optimization := fs.Duration("storage-optimization", 0, "how long RDS storage-optimization lasts after a storage change (hours on RDS); 0 means --delay")
	clockSpeed := fs.Float64("clock-speed", 1, "run the cloud's own schedule (maintenance windows) this many times faster than real time; 10080 is a week a minute")
	gcpProject := fs.String("gcp-project", "local-project", "the Google Cloud project the local cloud serves")
	gcpRegion := fs.String("gcp-region", "us-central1", "the Google Cloud region the local cloud serves")
	gcpAccount := fs.String("gcp-service-account", "", "email of the service account whose key the local cloud writes and trusts (default localcloud@<gcp-project>.iam.gserviceaccount.com)")
	gcpKeyFile := fs.String("gcp-key-file", "", "where to write that service account's key file, token_uri pointing here (default <data-dir>/gcp-service-account.json; \"none\" writes none)")
	fs.Var(creds, "credentials", "accepted ACCESS:SECRET key pair; repeatable or comma-separated (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || len(creds) == 0 {
		fs.Usage()
		return errors.New("--data-dir and --credentials are required")
	}

	cloud, err := localcloud.New(ctx, localcloud.Config{
		DataDir: *dataDir, Credentials: creds, Account: *account, Region: *region,
		Delay: *delay, ResetDelay: *resetDelay, OptimizationDelay: *optimization, ClockSpeed: *clockSpeed,
		GCPProject: *gcpProject, GCPRegion: *gcpRegion,
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return errors.Join(err, cloud.Close())
	}
	// The key names the token endpoint's address, which a port of 0 has
	// only once bound; the cloud trusts it before it serves anything.
	url := "http://" + l.Addr().String()
	keyFile, err := gcpKey(cloud, *dataDir, *gcpKeyFile, *gcpAccount, *gcpProject, url)
	if err != nil {
		return errors.Join(err, l.Close(), cloud.Close())
	}
	srv := &http.Server{Handler: cloud, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "localcloud: listening on %s\n", url)
	fmt.Fprintf(stdout, "localcloud: CA certificate %s\n", filepath.Join(*dataDir, engines.CACertFile))
	if keyFile != "" {
		fmt.Fprintf(stdout, "localcloud: GCP service account key %s (project %s)\n", keyFile, *gcpProject)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		fmt.Fprintln(stdout, "localcloud: stopping")
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(shutdown)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, cloud.Close())
}

// gcpKey keeps the service account key file the local cloud trusts: made
// the first time, its token_uri moved to url at every start. It returns
// the file's path ("" with keyFile "none").
func gcpKey(cloud *localcloud.Cloud, dataDir, keyFile, email, project, url string) (string, error) {
	if keyFile == "none" {
		return "", nil
	}
	if keyFile == "" {
		keyFile = filepath.Join(dataDir, "gcp-service-account.json")
	}
	if email == "" {
		email = "localcloud@" + project + ".iam.gserviceaccount.com"
	}
	pub, err := gcpapi.EnsureServiceAccountKey(keyFile, email, project, url+gcpapi.TokenPath)
	if err != nil {
		return "", fmt.Errorf("cannot write the GCP service account key: %w", err)
	}
	cloud.TrustGCPServiceAccount(email, pub)
	return keyFile, nil
}
