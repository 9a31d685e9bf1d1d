package readonly

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// server answers every request with an empty success and keeps what it
// was sent.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newServer(t *testing.T, body string) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.RequestURI())
		s.mu.Unlock()
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// TestAWSRefusesWrites runs the real S3 and RDS clients with the guard in
// their config's APIOptions, as a plan's are: reads reach the server; a
// write is refused before it is sent, with a Refusal naming it, and
// counted.
func TestAWSRefusesWrites(t *testing.T) {
	srv := newServer(t, "")
	g := &Guard{}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		APIOptions:  []func(*middleware.Stack) error{g.AWS()},
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(srv.URL); o.UsePathStyle = true })
	rdsc := rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()

	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("b")}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	if _, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("b")}); err != nil {
		t.Fatalf("GetBucketTagging: %v", err)
	}
	_, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("b"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	var refusal *Refusal
	if !errors.As(err, &refusal) || refusal.Call != "s3.PutBucketTagging" {
		t.Errorf("PutBucketTagging: got %v, want a Refusal of s3.PutBucketTagging", err)
	}
	if _, err := rdsc.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db"), DBInstanceClass: aws.String("db.t4g.large")}); !errors.As(err, &refusal) {
		t.Errorf("ModifyDBInstance: got %v, want a Refusal", err)
	}
	if _, err := rdsc.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db")}); !errors.As(err, &refusal) {
		t.Errorf("DeleteDBInstance: got %v, want a Refusal", err)
	}

	if diff := cmp.Diff([]string{"rds.DeleteDBInstance", "rds.ModifyDBInstance", "s3.PutBucketTagging"}, g.Refused()); diff != "" {
		t.Errorf("Refused(): -want, +got:\n%s", diff)
	}
	if g.Reads() != 2 {
		t.Errorf("Reads() = %d, want 2", g.Reads())
	}
	for _, r := range srv.requests() {
		if !strings.HasPrefix(r, "HEAD ") && !strings.HasPrefix(r, "GET ") {
			t.Errorf("the server was sent %s: a refused call must not leave the client", r)
		}
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("the server was sent %d requests, want the 2 reads", n)
	}
}

func TestAWSRead(t *testing.T) {
	cases := map[string]struct {
		reason    string
		service   string
		operation string
		want      bool
	}{
		"Describe":                  {"describes read", "rds", "DescribeDBInstances", true},
		"List":                      {"lists read", "elasticache", "ListTagsForResource", true},
		"Head":                      {"heads read", "s3", "HeadBucket", true},
		"GetCallerIdentity":         {"who the credentials are is a read", "sts", "GetCallerIdentity", true},
		"AssumeRole":                {"a role chain needs its credentials", "sts", "AssumeRole", true},
		"AssumeRoleWithWebIdentity": {"a web identity needs its credentials", "sts", "AssumeRoleWithWebIdentity", true},
		"AssumeRoleElsewhere":       {"only STS hands out credentials", "s3", "AssumeRole", false},
		"Put":                       {"puts write", "s3", "PutBucketVersioning", false},
		"Modify":                    {"modifies write", "rds", "ModifyDBInstance", false},
		"Create":                    {"creates write", "ec2", "CreateSecurityGroup", false},
		"Authorize":                 {"rules are writes", "ec2", "AuthorizeSecurityGroupIngress", false},
		"Increase":                  {"replica changes write", "elasticache", "IncreaseReplicaCount", false},
		"Unnamed":                   {"an operation without a name is refused", "s3", "", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := AWSRead(tc.service, tc.operation); got != tc.want {
				t.Errorf("%s: AWSRead(%q, %q) = %t, want %t", tc.reason, tc.service, tc.operation, got, tc.want)
			}
		})
	}
}

// TestAWSCredentialsPass: an STS call a role chain makes passes the guard.
func TestAWSCredentialsPass(t *testing.T) {
	srv := newServer(t, `<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	g := &Guard{}
	c := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		APIOptions:  []func(*middleware.Stack) error{g.AWS()},
	})
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "123456789012" || len(g.Refused()) != 0 {
		t.Errorf("GetCallerIdentity: account %q, refused %v; want the account and no refusal", aws.ToString(out.Account), g.Refused())
	}
}

type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

func TestGoogleRefusesWrites(t *testing.T) {
	cases := map[string]struct {
		reason string
		method string
		path   string
		read   bool
	}{
		"Get":    {"a GET reads", http.MethodGet, "/storage/v1/b/x", true},
		"Patch":  {"a PATCH changes a bucket", http.MethodPatch, "/storage/v1/b/x", false},
		"Post":   {"a POST creates", http.MethodPost, "/v1/projects/p/instances", false},
		"Delete": {"a DELETE deletes", http.MethodDelete, "/v1/projects/p/instances/i", false},
		"Put":    {"a PUT replaces", http.MethodPut, "/sql/v1beta4/projects/p/instances/i/users", false},
		"Head":   {"only GET is let through", http.MethodHead, "/storage/v1/b/x", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := &Guard{}
			next := &countingTransport{}
			req, _ := http.NewRequest(tc.method, "https://example.com"+tc.path, strings.NewReader("{}"))
			resp, err := g.Google("svc", next).RoundTrip(req)
			if resp != nil {
				_ = resp.Body.Close()
			}
			if tc.read {
				if err != nil || next.n != 1 || g.Reads() != 1 || len(g.Refused()) != 0 {
					t.Errorf("%s: err %v, sent %d, reads %d, refused %v; want it sent once and counted as a read", tc.reason, err, next.n, g.Reads(), g.Refused())
				}
				return
			}
			var refusal *Refusal
			if !errors.As(err, &refusal) || next.n != 0 {
				t.Errorf("%s: err %v, sent %d; want a Refusal and nothing sent", tc.reason, err, next.n)
			}
			if diff := cmp.Diff([]string{"svc " + tc.method + " " + tc.path}, g.Refused()); diff != "" {
				t.Errorf("%s: Refused(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestKubeRefusesWrites: reads go through; every write, status included,
// is refused and counted, and the stored object stays as it was.
func TestKubeRefusesWrites(t *testing.T) {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s"}, Data: map[string][]byte{"k": []byte("v")}}
	base := fake.NewClientBuilder().WithObjects(sec.DeepCopy()).Build()
	g := &Guard{}
	c := g.Kube(base)
	ctx := context.Background()

	got := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(sec), got); err != nil {
		t.Fatalf("Get: %v", err)
	}
	got.Data["k"] = []byte("changed")
	writes := map[string]func() error{
		"update": func() error { return c.Update(ctx, got) },
		"patch":  func() error { return c.Patch(ctx, got, client.MergeFrom(sec)) },
		"delete": func() error { return c.Delete(ctx, got) },
		"create": func() error {
			return c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "new"}})
		},
		"status update": func() error { return c.Status().Update(ctx, got) },
		"status patch":  func() error { return c.Status().Patch(ctx, got, client.MergeFrom(sec)) },
		"delete all of": func() error { return c.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace("ns")) },
	}
	for name, write := range writes {
		var refusal *Refusal
		if err := write(); !errors.As(err, &refusal) {
			t.Errorf("%s: got %v, want a Refusal", name, err)
		}
	}
	if n := len(g.Refused()); n != len(writes) {
		t.Errorf("%d refusals counted, want %d: %v", n, len(writes), g.Refused())
	}
	stored := &corev1.Secret{}
	if err := base.Get(ctx, client.ObjectKeyFromObject(sec), stored); err != nil {
		t.Fatal(err)
	}
	if string(stored.Data["k"]) != "v" {
		t.Errorf("the stored Secret changed to %q", stored.Data["k"])
	}
	l := &corev1.SecretList{}
	if err := c.List(ctx, l); err != nil || len(l.Items) != 1 {
		t.Errorf("List: %d items, %v; want the one Secret", len(l.Items), err)
	}
}
