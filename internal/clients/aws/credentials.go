package aws

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// parseSharedCredentials reads one profile of an AWS shared-credentials file
// (the INI format `aws configure` writes). Errors name lines and keys, never
// values, because the input is secret.
func parseSharedCredentials(data []byte, profile string) (aws.Credentials, error) {
	if profile == "" {
		profile = "default"
	}
	var (
		section string
		found   bool
		creds   = aws.Credentials{Source: "ProviderConfigSecret"}
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return aws.Credentials{}, fmt.Errorf("line %d: section header is not closed with ]", n)
			}
			section = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line[1:len(line)-1]), "profile "))
			found = found || section == profile
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return aws.Credentials{}, fmt.Errorf("line %d: expected key = value", n)
		}
		if section != profile {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "aws_access_key_id":
			creds.AccessKeyID = v
		case "aws_secret_access_key":
			creds.SecretAccessKey = v
		case "aws_session_token":
			creds.SessionToken = v
		}
	}
	if err := sc.Err(); err != nil {
		return aws.Credentials{}, fmt.Errorf("cannot read credentials: %w", err)
	}
	if !found {
		return aws.Credentials{}, fmt.Errorf("profile %q not found", profile)
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("profile %q needs aws_access_key_id and aws_secret_access_key", profile)
	}
	return creds, nil
}
