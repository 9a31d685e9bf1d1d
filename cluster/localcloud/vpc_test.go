package localcloud

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/ec2"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// The pre-made VPC's private subnets, in zones a and b.
var privateSubnets = []string{ec2.Layout("us-east-1").Subnets[0].ID, ec2.Layout("us-east-1").Subnets[1].ID}

func ec2Client(url string) *awsec2.Client {
	return awsec2.New(awsec2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// securityGroup creates a group in the local VPC that admits TCP on port
// from cidr, and returns its id.
func securityGroup(t *testing.T, c *awsec2.Client, name string, port int32, cidr string) string {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateSecurityGroup(ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(ec2.VPCID)})
	if err != nil {
		t.Fatalf("CreateSecurityGroup: %v", err)
	}
	id := aws.ToString(out.GroupId)
	authorize(t, c, id, tcpFrom(port, cidr))
	return id
}

func tcpFrom(port int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

func authorize(t *testing.T, c *awsec2.Client, group string, p ec2types.IpPermission) {
	t.Helper()
	if _, err := c.AuthorizeSecurityGroupIngress(context.Background(), &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{p}}); err != nil {
		t.Fatalf("AuthorizeSecurityGroupIngress: %v", err)
	}
}

// port returns 5432 or 6379, the engine's usual port, if it is free on
// this host, else another free one: the rules name the port, so the
// instance must get the one it asks for.
func port(t *testing.T, usual int) int32 {
	t.Helper()
	for _, p := range []int{usual, 0} {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			defer l.Close()
			return int32(l.Addr().(*net.TCPAddr).Port)
		}
	}
	t.Fatal("no free port")
	return 0
}

// dialer connects from source address from.
func dialer(from string) *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
}

// selectOne connects to PostgreSQL at addr:port from source address from,
// and runs select 1.
func selectOne(from, addr string, port int32, user, password, db string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", addr, port, user, db))
	if err != nil {
		return err
	}
	cfg.Password = password
	cfg.DialFunc = dialer(from).DialContext
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var one int
	return conn.QueryRow(ctx, "select 1").Scan(&one)
}

// admitted says whether a connection got through, and the error if not.
func admitted(err error) string {
	if err != nil {
		return "refused: " + err.Error()
	}
	return "admitted"
}

// TestPostgresSecurityGroup creates a PostgreSQL instance in the private
// subnets with a security group that admits its port from the host only:
// the instance is reported at its own address in the VPC, the host gets
// in with the password, another source is refused until a rule admits
// it, and a rule naming the group admits its members, such as the
// instance's own address.
func TestPostgresSecurityGroup(t *testing.T) {
	if _, err := (&engines.Postgres{}).Version(); err != nil {
		t.Skipf("PostgreSQL is not installed here: %v", err)
	}
	ctx := context.Background()
	_, url, _ := start(t, localcloudtest.DataDir(t))
	c, network := client(url, accessKey, secretKey), ec2Client(url)
	pgPort := port(t, 5432)
	sg := securityGroup(t, network, "db", pgPort, "127.0.0.1/32")
	if _, err := c.CreateDBSubnetGroup(ctx, &awsrds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String("private"), DBSubnetGroupDescription: aws.String("private"), SubnetIds: privateSubnets}); err != nil {
		t.Fatalf("CreateDBSubnetGroup: %v", err)
	}
	_, err := c.CreateDBInstance(ctx, &awsrds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("gated-db"),
		DBInstanceClass:      aws.String("db.t3.micro"),
		Engine:               aws.String("postgres"),
		MasterUsername:       aws.String("appadmin"),
		MasterUserPassword:   aws.String("first-pass-1"),
		AllocatedStorage:     aws.Int32(20),
		DBName:               aws.String("app"),
		Port:                 aws.Int32(pgPort),
		DBSubnetGroupName:    aws.String("private"),
		VpcSecurityGroupIds:  []string{sg},
	})
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	waitFor(t, c, "gated-db", "available")
	out, err := c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("gated-db")})
	if err != nil {
		t.Fatal(err)
	}
	e := out.DBInstances[0].Endpoint
	// The first free address of the zone a private subnet, 127.0.1.0/24.
	if diff := cmp.Diff(fmt.Sprintf("127.0.1.4:%d", pgPort), fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))); diff != "" {
		t.Fatalf("Endpoint: -want +got:\n%s", diff)
	}
	addr := aws.ToString(e.Address)

	steps := []struct {
		reason string
		rule   *ec2types.IpPermission
		from   string
		want   string
	}{
		{reason: "The host connects with the password.", from: "127.0.0.1", want: "admitted"},
		{reason: "Another source is refused.", from: "127.0.50.1", want: "refused"},
		{reason: "A rule for it lets it in.", rule: ptr(tcpFrom(pgPort, "127.0.50.0/24")), from: "127.0.50.1", want: "admitted"},
		{reason: "The instance's own address is not the host's.", from: addr, want: "refused"},
		{reason: "A rule naming the group admits its members' endpoints.", from: addr, want: "admitted",
			rule: &ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(pgPort), ToPort: aws.Int32(pgPort), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(sg)}}}},
	}
	for i, st := range steps {
		if st.rule != nil {
			authorize(t, network, sg, *st.rule)
		}
		got := admitted(selectOne(st.from, addr, pgPort, "appadmin", "first-pass-1", "app"))
		t.Logf("step %d: from %s: %s", i, st.from, got)
		if !strings.HasPrefix(got, st.want) {
			t.Errorf("step %d: %s\nfrom %s: want %s, got %s", i, st.reason, st.from, st.want, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// redisPing AUTHs and PINGs over TLS verified against pool for the
// endpoint's address, from source address from.
func redisPing(from string, e *ectypes.Endpoint, pool *x509.CertPool, token string) (string, error) {
	addr := aws.ToString(e.Address)
	c, err := tls.DialWithDialer(dialer(from), "tcp", net.JoinHostPort(addr, strconv.Itoa(int(aws.ToInt32(e.Port)))),
		&tls.Config{RootCAs: pool, ServerName: addr, MinVersion: tls.VersionTLS12})
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n", len(token), token); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	var lines []string
	for range 2 {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	return strings.Join(lines, " "), nil
}

// TestRedisSecurityGroup creates a Redis group with transit encryption in
// the private subnets, admitting its port from the host only: both its
// endpoints are at addresses of their own that the nodes' certificate
// names, the host PINGs through TLS verified against the local cloud's
// CA, and another source is refused.
func TestRedisSecurityGroup(t *testing.T) {
	if _, err := (&engines.Redis{Engine: "redis"}).Version(); err != nil {
		t.Skipf("Redis is not installed here: %v", err)
	}
	ctx := context.Background()
	dir := localcloudtest.DataDir(t)
	_, url, _ := start(t, dir)
	network := ec2Client(url)
	c := awsec.New(awsec.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
	redisPort := port(t, 6379)
	sg := securityGroup(t, network, "cache", redisPort, "127.0.0.1/32")
	if _, err := c.CreateCacheSubnetGroup(ctx, &awsec.CreateCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private"), CacheSubnetGroupDescription: aws.String("private"), SubnetIds: privateSubnets}); err != nil {
		t.Fatalf("CreateCacheSubnetGroup: %v", err)
	}
	const token = "Gated-token-0123456789"
	_, err := c.CreateReplicationGroup(ctx, &awsec.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String("gated-cache"),
		ReplicationGroupDescription: aws.String("gated cache"),
		Engine:                      aws.String("redis"),
		CacheNodeType:               aws.String("cache.t4g.micro"),
		NumCacheClusters:            aws.Int32(1),
		Port:                        aws.Int32(redisPort),
		TransitEncryptionEnabled:    aws.Bool(true),
		AuthToken:                   aws.String(token),
		CacheSubnetGroupName:        aws.String("private"),
		SecurityGroupIds:            []string{sg},
	})
	if err != nil {
		t.Fatalf("CreateReplicationGroup: %v", err)
	}
	var ng ectypes.NodeGroup
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		out, err := c.DescribeReplicationGroups(ctx, &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("gated-cache")})
		if err != nil {
			t.Fatal(err)
		}
		rg := out.ReplicationGroups[0]
		if st := aws.ToString(rg.Status); st == "available" {
			ng = rg.NodeGroups[0]
			break
		} else if st != "creating" || time.Now().After(deadline) {
			t.Fatalf("gated-cache is %s", st)
		}
	}
	ca, err := os.ReadFile(filepath.Join(dir, engines.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)

	// The primary endpoint, then the reader's: one node serves both, each
	// at its own address of the zone a private subnet.
	want := []string{fmt.Sprintf("127.0.1.4:%d", redisPort), fmt.Sprintf("127.0.1.5:%d", redisPort)}
	got := []string{fmt.Sprintf("%s:%d", aws.ToString(ng.PrimaryEndpoint.Address), aws.ToInt32(ng.PrimaryEndpoint.Port)),
		fmt.Sprintf("%s:%d", aws.ToString(ng.ReaderEndpoint.Address), aws.ToInt32(ng.ReaderEndpoint.Port))}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("endpoints: -want +got:\n%s", diff)
	}
	cases := []struct {
		reason   string
		from     string
		endpoint *ectypes.Endpoint
		want     string
	}{
		{reason: "The host reaches the primary through TLS verified for its address.", from: "127.0.0.1", endpoint: ng.PrimaryEndpoint, want: "+OK +PONG"},
		{reason: "And the reader endpoint, at another address.", from: "127.0.0.1", endpoint: ng.ReaderEndpoint, want: "+OK +PONG"},
		{reason: "Another source is refused before TLS.", from: "127.0.50.1", endpoint: ng.PrimaryEndpoint, want: "refused"},
	}
	for i, tc := range cases {
		answer, err := redisPing(tc.from, tc.endpoint, pool, token)
		got := answer
		if err != nil {
			got = "refused"
			t.Logf("case %d: %v", i, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("case %d: %s\n-want +got:\n%s", i, tc.reason, diff)
		}
	}
}
