package readonly

import (
	"context"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// readPrefixes are the AWS operations that only read, by AWS's naming
// convention, which every API this project calls follows.
var readPrefixes = []string{"Describe", "Get", "List", "Head"}

// awsCredentials are operations that change nothing in the cloud but hand
// out temporary credentials: a config's role chain or web identity needs
// them to read at all.
var awsCredentials = map[string]bool{
	"sts.AssumeRole":                true,
	"sts.AssumeRoleWithWebIdentity": true,
}

// AWSRead says whether an operation of service only reads.
func AWSRead(service, operation string) bool {
	for _, p := range readPrefixes {
		if strings.HasPrefix(operation, p) {
			return true
		}
	}
	return awsCredentials[strings.ToLower(service)+"."+operation]
}

// AWS returns an API option (for an aws.Config's or a service client's
// APIOptions) that fails every operation that is not a read before it is
// signed or sent, and counts each call in g.
func (g *Guard) AWS() func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		// After the operation's own initialisers, which name it; before
		// anything is serialised, signed or retried.
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("AppinfraReadOnly",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				service, op := strings.ToLower(awsmiddleware.GetServiceID(ctx)), awsmiddleware.GetOperationName(ctx)
				if op == "" || !AWSRead(service, op) {
					return middleware.InitializeOutput{}, middleware.Metadata{}, g.refuse(service + "." + op)
				}
				g.read()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}
