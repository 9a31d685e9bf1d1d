package plan

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMainArguments: what the command refuses before it reads anything,
// and with which exit code. (Plans themselves run against a cluster: see
// test/integration.)
func TestMainArguments(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-kubeconfig")
	cases := map[string]struct {
		reason string
		args   []string
		code   int
		stderr string
	}{
		"NoCommand":      {"A command is needed.", nil, ExitError, "Usage: appinfra plan"},
		"UnknownCommand": {"plan is the one command.", []string{"apply"}, ExitError, `unknown command "apply"`},
		"Help":           {"--help prints the flags and succeeds.", []string{"plan", "--help"}, ExitNoChange, "Exit codes: 0 no change, 1 error, 2 changes, 3 destructive"},
		"BadFlag":        {"An unknown flag is an error.", []string{"plan", "--nope"}, ExitError, "flag provided but not defined"},
		"BadOutput":      {"Only text and json.", []string{"plan", "-o", "yaml", "-f", "x"}, ExitError, `-o "yaml": want text or json`},
		"NothingToPlan":  {"A file or KIND/NAME is needed.", []string{"plan", "-o", "json"}, ExitError, "nothing to plan"},
		"NoKubeconfig": {
			"A kubeconfig that cannot be read is an error, said before anything is planned.",
			[]string{"plan", "--kubeconfig", missing, "Bucket.s3.aws.appinfra.io/x"}, ExitError, "cannot load the kubeconfig",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("%s: Main(%v) exited %d with stderr %q; want %d and %q", tc.reason, tc.args, code, stderr.String(), tc.code, tc.stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("%s: Main(%v) wrote %q to standard output; a report goes there only", tc.reason, tc.args, stdout.String())
			}
		})
	}
}
