package ec2

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// TestAddresses hands out, claims and releases addresses, and checks what
// each step leaves: the result, and the free count DescribeSubnets reports
// for the private subnet of zone a.
func TestAddresses(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), nil)
	free := func() int32 {
		out, err := c.DescribeSubnets(ctx, &awsec2.DescribeSubnetsInput{SubnetIds: []string{privateA}})
		if err != nil {
			t.Fatalf("DescribeSubnets: %v", err)
		}
		return aws.ToInt32(out.Subnets[0].AvailableIpAddressCount)
	}
	alloc := func(subnet, owner string) func() string {
		return func() string {
			a, err := s.AllocateAddress(subnet, owner)
			if err != nil {
				return "error " + queryCode(err)
			}
			return a.String()
		}
	}
	claim := func(addr, owner string) func() string {
		return func() string {
			if err := s.ClaimAddress(netip.MustParseAddr(addr), owner); err != nil {
				return "error " + err.Error()
			}
			return "claimed"
		}
	}
	steps := []struct {
		reason   string
		do       func() string
		want     string
		wantFree int32
	}{
		{reason: "The first address after the four AWS keeps.", do: alloc(privateA, "rds/db/a"), want: "127.0.1.4", wantFree: 250},
		{reason: "Each endpoint gets its own.", do: alloc(privateA, "rds/db/b"), want: "127.0.1.5", wantFree: 249},
		{reason: "Another subnet has its own range.", do: alloc(privateB, "rds/db/c"), want: "127.0.2.4", wantFree: 249},
		{reason: "A released address is free again.", do: func() string { s.ReleaseAddress(netip.MustParseAddr("127.0.1.4")); return "released" }, want: "released", wantFree: 250},
		{reason: "The lowest free address comes first.", do: alloc(privateA, "rds/db/d"), want: "127.0.1.4", wantFree: 249},
		{reason: "An owner claims back what it saved.", do: claim("127.0.1.5", "rds/db/b"), want: "claimed", wantFree: 249},
		{reason: "Another owner cannot claim it.", do: claim("127.0.1.5", "rds/db/x"), want: "error address 127.0.1.5 of rds/db/x is rds/db/b's already", wantFree: 249},
		{reason: "A saved address comes back after a restart.", do: claim("127.0.1.9", "rds/db/e"), want: "claimed", wantFree: 248},
		{reason: "An unknown subnet is EC2's error.", do: alloc("subnet-0123456789abcdef0", "rds/db/f"), want: "error InvalidSubnetID.NotFound", wantFree: 248},
	}
	for i, st := range steps {
		got := st.do()
		if diff := cmp.Diff(fmt.Sprint(st.want, " free=", st.wantFree), fmt.Sprint(got, " free=", free())); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}
}

// TestAddressesRunOut proves a subnet hands out its 251 usable addresses,
// the last one before the broadcast address, and then refuses.
func TestAddressesRunOut(t *testing.T) {
	s, _ := newTestService(t, t.TempDir(), nil)
	var last netip.Addr
	for i := range 251 {
		a, err := s.AllocateAddress(publicB, fmt.Sprintf("elasticache/cluster/c-%03d", i))
		if err != nil {
			t.Fatalf("address %d: %v", i, err)
		}
		last = a
	}
	_, err := s.AllocateAddress(publicB, "one-too-many")
	code := queryCode(err)
	if diff := cmp.Diff([]string{"127.0.102.254", "InsufficientFreeAddressesInSubnet"}, []string{last.String(), code}); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

func TestDefaultSecurityGroup(t *testing.T) {
	s, _ := newTestService(t, t.TempDir(), nil)
	type result struct {
		ID string
		OK bool
	}
	var got []result
	for _, vpc := range []string{VPCID, "vpc-0123456789abcdef0"} {
		id, ok := s.DefaultSecurityGroup(vpc)
		got = append(got, result{id, ok})
	}
	if diff := cmp.Diff([]result{{DefaultSecurityGroupID, true}, {"", false}}, got); diff != "" {
		t.Errorf("DefaultSecurityGroup(local VPC, unknown VPC): -want +got:\n%s", diff)
	}
}

// queryCode is the code of an error the service returns to its own
// callers, not through the SDK.
func queryCode(err error) string {
	var e *awsquery.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return fmt.Sprint(err)
}
