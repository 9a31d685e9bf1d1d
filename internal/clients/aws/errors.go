package aws

import (
	"errors"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/appinfra/provider-appinfra/internal/clients/errmsg"
)

// ErrorCode is the AWS error code of err ("NoSuchBucket",
// "DBInstanceNotFound", ...), or "" when err carries none.
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// HasCode says whether err carries one of the AWS error codes.
func HasCode(err error, codes ...string) bool {
	c := ErrorCode(err)
	for _, want := range codes {
		if c != "" && c == want {
			return true
		}
	}
	return false
}

// HTTPStatus is the HTTP status of the response that failed with err, or 0.
func HTTPStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// IsNotImplemented says whether the endpoint does not implement the call, as
// S3-compatible stores answer for what they lack.
func IsNotImplemented(err error) bool {
	return HasCode(err, "NotImplemented") || HTTPStatus(err) == 501
}

// IsCredentialsRefused says whether the endpoint refused the credentials
// themselves, rather than what they may do.
func IsCredentialsRefused(err error) bool {
	return HasCode(err, "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId",
		"UnrecognizedClientException", "ExpiredToken", "InvalidToken", "AuthFailure")
}

// WithoutTransportDetail is err's message with the AWS SDK's transport
// detail (the operation chain, the HTTP status line, the request and host
// IDs) replaced by the cloud's code and message. Those stay the same from
// one attempt to the next where request IDs do not, so Kubernetes folds
// repeated events and a condition changes only when the cause does. A
// call that got no answer keeps its cause, without the request IDs.
func WithoutTransportDetail(err error) error {
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return err
	}
	short := op.Service() + " " + op.Operation() + ": "
	var api smithy.APIError
	var re *awshttp.ResponseError
	switch {
	case errors.As(op.Err, &api) && api.ErrorMessage() != "":
		short = api.ErrorCode() + ": " + api.ErrorMessage()
	case errors.As(op.Err, &api):
		short = api.ErrorCode()
	case errors.As(op.Err, &re) && re.Err != nil:
		short += re.Err.Error()
	default:
		short += op.Err.Error()
	}
	return errmsg.Replace(err, op, short)
}
