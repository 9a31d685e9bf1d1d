package aws

import (
	"errors"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
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
