// Command appinfra is the provider family's command line: `appinfra plan`
// says what a change to managed resources would do, in the cluster and in
// the cloud, before it is applied (docs/plan.md). Installed as
// kubectl-appinfra (a symlink to it on the PATH), it is the kubectl plugin
// `kubectl appinfra`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/appinfra/provider-appinfra/internal/plan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := plan.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
