package ec2

// The wire shapes below follow the member names aws-sdk-go-v2's EC2
// client reads (service/ec2 deserializers.go): lower-camel elements, and
// every list a <...Set> or similar element of <item>s.

// set is an EC2 list. A set field is written even when empty, as EC2 writes
// <groups/> and <ipPermissionsEgress/>; a *set field is left out when nil,
// as EC2 leaves out an empty tagSet.
type set[T any] struct {
	Items []T `xml:"item"`
}

type xmlTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type xmlState struct {
	State string `xml:"state"`
}

type xmlCidrAssociation struct {
	AssociationID string   `xml:"associationId"`
	CidrBlock     string   `xml:"cidrBlock"`
	State         xmlState `xml:"cidrBlockState"`
}

type xmlVpc struct {
	VpcID                 string                  `xml:"vpcId"`
	OwnerID               string                  `xml:"ownerId"`
	State                 string                  `xml:"state"`
	CidrBlock             string                  `xml:"cidrBlock"`
	CidrBlockAssociations set[xmlCidrAssociation] `xml:"cidrBlockAssociationSet"`
	DhcpOptionsID         string                  `xml:"dhcpOptionsId"`
	InstanceTenancy       string                  `xml:"instanceTenancy"`
	IsDefault             bool                    `xml:"isDefault"`
	Tags                  *set[xmlTag]            `xml:"tagSet"`
}

type xmlSubnet struct {
	SubnetID                string       `xml:"subnetId"`
	SubnetArn               string       `xml:"subnetArn"`
	OwnerID                 string       `xml:"ownerId"`
	State                   string       `xml:"state"`
	VpcID                   string       `xml:"vpcId"`
	CidrBlock               string       `xml:"cidrBlock"`
	AvailabilityZone        string       `xml:"availabilityZone"`
	AvailableIPAddressCount int32        `xml:"availableIpAddressCount"`
	DefaultForAz            bool         `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool         `xml:"mapPublicIpOnLaunch"`
	AssignIpv6OnCreation    bool         `xml:"assignIpv6AddressOnCreation"`
	Tags                    *set[xmlTag] `xml:"tagSet"`
}

type xmlIPRange struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type xmlGroupPair struct {
	UserID      string `xml:"userId"`
	GroupID     string `xml:"groupId"`
	Description string `xml:"description,omitempty"`
}

// xmlIpPermission has no ports for -1 and the other protocols without
// them, as EC2 writes it.
type xmlIpPermission struct {
	IPProtocol    string            `xml:"ipProtocol"`
	FromPort      *int32            `xml:"fromPort"`
	ToPort        *int32            `xml:"toPort"`
	Groups        set[xmlGroupPair] `xml:"groups"`
	IPRanges      set[xmlIPRange]   `xml:"ipRanges"`
	Ipv6Ranges    set[struct{}]     `xml:"ipv6Ranges"`
	PrefixListIDs set[struct{}]     `xml:"prefixListIds"`
}

type xmlSecurityGroup struct {
	OwnerID     string               `xml:"ownerId"`
	GroupID     string               `xml:"groupId"`
	GroupName   string               `xml:"groupName"`
	Description string               `xml:"groupDescription"`
	VpcID       string               `xml:"vpcId"`
	Arn         string               `xml:"securityGroupArn"`
	Ingress     set[xmlIpPermission] `xml:"ipPermissions"`
	Egress      set[xmlIpPermission] `xml:"ipPermissionsEgress"`
	Tags        *set[xmlTag]         `xml:"tagSet"`
}

type describeVpcsResult struct {
	Vpcs set[xmlVpc] `xml:"vpcSet"`
}

type describeSubnetsResult struct {
	Subnets set[xmlSubnet] `xml:"subnetSet"`
}

type describeSecurityGroupsResult struct {
	Groups set[xmlSecurityGroup] `xml:"securityGroupInfo"`
}

type createSecurityGroupResult struct {
	Return  bool         `xml:"return"`
	GroupID string       `xml:"groupId"`
	Arn     string       `xml:"securityGroupArn"`
	Tags    *set[xmlTag] `xml:"tagSet"`
}

type deleteSecurityGroupResult struct {
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

// returnResult is the answer of the actions that only say they succeeded.
type returnResult struct {
	Return bool `xml:"return"`
}
