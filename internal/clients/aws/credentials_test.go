package aws

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Values that stand for secrets: no error may ever contain one.
const (
	testAccessKeyID  = "AKIAEXAMPLEKEYID0001"
	testSecretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
	testSessionToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN=="
	testOtherSecret  = "otherProfileSecretValue/0123456789abcdef"

	testTeamAccessKeyID    = "AKIAEXAMPLETEAMA0002"
	testRotatedAccessKeyID = "AKIAEXAMPLETEAMA0003"
)

// secrets are the values no error message may contain.
var secrets = []string{testAccessKeyID, testSecretKey, testSessionToken, testOtherSecret, testTeamAccessKeyID, testRotatedAccessKeyID}

// leaked returns the first secret err's message contains, or "".
func leaked(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			return s
		}
	}
	return ""
}

func TestParseSharedCredentials(t *testing.T) {
	fromSecret := func(id, secret, token string) aws.Credentials {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Source: "ProviderConfigSecret"}
	}

	type want struct {
		creds aws.Credentials
		err   error
		msg   string
	}
	cases := map[string]struct {
		reason  string
		data    string
		profile string
		want    want
	}{
		"DefaultProfile": {
			reason: "An empty profile means the default profile.",
			data: "[default]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"aws_secret_access_key = " + testSecretKey + "\n",
			want: want{creds: fromSecret(testAccessKeyID, testSecretKey, "")},
		},
		"NamedProfile": {
			reason: "A named profile is read, and other profiles ignored.",
			data: "[default]\n" +
				"aws_access_key_id = AKIADEFAULT\n" +
				"aws_secret_access_key = " + testOtherSecret + "\n" +
				"[prod]\n" +
				"aws_access_key_id=" + testAccessKeyID + "\n" +
				"aws_secret_access_key=" + testSecretKey + "\n",
			profile: "prod",
			want:    want{creds: fromSecret(testAccessKeyID, testSecretKey, "")},
		},
		"ProfilePrefix": {
			reason: "A section written [profile x], as in an AWS config file, is profile x.",
			data: "[ profile prod ]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"aws_secret_access_key = " + testSecretKey + "\n",
			profile: "prod",
			want:    want{creds: fromSecret(testAccessKeyID, testSecretKey, "")},
		},
		"SessionToken": {
			reason: "A session token is read, whole, even with = in it; keys are case-insensitive and lines may be indented.",
			data: "[default]\n" +
				"  AWS_ACCESS_KEY_ID = " + testAccessKeyID + "\n" +
				"  aws_secret_access_key = " + testSecretKey + "\n" +
				"  aws_session_token = " + testSessionToken + "\n",
			want: want{creds: fromSecret(testAccessKeyID, testSecretKey, testSessionToken)},
		},
		"CommentsAndBlankLines": {
			reason: "Lines starting with # or ; and blank lines are skipped, and unknown keys ignored.",
			data: "# written by aws configure\n" +
				"\n" +
				"; another comment\n" +
				"[default]\n" +
				"# aws_access_key_id = AKIACOMMENTEDOUT\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"region = us-west-2\n" +
				"\n" +
				"aws_secret_access_key = " + testSecretKey + "\r\n",
			want: want{creds: fromSecret(testAccessKeyID, testSecretKey, "")},
		},
		"MissingProfile": {
			reason: "A profile the file lacks is an error naming it.",
			data: "[default]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"aws_secret_access_key = " + testSecretKey + "\n",
			profile: "prod",
			want:    want{err: cmpopts.AnyError, msg: `profile "prod" not found`},
		},
		"Empty": {
			reason: "An empty file has no default profile.",
			data:   "",
			want:   want{err: cmpopts.AnyError, msg: `profile "default" not found`},
		},
		"MissingSecretKey": {
			reason: "A profile without a secret access key is an error naming the keys needed.",
			data: "[default]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n",
			want: want{err: cmpopts.AnyError, msg: `profile "default" needs aws_access_key_id and aws_secret_access_key`},
		},
		"MissingAccessKeyID": {
			reason: "A profile without an access key ID is an error naming the keys needed.",
			data: "[default]\n" +
				"aws_secret_access_key = " + testSecretKey + "\n" +
				"[prod]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n",
			want: want{err: cmpopts.AnyError, msg: `profile "default" needs aws_access_key_id and aws_secret_access_key`},
		},
		"MalformedLine": {
			reason: "A line that is not key = value is an error naming the line, never its content.",
			data: "[default]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"aws_secret_access_key: " + testSecretKey + "\n",
			want: want{err: cmpopts.AnyError, msg: "line 3: expected key = value"},
		},
		"MalformedLineInOtherProfile": {
			reason: "A malformed line is an error even in a profile not asked for.",
			data: "[other]\n" +
				testOtherSecret + "\n" +
				"[default]\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"aws_secret_access_key = " + testSecretKey + "\n",
			want: want{err: cmpopts.AnyError, msg: "line 2: expected key = value"},
		},
		"UnclosedSection": {
			reason: "A section header without ] is an error naming the line.",
			data: "[default\n" +
				"aws_access_key_id = " + testAccessKeyID + "\n" +
				"aws_secret_access_key = " + testSecretKey + "\n",
			want: want{err: cmpopts.AnyError, msg: "line 1: section header is not closed with ]"},
		},
		"LineTooLong": {
			reason: "A line longer than the scanner takes is an error that does not quote it.",
			data:   "[default]\naws_secret_access_key = " + strings.Repeat(testSecretKey, 2000) + "\n",
			want:   want{err: cmpopts.AnyError, msg: "cannot read credentials"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseSharedCredentials([]byte(tc.data), tc.profile)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nparseSharedCredentials(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.want.msg)) {
				t.Errorf("\n%s\nparseSharedCredentials(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if s := leaked(err); s != "" {
				t.Errorf("\n%s\nparseSharedCredentials(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if diff := cmp.Diff(tc.want.creds, got); diff != "" {
				t.Errorf("\n%s\nparseSharedCredentials(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
