package rds

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// placed is an instance's endpoint and security groups as described.
func placed(t *testing.T, c *awsrds.Client, id string) string {
	t.Helper()
	db := describe(t, c, id)
	var groups []string
	for _, g := range db.VpcSecurityGroups {
		groups = append(groups, aws.ToString(g.VpcSecurityGroupId))
	}
	return fmt.Sprintf("%s %v", viewOf(db).Endpoint, groups)
}

// TestInstanceAddresses proves where instances in a subnet group are
// reachable: at an address of their own in the subnet of their zone,
// with the VPC's default security group when they name none. Saved
// addresses are claimed back after a restart and released on delete.
func TestInstanceAddresses(t *testing.T) {
	dir := t.TempDir()
	eng, network, gates := newFakeEngines(), newFakeNetwork(), &localcloudtest.Gates{}
	s, c := newTestService(t, dir, 0, eng, withNetwork(network), withGates(gates))
	ctx := context.Background()
	if _, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput("private", "subnet-b", "subnet-a")); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]func(*awsrds.CreateDBInstanceInput){
		"zoned": func(in *awsrds.CreateDBInstanceInput) {
			in.VpcSecurityGroupIds, in.AvailabilityZone = []string{"sg-1"}, aws.String("us-east-1a")
		},
		"default":  func(*awsrds.CreateDBInstanceInput) {},
		"deletion": func(in *awsrds.CreateDBInstanceInput) { in.VpcSecurityGroupIds = []string{"sg-2"} },
	}
	for _, id := range []string{"zoned", "default", "deletion"} {
		in := createInput(id)
		in.DBSubnetGroupName = aws.String("private")
		inputs[id](in)
		if _, err := c.CreateDBInstance(ctx, in); err != nil {
			t.Fatalf("CreateDBInstance(%s): %v", id, err)
		}
		observe(t, c, id, "available")
	}
	want := map[string]string{
		"zoned":    "10.1.1.4:5432 [sg-1]",
		"default":  "10.1.3.4:5432 [sg-d1]",
		"deletion": "10.1.3.5:5432 [sg-2]",
	}
	got := map[string]string{}
	for id := range want {
		got[id] = placed(t, c, id)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoints and groups: -want +got:\n%s", diff)
	}
	wantGates := []string{"open 10.1.1.4:5432->40001", "open 10.1.3.4:5432->40002", "open 10.1.3.5:5432->40003"}
	if diff := cmp.Diff(wantGates, gates.Take()); diff != "" {
		t.Errorf("gates: -want +got:\n%s", diff)
	}

	if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("deletion"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "deletion", "")
	if diff := cmp.Diff([]string{"close 10.1.3.5:5432->40003"}, gates.Take()); diff != "" {
		t.Errorf("gates after delete: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"10.1.1.4": "rds/db/zoned", "10.1.3.4": "rds/db/default"}, network.Held()); diff != "" {
		t.Errorf("addresses after delete: -want +got:\n%s", diff)
	}

	// A new network knows nothing until the restarted service claims
	// what it saved; the gates open again with the engines.
	s.Close()
	gates.Take()
	for _, id := range []string{"zoned", "default"} {
		_ = eng.Stop(key(id))
	}
	network = newFakeNetwork()
	_, c = newTestService(t, dir, 0, eng, withNetwork(network), withGates(gates))
	if diff := cmp.Diff(map[string]string{"10.1.1.4": "rds/db/zoned", "10.1.3.4": "rds/db/default"}, network.Held()); diff != "" {
		t.Errorf("addresses after restart: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(want["zoned"], placed(t, c, "zoned")); diff != "" {
		t.Errorf("endpoint after restart: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(wantGates[:2], sortedLog(gates.Take())); diff != "" {
		t.Errorf("gates after restart: -want +got:\n%s", diff)
	}
}

// TestInstanceOutsideSubnetGroup names a gap: an instance created
// without a subnet group is at 127.0.0.1 with no gate, so anyone on the
// host reaches it whatever security groups it names. AWS would place it
// in the region's default VPC, with the default VPC's rules; the local
// cloud has no default VPC, and keeps such instances as they were before
// it had security groups.
func TestInstanceOutsideSubnetGroup(t *testing.T) {
	network, gates := newFakeNetwork(), &localcloudtest.Gates{}
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(network), withGates(gates))
	in := createInput("db1")
	in.VpcSecurityGroupIds = []string{"sg-2"}
	if _, err := c.CreateDBInstance(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")
	type result struct {
		Placed string
		Gates  []string
		Held   map[string]string
	}
	want := result{Placed: "127.0.0.1:40001 [sg-2]", Held: map[string]string{}}
	if diff := cmp.Diff(want, result{placed(t, c, "db1"), gates.Take(), network.Held()}); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// TestInstanceGate follows one instance's gate through its life: its
// check reads the security groups at each connection, and it moves with
// the engine's port, closes while the instance is stopped or rebooting,
// and opens again with the engine.
func TestInstanceGate(t *testing.T) {
	network, gates := newFakeNetwork(), &localcloudtest.Gates{}
	s, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(network), withGates(gates))
	ctx := context.Background()
	if _, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput("private", "subnet-a", "subnet-b")); err != nil {
		t.Fatal(err)
	}
	in := createInput("db1")
	in.DBSubnetGroupName, in.VpcSecurityGroupIds = aws.String("private"), []string{"sg-1"}
	if _, err := c.CreateDBInstance(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")
	gates.Take()

	type check struct{ Allowed, Other string }
	checks := func(addr string) check {
		return check{gates.Admits(addr, "192.0.2.7"), gates.Admits(addr, "198.51.100.7")}
	}
	if diff := cmp.Diff(check{"admitted", "refused"}, checks("10.1.1.4:5432")); diff != "" {
		t.Errorf("gate with sg-1: -want +got:\n%s", diff)
	}
	groups, ok := s.SecurityGroupsAt(netip.MustParseAddr("10.1.1.4"))
	if diff := cmp.Diff([]string{"sg-1"}, groups); diff != "" || !ok {
		t.Errorf("SecurityGroupsAt(10.1.1.4) (ok %t): -want +got:\n%s", ok, diff)
	}
	if _, ok := s.SecurityGroupsAt(netip.MustParseAddr("127.0.0.1")); ok {
		t.Errorf("SecurityGroupsAt(127.0.0.1): the host is no instance's endpoint")
	}

	steps := []struct {
		reason    string
		call      func() error
		until     string
		wantGates []string
		gate      string
		want      check
	}{
		{
			reason: "New security groups hold for the next connection, without touching the gate.",
			call: func() error {
				_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), VpcSecurityGroupIds: []string{"sg-2"}})
				return err
			},
			until: "available", gate: "10.1.1.4:5432", want: check{"refused", "refused"},
		},
		{
			reason: "A new port moves the gate with the engine.",
			call: func() error {
				_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DBPortNumber: aws.Int32(40100), VpcSecurityGroupIds: []string{"sg-1"}, ApplyImmediately: aws.Bool(true)})
				return err
			},
			until: "available", wantGates: []string{"close 10.1.1.4:5432->40001", "open 10.1.1.4:40100->40100"},
			gate: "10.1.1.4:40100", want: check{"admitted", "refused"},
		},
		{
			reason: "A reboot closes the gate while the engine restarts.",
			call: func() error {
				_, err := c.RebootDBInstance(ctx, &awsrds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("db1")})
				return err
			},
			until: "available", wantGates: []string{"close 10.1.1.4:40100->40100", "open 10.1.1.4:40100->40100"},
			gate: "10.1.1.4:40100", want: check{"admitted", "refused"},
		},
		{
			reason: "A stopped instance has no gate.",
			call: func() error {
				_, err := c.StopDBInstance(ctx, &awsrds.StopDBInstanceInput{DBInstanceIdentifier: aws.String("db1")})
				return err
			},
			until: "stopped", wantGates: []string{"close 10.1.1.4:40100->40100"},
			gate: "10.1.1.4:40100", want: check{"no gate", "no gate"},
		},
		{
			reason: "Started again, it has its gate back at the same address.",
			call: func() error {
				_, err := c.StartDBInstance(ctx, &awsrds.StartDBInstanceInput{DBInstanceIdentifier: aws.String("db1")})
				return err
			},
			until: "available", wantGates: []string{"open 10.1.1.4:40100->40100"},
			gate: "10.1.1.4:40100", want: check{"admitted", "refused"},
		},
	}
	for i, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		observe(t, c, "db1", st.until)
		if err := s.Wait(ctx, "db1"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.wantGates, gates.Take()); diff != "" {
			t.Errorf("step %d: %s\ngates: -want +got:\n%s", i, st.reason, diff)
		}
		if diff := cmp.Diff(st.want, checks(st.gate)); diff != "" {
			t.Errorf("step %d: %s\nchecks: -want +got:\n%s", i, st.reason, diff)
		}
	}
}

// TestInstanceAddressRefused proves a subnet with no address left refuses
// the instance, which is then not created.
func TestInstanceAddressRefused(t *testing.T) {
	network := newFakeNetwork()
	network.subnets["subnet-c"] = fakeSubnet{"vpc-1", "us-east-1c", "10.1.4.0/30"}
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(network))
	ctx := context.Background()
	if _, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput("tiny", "subnet-c", "subnet-b")); err != nil {
		t.Fatal(err)
	}
	in := createInput("db1")
	in.DBSubnetGroupName = aws.String("tiny")
	_, err := c.CreateDBInstance(ctx, in)
	if code, _ := apiError(err); code != "InsufficientFreeAddressesInSubnet" {
		t.Fatalf("CreateDBInstance in a full subnet: want InsufficientFreeAddressesInSubnet, got %v", err)
	}
	_, err = c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db1")})
	if !as[*types.DBInstanceNotFoundFault](err) {
		t.Errorf("DescribeDBInstances after a refused create: want DBInstanceNotFound, got %v", err)
	}
}

// sortedLog orders what instances restored in no particular order did.
func sortedLog(log []string) []string {
	out := slices.Clone(log)
	slices.Sort(out)
	return out
}
