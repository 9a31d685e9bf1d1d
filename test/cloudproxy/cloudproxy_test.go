package cloudproxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// cloud answers every request with an empty success: enough for the SDKs
// to send real requests whose names the proxy must get right.
func cloud(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte("<Response></Response>"))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func awsConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("id", "secret", ""), RetryMaxAttempts: 1}
}

func TestNamesS3Calls(t *testing.T) {
	p, err := New(cloud(t).URL, S3, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := s3.NewFromConfig(awsConfig(), func(o *s3.Options) { o.BaseEndpoint = aws.String(p.URL); o.UsePathStyle = true })
	ctx := context.Background()
	b := aws.String("logs")
	_, _ = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
	_, _ = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
	_, _ = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	_, _ = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	_, _ = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	_, _ = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("a/b"), Body: strings.NewReader("x")})
	_, _ = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
	_, _ = c.ListBuckets(ctx, &s3.ListBucketsInput{})

	want := map[string]int{
		"s3/CreateBucket": 1, "s3/HeadBucket": 1, "s3/GetBucketTagging": 1, "s3/GetPublicAccessBlock": 1,
		"s3/ListObjectVersions": 1, "s3/PutObject": 1, "s3/DeleteBucket": 1, "s3/ListBuckets": 1,
	}
	if diff := cmp.Diff(want, p.Stats().Calls); diff != "" {
		t.Errorf("calls: -want, +got:\n%s", diff)
	}
	if got := p.Stats().ByName["logs"]; got != 7 {
		t.Errorf("calls about bucket logs: want 7, got %d", got)
	}
}

func TestQueryFaultsInTheCloudsDialect(t *testing.T) {
	p, err := New(cloud(t).URL, Query, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := rds.NewFromConfig(awsConfig(), func(o *rds.Options) { o.BaseEndpoint = aws.String(p.URL) })
	ctx := context.Background()
	id := aws.String("db-1")
	code := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return ""
	}

	cases := map[string]struct {
		reason string
		faults Faults
		call   func() error
		want   string
	}{
		"Throttle": {
			reason: "RDS throttles with the code Throttling, which the SDK classifies as a throttle.",
			faults: Faults{Throttle: 1},
			call: func() error {
				_, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: id})
				return err
			},
			want: "Throttling",
		},
		"ServerError": {
			reason: "A server error is an InternalFailure.",
			faults: Faults{ServerError: 1},
			call: func() error {
				_, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: id})
				return err
			},
			want: "InternalFailure",
		},
		"NotFoundAfterCreate": {
			reason: "A read right after a create answers DBInstanceNotFound, as an eventually consistent API may.",
			faults: Faults{NotFoundAfterCreate: time.Minute},
			call: func() error {
				// The cloud's 200 is what counts, whatever the SDK makes of
				// this cloud's empty answer.
				_, _ = c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: id, DBInstanceClass: aws.String("db.t4g.micro"), Engine: aws.String("postgres")})
				_, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: id})
				return err
			},
			want: "DBInstanceNotFound",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p.SetFaults(tc.faults)
			if got := code(tc.call()); got != tc.want {
				t.Errorf("%s\nerror code: want %q, got %q", tc.reason, tc.want, got)
			}
		})
	}
	if got := p.Stats().Calls["rds/DescribeDBInstances"]; got != 3 {
		t.Errorf("DescribeDBInstances calls: want 3, got %d", got)
	}
}

func TestResetAfterTheCloudActed(t *testing.T) {
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer up.Close()
	p, err := New(up.URL, S3, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetFaults(Faults{Reset: 1})
	c := s3.NewFromConfig(awsConfig(), func(o *s3.Options) { o.BaseEndpoint = aws.String(p.URL); o.UsePathStyle = true })
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("b")}); err == nil {
		t.Error("a reset connection should fail the call")
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("the cloud should have acted on the call once before the reset: got %d", got)
	}
	if got := p.Stats().Faults[Reset]; got != 1 {
		t.Errorf("resets injected: want 1, got %d", got)
	}
}

func TestTruncateCutsTheBody(t *testing.T) {
	body := strings.Repeat("<Bucket>b</Bucket>", 10)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }))
	defer up.Close()
	p, err := New(up.URL, S3, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetFaults(Faults{Truncate: 1})
	resp, err := http.Get(p.URL + "/b?tagging")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck // Test.
	got, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Error("reading a truncated answer should fail")
	}
	if len(got) != len(body)/2 {
		t.Errorf("the caller should get half the body: want %d bytes, got %d", len(body)/2, len(got))
	}
	if n := p.Stats().Faults[Truncate]; n != 1 {
		t.Errorf("truncations counted: want 1, got %d", n)
	}
}

func TestNamesGCSCalls(t *testing.T) {
	p, err := New(cloud(t).URL+"/storage/v1/", GCS, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	do := func(method, path, body string) {
		req, _ := http.NewRequest(method, p.URL+path, strings.NewReader(body))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}
	do(http.MethodPost, "b?project=p", `{"name":"assets"}`)
	do(http.MethodGet, "b/assets", "")
	do(http.MethodPatch, "b/assets", "{}")
	do(http.MethodGet, "b/assets/iam", "")
	do(http.MethodDelete, "b/assets", "")
	want := map[string]int{"storage/buckets.insert": 1, "storage/buckets.get": 1, "storage/buckets.patch": 1, "storage/buckets.getIamPolicy": 1, "storage/buckets.delete": 1}
	if diff := cmp.Diff(want, p.Stats().Calls); diff != "" {
		t.Errorf("calls: -want, +got:\n%s", diff)
	}
	if got := p.Stats().ByName["assets"]; got != 5 {
		t.Errorf("calls about bucket assets: want 5, got %d", got)
	}
}

// TestAnsweredLogsCallsInOrder: the log names each call's resource, also
// for calls that name it by ARN (tagging) or as a subnet group, from a
// mark on.
func TestAnsweredLogsCallsInOrder(t *testing.T) {
	p, err := New(cloud(t).URL, Query, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := rds.NewFromConfig(awsConfig(), func(o *rds.Options) { o.BaseEndpoint = aws.String(p.URL) })
	ctx := context.Background()
	_, _ = c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db-1")})
	mark := len(p.Answered(0))
	_, _ = c.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: aws.String("arn:aws:rds:us-east-1:000000000000:db:db-1"), Tags: []rdstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	_, _ = c.ModifyDBSubnetGroup(ctx, &rds.ModifyDBSubnetGroupInput{DBSubnetGroupName: aws.String("subnets-1"), SubnetIds: []string{"subnet-1"}})
	want := []Call{
		{Service: "rds", Op: "AddTagsToResource", Name: "db-1", Status: http.StatusOK},
		{Service: "rds", Op: "ModifyDBSubnetGroup", Name: "subnets-1", Status: http.StatusOK},
	}
	if diff := cmp.Diff(want, p.Answered(mark)); diff != "" {
		t.Errorf("Answered(mark): -want +got:\n%s", diff)
	}
	if n := len(p.Answered(0)); n != 3 {
		t.Errorf("Answered(0) holds %d calls, want 3", n)
	}
}
