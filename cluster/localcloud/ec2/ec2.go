// Package ec2 is the local cloud's Amazon EC2, the part of it a provider
// needs to place databases and caches in a network: one pre-made VPC with
// private and public subnets, and security groups with their rules and
// tags. It answers the way aws-sdk-go-v2's EC2 client expects (the
// ec2Query wire format, EC2's error codes), keeps its state in its data
// dir, and tells the other local cloud services which subnets and groups
// exist, hands out their endpoints' addresses, and decides which
// connections a resource's security groups admit.
package ec2

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"sync"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/addrpool"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Namespace is the XML namespace of EC2 API version 2016-11-15.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// SigningName is the SigV4 service name the SDK signs EC2 requests with.
const SigningName = "ec2"

// Config configures the service.
type Config struct {
	// DataDir holds the saved state.
	DataDir string
	Region  string
	Account string
	// InUse reports whether a resource of another service (an RDS
	// instance, an ElastiCache group) uses a security group, and which;
	// such a group cannot be deleted. nil means no group is used.
	InUse func(groupID string) (user string, used bool)
	// Members returns the security groups of the database or cache
	// endpoint that has address addr, if any, so that a rule naming a
	// source group admits its members. It is called without this
	// service's lock. nil means no address is a member.
	Members func(addr netip.Addr) (groups []string)
	Logf    func(format string, args ...any)
}

// Service is the EC2 API.
type Service struct {
	cfg     Config
	network Network

	mu     sync.Mutex
	groups map[string]*group

	// addresses are the endpoints' addresses handed out, with their
	// owners; the services that hold them save them (see addresses.go).
	addresses addrpool.Pool

	store *statefile.Store
}

// New loads the saved security groups from cfg.DataDir; the network is
// the same in every local cloud, so it is not saved.
func New(cfg Config) (*Service, error) {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	s := &Service{cfg: cfg, network: Layout(cfg.Region), groups: map[string]*group{}}
	s.store = statefile.New(cfg.DataDir, "EC2", &s.mu)
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// API returns the actions this service answers.
func (s *Service) API() awsquery.Service {
	actions := map[string]awsquery.Handler{
		"DescribeVpcs":                  s.describeVpcs,
		"DescribeSubnets":               s.describeSubnets,
		"CreateSecurityGroup":           s.createSecurityGroup,
		"DescribeSecurityGroups":        s.describeSecurityGroups,
		"DeleteSecurityGroup":           s.deleteSecurityGroup,
		"AuthorizeSecurityGroupIngress": s.authorizeIngress,
		"AuthorizeSecurityGroupEgress":  s.authorizeEgress,
		"RevokeSecurityGroupIngress":    s.revokeIngress,
		"RevokeSecurityGroupEgress":     s.revokeEgress,
		"CreateTags":                    s.createTags,
		"DeleteTags":                    s.deleteTags,
	}
	for name, h := range actions {
		actions[name] = dryRun(h)
	}
	return awsquery.Service{Namespace: Namespace, Protocol: awsquery.EC2Query, Actions: actions}
}

// dryRun answers DryRun=true as EC2 does for a caller allowed to act:
// with DryRunOperation and no change. Every caller is allowed here.
func dryRun(h awsquery.Handler) awsquery.Handler {
	return func(ctx context.Context, r *awsquery.Request) (any, error) {
		dry, err := r.Bool("DryRun")
		if err != nil {
			return nil, err
		}
		if dry != nil && *dry {
			return nil, awsquery.Errorf(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
		}
		return h(ctx, r)
	}
}

func (s *Service) arn(kind, id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:%s/%s", s.cfg.Region, s.cfg.Account, kind, id)
}

// invalidParameterValue is EC2's answer to a value it cannot accept; EC2
// answers every client error with 400.
func invalidParameterValue(format string, args ...any) error {
	return awsquery.Errorf(400, "InvalidParameterValue", format, args...)
}

func errGroupNotFound(id string) error {
	return awsquery.Errorf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", id)
}

func errVpcNotFound(id string) error {
	return awsquery.Errorf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
}

func errSubnetNotFound(id string) error {
	return awsquery.Errorf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
}

// errNoDefaultVPC is EC2's answer to a group created or named without its
// VPC in an account that has no default VPC, as the local cloud's has none.
func errNoDefaultVPC(detail string) error {
	return awsquery.Errorf(400, "VPCIdNotSpecified", "No default VPC for this user%s", detail)
}
