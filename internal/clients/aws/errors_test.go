package aws

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/google/go-cmp/cmp"
)

// TestWithoutTransportDetail: the real S3 (REST-XML) and RDS (Query)
// clients against servers that answer as AWS does, each answer with a new
// request ID. Two failures of the same cause read the same once tidied,
// with the cloud's code and message and none of the IDs, and the code is
// still found.
func TestWithoutTransportDetail(t *testing.T) {
	var n atomic.Int32
	answer := func(status int, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			id := fmt.Sprintf("REQ%04d", n.Add(1))
			w.Header().Set("x-amz-request-id", id)
			w.Header().Set("x-amz-id-2", "HOST"+id)
			w.Header().Set("x-amzn-RequestId", id)
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, body, id)
		}))
	}
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	taken := answer(http.StatusConflict, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>BucketAlreadyExists</Code><Message>The requested bucket name is not available.</Message><RequestId>%s</RequestId><HostId>h</HostId></Error>`)
	defer taken.Close()
	notFound := answer(http.StatusNotFound, `<ErrorResponse><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance db1 not found.</Message></Error><RequestId>%s</RequestId></ErrorResponse>`)
	defer notFound.Close()
	head := answer(http.StatusNotFound, ``)
	defer head.Close()
	s3At := func(url string) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: creds, RetryMaxAttempts: 1})
	}
	rdsAt := rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(notFound.URL), Credentials: creds, RetryMaxAttempts: 1})
	ctx := context.Background()

	cases := map[string]struct {
		reason string
		call   func() error
		want   string
		code   string
	}{
		"RESTXML": {
			reason: "An S3 refusal reads as its code and message.",
			call: func() error {
				_, err := s3At(taken.URL).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")})
				return errors.Wrap(err, "cannot create bucket")
			},
			want: "cannot create bucket: BucketAlreadyExists: The requested bucket name is not available.",
			code: "BucketAlreadyExists",
		},
		"Query": {
			reason: "An RDS refusal reads as its code and message.",
			call: func() error {
				_, err := rdsAt.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db1")})
				return errors.Wrap(err, "cannot describe DB instance")
			},
			want: "cannot describe DB instance: DBInstanceNotFound: DBInstance db1 not found.",
			code: "DBInstanceNotFound",
		},
		"NoBody": {
			reason: "A HEAD answer has no body: its code alone.",
			call: func() error {
				_, err := s3At(head.URL).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("b")})
				return errors.Wrap(err, "cannot head bucket")
			},
			want: "cannot head bucket: NotFound",
			code: "NotFound",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			first, second := tc.call(), tc.call()
			if first.Error() == second.Error() {
				t.Fatalf("the SDK's messages are equal, so the test proves nothing: %q", first)
			}
			for _, err := range []error{first, second} {
				got := WithoutTransportDetail(err)
				if diff := cmp.Diff(tc.want, got.Error()); diff != "" {
					t.Errorf("\n%s\nWithoutTransportDetail(%q): -want +got:\n%s", tc.reason, err, diff)
				}
				if c := ErrorCode(got); c != tc.code {
					t.Errorf("the tidy error's code is %q, want %q", c, tc.code)
				}
			}
		})
	}

	t.Run("NoAnswer", func(t *testing.T) {
		_, err := s3At("http://127.0.0.1:1").HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("b")})
		got := WithoutTransportDetail(err).Error()
		if !strings.HasPrefix(got, "S3 HeadBucket: ") || strings.Contains(got, "RequestID") || !strings.Contains(got, "connection refused") {
			t.Errorf("a call that got no answer: %q, want the operation and the cause without request IDs", got)
		}
	})
	t.Run("NotAnSDKError", func(t *testing.T) {
		err := errors.New("cannot get password: Secret not found")
		if got := WithoutTransportDetail(err); got != err {
			t.Errorf("another error changed: %v", got)
		}
	})
}
