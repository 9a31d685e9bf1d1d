package aws

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/appinfra/provider-appinfra/internal/clients/clientcache"
)

// Each service's client is made once per Config and shared by every
// controller that calls the service (RDS's instances and subnet groups,
// for example): counted, traced and rate-limited as the service, and sent
// to the config's endpoint for it.

// RDS is the config's RDS client.
func (c *Config) RDS() *rds.Client {
	cl, _ := clientcache.Value(&c.Values, "rds", func() (*rds.Client, error) {
		return rds.NewFromConfig(c.AWS, func(o *rds.Options) {
			o.APIOptions = append(o.APIOptions, c.APIOptions("rds")...)
			o.BaseEndpoint = c.baseEndpoint("rds")
		}), nil
	})
	return cl
}

// ElastiCache is the config's ElastiCache client.
func (c *Config) ElastiCache() *elasticache.Client {
	cl, _ := clientcache.Value(&c.Values, "elasticache", func() (*elasticache.Client, error) {
		return elasticache.NewFromConfig(c.AWS, func(o *elasticache.Options) {
			o.APIOptions = append(o.APIOptions, c.APIOptions("elasticache")...)
			o.BaseEndpoint = c.baseEndpoint("elasticache")
		}), nil
	})
	return cl
}

// EC2 is the config's EC2 client.
func (c *Config) EC2() *ec2.Client {
	cl, _ := clientcache.Value(&c.Values, "ec2", func() (*ec2.Client, error) {
		return ec2.NewFromConfig(c.AWS, func(o *ec2.Options) {
			o.APIOptions = append(o.APIOptions, c.APIOptions("ec2")...)
			o.BaseEndpoint = c.baseEndpoint("ec2")
		}), nil
	})
	return cl
}

// baseEndpoint is the endpoint override for service, nil for AWS's own.
func (c *Config) baseEndpoint(service string) *string {
	if u := c.Endpoint(service); u != "" {
		return aws.String(u)
	}
	return nil
}
