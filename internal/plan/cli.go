package plan

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apisaws "github.com/appinfra/provider-appinfra/apis/aws"
	apisgcp "github.com/appinfra/provider-appinfra/apis/gcp"
	"github.com/appinfra/provider-appinfra/internal/plan/composition"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// Exit codes of `appinfra plan`.
const (
	ExitNoChange    = 0
	ExitError       = 1
	ExitChanges     = 2
	ExitDestructive = 3
)

const usage = `Usage: appinfra plan [flags] [-f FILE]... [KIND/NAME]...

Says what applying the managed resources, claims, composites and
Compositions of FILE (or deleting them, with --delete) would do, in the
cluster and in the cloud, without changing either. Claims, composites and
Compositions are rendered with Crossplane's render engine (the crossplane
CLI) and the real functions; each managed resource they would compose is
planned as one of FILE's. KIND/NAME plans a managed resource as it is in
the cluster: whether its cloud resource has drifted. FILE - reads
standard input.

Exit codes: 0 no change, 1 error, 2 changes, 3 destructive changes
(replacement, deletion). See docs/plan.md.

Flags:
`

// files is a repeatable -f.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

// Main runs `appinfra ARGS` and returns its exit code. It is the binary's
// whole behaviour, here so that tests run it as users do.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "Usage: appinfra plan [flags] [-f FILE]... [KIND/NAME]... (appinfra plan --help for its flags)")
		return ExitError
	}
	if args[0] != "plan" {
		fmt.Fprintf(stderr, "appinfra: unknown command %q; the one command is plan\n", args[0])
		return ExitError
	}
	return planCommand(ctx, args[1:], stdin, stdout, stderr)
}

func planCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("appinfra plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var fileArgs files
	fs.Var(&fileArgs, "f", "A file of YAML or JSON objects to plan (repeatable; - is standard input).")
	del := fs.Bool("delete", false, "Plan deleting the resources instead of applying them.")
	output := fs.String("o", "text", "Output: text or json.")
	kubeconfig := fs.String("kubeconfig", "", "The kubeconfig file (default: $KUBECONFIG or ~/.kube/config, as kubectl).")
	kubeContext := fs.String("context", "", "The kubeconfig context (default: its current context).")
	namespace := fs.String("n", "", "The namespace of objects that name none (default: the context's, or default).")
	providerNS := fs.String("provider-namespace", "crossplane-system", "The providers' namespace (their key Secret is there).")
	fieldManager := fs.String("field-manager", "kubectl", "The field manager the dry run applies as, as kubectl apply --server-side --field-manager does.")
	prefixes := fs.String("namespaced-endpoint-prefixes", "", "The providers' --namespaced-endpoint-prefixes, comma-separated: endpoints a namespaced ProviderConfig may use.")
	timeout := fs.Duration("timeout", 2*time.Minute, "How long planning one resource may take.")
	xpCLI := fs.String("crossplane", envOr("APPINFRA_CROSSPLANE", "crossplane"), "The crossplane CLI, which renders Compositions ($APPINFRA_CROSSPLANE).")
	xpCore := fs.String("crossplane-binary", os.Getenv("APPINFRA_CROSSPLANE_BINARY"), "Crossplane core's binary, render's engine ($APPINFRA_CROSSPLANE_BINARY; default: render runs Crossplane's image with Docker).")
	fnFile := fs.String("functions", os.Getenv("APPINFRA_FUNCTIONS"), "A file of Function objects render runs, as crossplane composition render takes ($APPINFRA_FUNCTIONS; default: the cluster's Functions, which render runs with Docker).")
	fnBin := fs.String("function-bin", os.Getenv("APPINFRA_FUNCTION_BIN"), "A directory with a binary per function, named as the cluster's Function: the plan runs them itself, on 127.0.0.1 ($APPINFRA_FUNCTION_BIN).")

	// Flags may come before and after KIND/NAME arguments.
	var named []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitNoChange
			}
			return ExitError
		}
		if fs.NArg() == 0 {
			break
		}
		named = append(named, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *output != "text" && *output != "json" {
		fmt.Fprintf(stderr, "appinfra plan: -o %q: want text or json\n", *output)
		return ExitError
	}
	if len(fileArgs) == 0 && len(named) == 0 {
		fmt.Fprintln(stderr, "appinfra plan: nothing to plan: give -f FILE or KIND/NAME")
		return ExitError
	}

	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = *kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: *kubeContext})
	cfg, err := cc.ClientConfig()
	if err != nil {
		fmt.Fprintln(stderr, "appinfra plan: cannot load the kubeconfig:", err)
		return ExitError
	}
	ns := *namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil || ns == "" {
			ns = "default"
		}
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apisaws.AddToScheme, apisgcp.AddToScheme} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(stderr, "appinfra plan:", err)
			return ExitError
		}
	}
	kube, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(stderr, "appinfra plan: cannot make a Kubernetes client:", err)
		return ExitError
	}
	var policy providerconfig.EndpointPolicy
	for _, p := range strings.Split(*prefixes, ",") {
		if p = strings.TrimSpace(p); p != "" {
			policy.NamespacedPrefixes = append(policy.NamespacedPrefixes, p)
		}
	}
	fns := &composition.Functions{File: *fnFile, BinDir: *fnBin}
	defer fns.Close()
	p := New(ctx, kube, Options{
		ProviderNamespace: *providerNS, FieldManager: *fieldManager, Endpoints: policy, Timeout: *timeout,
		Composing: Composing{Renderer: composition.Renderer{CLI: *xpCLI, CoreBinary: *xpCore}, Functions: fns},
	})

	var in []Input
	for _, f := range fileArgs {
		var r io.Reader = stdin
		name := "-"
		if f != "-" {
			fh, err := os.Open(f)
			if err != nil {
				fmt.Fprintln(stderr, "appinfra plan:", err)
				return ExitError
			}
			defer fh.Close() //nolint:errcheck // Read only.
			r, name = fh, f
		}
		got, err := Decode(r, name, ns, *del)
		if err != nil {
			fmt.Fprintln(stderr, "appinfra plan:", err)
			return ExitError
		}
		in = append(in, got...)
	}
	got, err := Named(named, p.Kinds(), ns, *del)
	if err != nil {
		fmt.Fprintln(stderr, "appinfra plan:", err)
		return ExitError
	}
	in = append(in, got...)

	report := p.Plan(ctx, in)
	write := report.WriteText
	if *output == "json" {
		write = report.WriteJSON
	}
	if err := write(stdout); err != nil {
		fmt.Fprintln(stderr, "appinfra plan:", err)
		return ExitError
	}
	return report.ExitCode
}

// envOr is the environment variable's value, or def.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
