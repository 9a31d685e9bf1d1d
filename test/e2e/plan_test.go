//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/internal/plan"
	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

// planComposition is the test's own copy of the AppEnvironment's default
// Composition: changing it changes no other test's claims.
const planComposition = "appenvironment-plan-e2e"

// TestPlanEqualsApply: `appinfra plan` on a claim, and on a change of its
// Composition, says what applying it does, and applying it does exactly
// that. For each step (a new claim, no change, a resize, a Composition
// that adds a tag, changes refused at admission, the claim's deletion):
// the exit code is the documented one; the plan makes no write to the
// cloud; after the apply, the writes the providers send (logged per
// resource by the proxies in front of S3 and the local cloud) are the
// ones the plan's changes call for, field by field, and none for what it
// said would not change; no secret value is in the output.
func TestPlanEqualsApply(t *testing.T) {
	t.Parallel()
	ns := namespace(t, "team-plan")
	dir := t.TempDir()

	comp := ownComposition(t)
	compFile := writeObjects(t, dir, "composition.yaml", comp)
	claim := example(t, "examples/platform/appenvironment.yaml")
	claim.SetNamespace(ns)
	claim.SetName("plan")
	must(t, unstructured.SetNestedField(claim.Object, "plan-env", "spec", "writeConnectionSecretToRef", "name"))
	must(t, unstructured.SetNestedField(claim.Object, planComposition, "spec", "compositionRef", "name"))
	claimFile := writeObjects(t, dir, "claim.yaml", claim)

	// A new claim: everything it composes is created.
	rep, out := planned(t, 2, "-f", claimFile)
	top := rep.Resources[0]
	if top.Action != plan.ActionCreate || top.Composition == nil || top.Composition.Name != planComposition {
		t.Fatalf("a new claim: %s, composition %+v; want create with %s:\n%s", top.Action, top.Composition, planComposition, out)
	}
	for _, k := range []string{"Bucket", "DBInstance", "ReplicationGroup", "DBSubnetGroup", "CacheSubnetGroup", "SecurityGroup"} {
		if rs := composedOfKind(top, k); len(rs) == 0 || rs[0].Action != plan.ActionCreate {
			t.Errorf("a new claim: no %s to create:\n%s", k, out)
		}
	}
	file := claim.DeepCopy() // as the team's file has it, without what the cluster adds
	applyObject(t, claim)
	xr := compositeOf(t, claim)
	readiness(t, claim, xr, 6*time.Minute)
	mrs := byKind(t, composed(t, xr))
	names := cloudNames(t, mrs)
	env := secretData(t, ns, "plan-env")

	// No change: nothing to do, and nothing written while planning.
	mark := marks()
	rep, out = planned(t, 0, "-f", claimFile)
	noSecretsIn(t, out, env)
	noWrites(t, "planning no change", mark, names)
	if got := rep.Resources[0]; got.Action != plan.ActionNoChange || len(got.Composed) < 7 {
		t.Errorf("no change: %s with %d composed resources, want no change of the 7:\n%s", got.Action, len(got.Composed), out)
	}

	// The Composition as it is: the claim that uses it would not change.
	rep, out = planned(t, 0, "-f", compFile)
	if got := rep.Resources[0]; len(got.Composed) != 1 || got.Composed[0].Action != plan.ActionNoChange {
		t.Errorf("the Composition unchanged: want its one claim's composite unchanged:\n%s", out)
	}
	noWrites(t, "planning the Composition unchanged", mark, names)

	// A resize: the database's class and storage and the cache's node type.
	resized := file.DeepCopy()
	must(t, unstructured.SetNestedField(resized.Object, "medium", "spec", "parameters", "database", "size"))
	must(t, unstructured.SetNestedField(resized.Object, "medium", "spec", "parameters", "cache", "size"))
	resizedFile := writeObjects(t, dir, "resized.yaml", resized)
	mark = marks()
	rep, out = planned(t, 2, "-f", resizedFile)
	noWrites(t, "planning the resize", mark, names)
	predicted := predictedWrites(t, rep.Resources[0], out)
	wantPredicted(t, "the resize", predicted, map[string][]string{
		"DBInstance":       {"allocatedStorage", "dbInstanceClass"},
		"ReplicationGroup": {"cacheNodeType"},
	}, out)
	// An application team that may apply its claims and nothing else gets
	// the API server's verdict, and is told why it gets no more.
	rep, out = plannedWith(t, tenantKubeconfig(t, ns), 2, "-f", resizedFile)
	if got := rep.Resources[0]; got.Action != plan.ActionUpdate || len(got.Composed) != 0 || !strings.Contains(got.Cloud.Unavailable, "your access") {
		t.Errorf("the resize planned by the team: %s with %d composed, %q; want an update from the spec alone, saying why:\n%s", got.Action, len(got.Composed), got.Cloud.Unavailable, out)
	}
	noSecretsIn(t, out, env)

	mark = marks()
	applyObject(t, resized)
	eventually(t, 5*time.Minute, "the resize in the cloud", func() error {
		if err := dbAt(names["DBInstance"].name, "db.t4g.medium", 50); err != nil {
			return err
		}
		return cacheAt(names["ReplicationGroup"].name, "cache.t4g.medium")
	})
	settle(t, claim)
	sameWrites(t, "the resize", predicted, mark, names, map[string]string{
		"dbInstanceClass": "ModifyDBInstance", "allocatedStorage": "ModifyDBInstance", "cacheNodeType": "ModifyReplicationGroup",
	})

	// A Composition change that adds a tag to the bucket: the claim
	// follows the Composition's latest revision (Automatic), so its
	// bucket is tagged, and nothing else changes.
	tagged := comp.DeepCopy()
	addBucketTag(t, tagged, "data-class", "internal")
	taggedFile := writeObjects(t, dir, "composition-tagged.yaml", tagged)
	mark = marks()
	rep, out = planned(t, 2, "-f", taggedFile)
	noWrites(t, "planning the Composition change", mark, names)
	if got := rep.Resources[0]; got.Kind != "Composition" || got.Action != plan.ActionUpdate || len(got.Composed) != 1 || got.Composed[0].Composition.Claim != ns+"/plan" {
		t.Fatalf("the Composition change: want an update used by claim %s/plan:\n%s", ns, out)
	}
	predicted = predictedWrites(t, rep.Resources[0].Composed[0], out)
	wantPredicted(t, "the Composition change", predicted, map[string][]string{"Bucket": {"tags.data-class"}}, out)
	mark = marks()
	applyObject(t, tagged)
	eventually(t, 3*time.Minute, "the bucket tagged", func() error {
		return bucketTagged(names["Bucket"].name, map[string]string{"data-class": "internal"})
	})
	settle(t, claim)
	sameWrites(t, "the Composition change", predicted, mark, names, map[string]string{"tags.data-class": "PutBucketTagging"})

	// Changes the API server refuses: one the platform cannot make to an
	// existing claim (its cloud) is a replacement; a size that does not
	// exist is refused. Neither writes anything.
	mark = marks()
	moved := resized.DeepCopy()
	must(t, unstructured.SetNestedField(moved.Object, "gcp", "spec", "parameters", "cloud"))
	must(t, unstructured.SetNestedField(moved.Object, "us-central1", "spec", "parameters", "region"))
	rep, out = planned(t, 3, "-f", writeObjects(t, dir, "moved.yaml", moved))
	if got := rep.Resources[0]; got.Action != plan.ActionReplace || !strings.Contains(got.Kubernetes.Message, "cloud cannot change after creation") {
		t.Errorf("moving the claim to another cloud: %s (%q), want replace with the API server's message:\n%s", got.Action, got.Kubernetes.Message, out)
	}
	huge := resized.DeepCopy()
	must(t, unstructured.SetNestedField(huge.Object, "huge", "spec", "parameters", "database", "size"))
	rep, out = planned(t, 1, "-f", writeObjects(t, dir, "huge.yaml", huge))
	if got := rep.Resources[0]; got.Action != plan.ActionRefused || !strings.Contains(got.Kubernetes.Message, "huge") {
		t.Errorf("size huge: %s (%q), want refused with the API server's message:\n%s", got.Action, got.Kubernetes.Message, out)
	}
	noWrites(t, "planning refused changes", mark, names)

	// Deleting the claim deletes every resource it composes; the plan says
	// what each loses.
	mark = marks()
	rep, out = planned(t, 3, "--delete", "-f", claimFile)
	noSecretsIn(t, out, env)
	noWrites(t, "planning the deletion", mark, names)
	deleted := map[string]bool{}
	for _, r := range rep.Resources[0].Composed {
		if r.Action != plan.ActionDelete {
			t.Errorf("deleting the claim: %s %s would %s, want delete:\n%s", r.Kind, r.Name, r.Action, out)
			continue
		}
		deleted[r.Kind] = true
		if r.Deletion == nil || len(r.Deletion.Lost) == 0 {
			t.Errorf("deleting the claim: %s %s says nothing of what is lost:\n%s", r.Kind, r.Name, out)
		}
	}
	for _, k := range []string{"Bucket", "DBInstance", "ReplicationGroup"} {
		if !deleted[k] {
			t.Errorf("deleting the claim: no %s deleted:\n%s", k, out)
		}
	}
	mark = marks()
	deleteClaim(t, claim, xr, composed(t, xr)...)
	deletes := map[string]string{"Bucket": "DeleteBucket", "DBInstance": "DeleteDBInstance", "ReplicationGroup": "DeleteReplicationGroup"}
	for kind, op := range deletes {
		if got := successfulWrites(mark, names[kind]); !slices.Equal(got, []string{op}) {
			t.Errorf("deleting the claim: the writes for %s %s were %q, want [%s]", kind, names[kind].name, got, op)
		}
	}
}

// ownComposition applies a copy of the AppEnvironment's default
// Composition under the test's own name and returns it.
func ownComposition(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	comp := example(t, "apis/platform/appenvironment/composition-by-cloud.yaml")
	comp.SetName(planComposition)
	comp.SetLabels(nil) // selected by reference only
	applyObject(t, comp)
	t.Cleanup(func() { _ = kube.Delete(context.Background(), comp) })
	return comp
}

// addBucketTag adds a tag to the base of every AWS bucket comp composes.
func addBucketTag(t *testing.T, comp *unstructured.Unstructured, key, value string) {
	t.Helper()
	steps, _, _ := unstructured.NestedFieldNoCopy(comp.Object, "spec", "pipeline")
	added := 0
	for _, s := range steps.([]any) {
		resources, _, _ := unstructured.NestedFieldNoCopy(s.(map[string]any), "input", "resources")
		if resources == nil {
			continue
		}
		for _, r := range resources.([]any) {
			base, _ := r.(map[string]any)["base"].(map[string]any)
			if base["apiVersion"] == "s3.aws.appinfra.io/v1alpha1" && base["kind"] == "Bucket" {
				must(t, unstructured.SetNestedField(base, value, "spec", "forProvider", "tags", key))
				added++
			}
		}
	}
	if added == 0 {
		t.Fatal("the Composition composes no S3 bucket")
	}
}

// planned runs `appinfra plan -o json ARGS` as the user (admin) and wants
// exit code want; it returns the report and the text output of the same
// plan, for messages.
func planned(t *testing.T, want int, args ...string) (plan.Report, string) {
	t.Helper()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	must(t, os.WriteFile(kc, stack.ControlPlane.Kubeconfig, 0o600))
	return plannedWith(t, kc, want, args...)
}

// plannedWith is planned with the kubeconfig kc.
func plannedWith(t *testing.T, kc string, want int, args ...string) (plan.Report, string) {
	t.Helper()
	xp, err := local.ToolDir(root, "crossplane")
	must(t, err)
	fns, err := local.ToolDir(root, "functions")
	must(t, err)
	// The dry run applies as the test applies (applyObject).
	base := []string{"plan", "--kubeconfig", kc, "--field-manager", "appinfra-local", "--crossplane", filepath.Join(xp, "crossplane"),
		"--crossplane-binary", filepath.Join(xp, "crossplane-core"), "--function-bin", fns}
	run := func(extra ...string) (string, int) {
		var stdout, stderr bytes.Buffer
		code := plan.Main(context.Background(), append(append(base, extra...), args...), nil, &stdout, &stderr)
		if stderr.Len() > 0 {
			t.Logf("appinfra plan %s: %s", strings.Join(args, " "), stderr.String())
		}
		return stdout.String(), code
	}
	text, code := run()
	if code != want {
		t.Fatalf("appinfra plan %s: exit %d, want %d:\n%s", strings.Join(args, " "), code, want, text)
	}
	js, code := run("-o", "json")
	var rep plan.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("appinfra plan -o json: %v\n%s", err, js)
	}
	if code != want || rep.ExitCode != want {
		t.Fatalf("appinfra plan -o json %s: exit %d (report %d), want %d", strings.Join(args, " "), code, rep.ExitCode, want)
	}
	if len(rep.ReadOnly.RefusedCalls) > 0 {
		t.Errorf("the plan tried to write: %q", rep.ReadOnly.RefusedCalls)
	}
	return rep, text
}

// tenantKubeconfig is a kubeconfig of a user who may read and apply
// AppEnvironment claims in namespace ns, and nothing else: the admin's,
// impersonating them.
func tenantKubeconfig(t *testing.T, ns string) string {
	t.Helper()
	user := "shop-developer@example.org"
	applyObject(t, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
		"metadata": map[string]any{"namespace": ns, "name": "claims"},
		"rules": []any{map[string]any{
			"apiGroups": []any{"platform.appinfra.io"}, "resources": []any{"appenvironments"},
			"verbs": []any{"get", "list", "watch", "create", "update", "patch", "delete"},
		}},
	}})
	applyObject(t, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
		"metadata": map[string]any{"namespace": ns, "name": "claims"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "claims"},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}},
	}})
	cfg, err := clientcmd.Load(stack.ControlPlane.Kubeconfig)
	must(t, err)
	for _, a := range cfg.AuthInfos {
		a.Impersonate = user
	}
	kc := filepath.Join(t.TempDir(), "tenant.kubeconfig")
	must(t, clientcmd.WriteToFile(*cfg, kc))
	return kc
}

// changeFields are r's cloud changes' after values, by field.
func changeFields(r plan.Resource) map[string]any {
	out := map[string]any{}
	for _, c := range r.Changes {
		out[c.Field] = c.After
	}
	return out
}

// composedOfKind are r's composed resources of kind.
func composedOfKind(r plan.Resource, kind string) []plan.Resource {
	var out []plan.Resource
	for _, c := range r.Composed {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// A cloudName is a cloud resource as the proxies log calls about it: the
// API's service and the resource's name there.
type cloudName struct{ service, name string }

// services are the APIs each kind's calls go to.
var services = map[string]string{
	"Bucket": "s3", "DBInstance": "rds", "DBSubnetGroup": "rds", "ReplicationGroup": "elasticache", "CacheSubnetGroup": "elasticache", "SecurityGroup": "ec2",
}

// cloudNames are the test's cloud resources as the proxies name them, by
// kind (security groups by kind and composition resource name): the
// external name, or a security group's id.
func cloudNames(t *testing.T, mrs map[string]*unstructured.Unstructured) map[string]cloudName {
	t.Helper()
	out := map[string]cloudName{}
	for k, mr := range mrs {
		kind := mr.GetKind()
		key := kind
		if kind == "SecurityGroup" {
			if !strings.Contains(k, "/") || strings.HasSuffix(k, "-aws") {
				continue
			}
			key = kind + k[strings.Index(k, "/"):]
		} else if strings.Contains(k, "/") {
			continue
		}
		name := externalName(mr)
		if kind == "SecurityGroup" {
			name, _, _ = unstructured.NestedString(mr.Object, "status", "atProvider", "id")
		}
		if name == "" || services[kind] == "" {
			t.Fatalf("%s %s: no cloud name to follow its calls by", kind, mr.GetName())
		}
		out[key] = cloudName{services[kind], name}
	}
	return out
}

// A mark is where each proxy's log stood.
type mark struct{ s3, aws int }

func marks() mark { return mark{len(s3Proxy.Answered(0)), len(awsProxy.Answered(0))} }

// callsSince are the calls about n the proxies logged since m.
func callsSince(m mark, n cloudName) []cloudproxy.Call {
	var out []cloudproxy.Call
	for _, c := range append(s3Proxy.Answered(m.s3), awsProxy.Answered(m.aws)...) {
		if c.Service == n.service && c.Name == n.name {
			out = append(out, c)
		}
	}
	return out
}

// successfulWrites are the operations of the writes about name the cloud
// accepted since m, sorted.
func successfulWrites(m mark, name cloudName) []string {
	var out []string
	for _, c := range callsSince(m, name) {
		if c.Write() && c.Status < 300 {
			out = append(out, c.Op)
		}
	}
	sort.Strings(out)
	return out
}

// noWrites fails if anything wrote to the test's cloud resources since m.
func noWrites(t *testing.T, what string, m mark, names map[string]cloudName) {
	t.Helper()
	for kind, name := range names {
		for _, c := range callsSince(m, name) {
			if c.Write() {
				t.Errorf("%s: %s %s was written to: %s", what, kind, name.name, c.Op)
			}
		}
	}
}

// predictedWrites are the cloud fields the plan says the provider would
// change, per kind, of r's composed resources.
func predictedWrites(t *testing.T, r plan.Resource, out string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, c := range r.Composed {
		switch c.Action {
		case plan.ActionUpdate:
			for _, ch := range c.Changes {
				got[c.Kind] = append(got[c.Kind], ch.Field)
			}
			sort.Strings(got[c.Kind])
		case plan.ActionNoChange:
		default:
			t.Errorf("%s %s would %s: want update or no change:\n%s", c.Kind, c.Name, c.Action, out)
		}
	}
	return got
}

// wantPredicted compares the plan's predicted fields with want.
func wantPredicted(t *testing.T, what string, got, want map[string][]string, out string) {
	t.Helper()
	for k, fields := range want {
		if !slices.Equal(got[k], fields) {
			t.Errorf("%s: the plan changes %s's %q, want %q:\n%s", what, k, got[k], fields, out)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: the plan changes %s's %q, want no change:\n%s", what, k, got[k], out)
		}
	}
}

// sameWrites checks that the writes since m are those the predicted
// fields call for (op maps a field to its operation): one write of each
// operation to each resource the plan said would change, none to the
// others.
func sameWrites(t *testing.T, what string, predicted map[string][]string, m mark, names map[string]cloudName, op map[string]string) {
	t.Helper()
	for kind, name := range names {
		kind, _, _ = strings.Cut(kind, "/")
		var want []string
		for _, f := range predicted[kind] {
			if !slices.Contains(want, op[f]) {
				want = append(want, op[f])
			}
		}
		sort.Strings(want)
		if got := successfulWrites(m, name); !slices.Equal(got, want) {
			t.Errorf("%s: the providers' writes to %s %s were %q; the plan called for %q", what, kind, name.name, got, want)
		}
	}
}

// settle waits until the claim is Ready and Synced again after a change,
// and a little longer: a write the providers still had to make would come
// in that time.
func settle(t *testing.T, claim *unstructured.Unstructured) {
	t.Helper()
	readiness(t, claim, nil, 3*time.Minute)
	time.Sleep(20 * time.Second) // the providers poll every 15s
}

// noSecretsIn fails if out holds a value of the claim's Secret that is a
// credential.
func noSecretsIn(t *testing.T, out string, env map[string]string) {
	t.Helper()
	for k, v := range env {
		if strings.Contains(k, "PASSWORD") || strings.Contains(k, "URL") && strings.Contains(v, "@") {
			if v != "" && strings.Contains(out, v) {
				t.Errorf("the plan's output holds the value of %s", k)
			}
		}
	}
}

// dbAt says whether RDS reports instance id available at class and
// storage.
func dbAt(id, class string, storage int32) error {
	out, err := rdsClient.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return err
	}
	in := out.DBInstances[0]
	if aws.ToString(in.DBInstanceClass) != class || aws.ToInt32(in.AllocatedStorage) != storage || aws.ToString(in.DBInstanceStatus) != "available" {
		return fmt.Errorf("RDS reports %s: class %s, storage %d GiB, %s", id, aws.ToString(in.DBInstanceClass), aws.ToInt32(in.AllocatedStorage), aws.ToString(in.DBInstanceStatus))
	}
	return nil
}

// cacheAt says whether ElastiCache reports group id's nodes as nodeType.
func cacheAt(id, nodeType string) error {
	out, err := cacheClient.DescribeReplicationGroups(context.Background(), &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		return err
	}
	if g := out.ReplicationGroups[0]; aws.ToString(g.CacheNodeType) != nodeType || aws.ToString(g.Status) != "available" {
		return fmt.Errorf("ElastiCache reports %s: %s, %s", id, aws.ToString(g.CacheNodeType), aws.ToString(g.Status))
	}
	return nil
}

// applyObject creates or updates o as the test's own manager.
func applyObject(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	b, err := yaml.Marshal(o.Object)
	must(t, err)
	must(t, local.Apply(context.Background(), kube, string(b)))
}

// writeObjects writes objs to dir/name as YAML documents.
func writeObjects(t *testing.T, dir, name string, objs ...*unstructured.Unstructured) string {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		c := o.DeepCopy()
		for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"} {
			unstructured.RemoveNestedField(c.Object, "metadata", f)
		}
		unstructured.RemoveNestedField(c.Object, "status")
		y, err := yaml.Marshal(c.Object)
		must(t, err)
		b.WriteString("---\n")
		b.Write(y)
	}
	p := filepath.Join(dir, name)
	must(t, os.WriteFile(p, b.Bytes(), 0o600))
	return p
}
