package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

const (
	region  = "us-east-1"
	account = "000000000000"
)

var ctx = context.Background()

// newTestService serves a Service on httptest and returns an SDK client
// for it. Signatures are not checked here; the root package tests that.
func newTestService(t *testing.T, dir string, inUse func(string) (string, bool)) (*Service, *awsec2.Client) {
	t.Helper()
	s, err := New(Config{DataDir: dir, Region: region, Account: account, InUse: inUse, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&awsquery.Endpoint{
		Authenticate: func(*http.Request, []byte) (string, error) { return SigningName, nil },
		Services:     map[string]awsquery.Service{SigningName: s.API()},
		Logf:         t.Logf,
	})
	t.Cleanup(srv.Close)
	return s, newClient(srv.URL)
}

// The SDK's default retryer stays on: it retries net.ErrClosed, a known
// transient of Go's HTTP client under load (aws-sdk-go-v2#2737), and none
// of the API errors these tests expect.
func newClient(url string) *awsec2.Client {
	return awsec2.New(awsec2.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	})
}

// createGroup creates a group in the local VPC and returns its id.
func createGroup(t *testing.T, c *awsec2.Client, name string, tags ...types.Tag) string {
	t.Helper()
	in := &awsec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name + " group"), VpcId: aws.String(VPCID)}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags}}
	}
	out, err := c.CreateSecurityGroup(ctx, in)
	if err != nil {
		t.Fatalf("CreateSecurityGroup(%s): %v", name, err)
	}
	return aws.ToString(out.GroupId)
}

func describeGroup(t *testing.T, c *awsec2.Client, id string) groupView {
	t.Helper()
	out, err := c.DescribeSecurityGroups(ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeSecurityGroups(%s): %v", id, err)
	}
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("DescribeSecurityGroups(%s) returned %d groups", id, len(out.SecurityGroups))
	}
	return groupViewOf(out.SecurityGroups[0])
}

// groupView is the part of a SecurityGroup the tests compare, in
// comparable form; each permission is one string, so that how rules are
// grouped into permissions is compared too.
type groupView struct {
	ID, Name, Description, VPC, Owner, ARN string
	Ingress, Egress                        []string
	Tags                                   string
}

func groupViewOf(g types.SecurityGroup) groupView {
	return groupView{
		ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName), Description: aws.ToString(g.Description),
		VPC: aws.ToString(g.VpcId), Owner: aws.ToString(g.OwnerId), ARN: aws.ToString(g.SecurityGroupArn),
		Ingress: permissionStrings(g.IpPermissions), Egress: permissionStrings(g.IpPermissionsEgress), Tags: tagString(g.Tags),
	}
}

// permissionStrings writes each permission as
// "proto from-to [cidr(desc) ...] [sg(desc) ...]"; nil ports are "*".
func permissionStrings(perms []types.IpPermission) []string {
	var out []string
	for _, p := range perms {
		port := func(v *int32) string {
			if v == nil {
				return "*"
			}
			return fmt.Sprint(*v)
		}
		var ranges, groups []string
		for _, r := range p.IpRanges {
			ranges = append(ranges, aws.ToString(r.CidrIp)+described(r.Description))
		}
		for _, g := range p.UserIdGroupPairs {
			groups = append(groups, aws.ToString(g.UserId)+"/"+aws.ToString(g.GroupId)+described(g.Description))
		}
		out = append(out, fmt.Sprintf("%s %s-%s %v %v", aws.ToString(p.IpProtocol), port(p.FromPort), port(p.ToPort), ranges, groups))
	}
	return out
}

func described(d *string) string {
	if d == nil {
		return ""
	}
	return "(" + *d + ")"
}

func tagString(tags []types.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func tags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func byFilter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func tcp(from, to int32, cidrs ...string) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	for _, c := range cidrs {
		p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)})
	}
	return p
}

func fromGroups(p types.IpPermission, groups ...string) types.IpPermission {
	for _, g := range groups {
		p.UserIdGroupPairs = append(p.UserIdGroupPairs, types.UserIdGroupPair{GroupId: aws.String(g)})
	}
	return p
}

// apiError returns the error code, message and HTTP status the SDK saw.
func apiError(err error) (code, message string, status int) {
	var ae interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if errors.As(err, &ae) {
		code, message = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, message, status
}

func authorizeIngress(t *testing.T, c *awsec2.Client, id string, perms ...types.IpPermission) {
	t.Helper()
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id), IpPermissions: perms}); err != nil {
		t.Fatalf("AuthorizeSecurityGroupIngress(%s): %v", id, err)
	}
}
