//go:build integration

package integration

import (
	"context"
	"fmt"
	"github.com/appinfra/provider-appinfra/apis/common"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
)

func TestProviderConfigInUseCannotBeDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := &awsv1alpha1.ClusterProviderConfig{}
	if err := kube.Get(ctx, key("", "default"), def); err != nil {
		t.Fatal(err)
	}
	pc := &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "in-use"}, Spec: def.Spec}
	create(t, pc)
	cr := bucket("it-pc-in-use", func(b *v1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "in-use"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	eventually(t, converge, "one user counted", func() error {
		if err := kube.Get(ctx, key("", "in-use"), pc); err != nil {
			return err
		}
		if pc.Status.Users != 1 {
			return fmt.Errorf("users = %d", pc.Status.Users)
		}
		return nil
	})

	if err := kube.Delete(ctx, pc); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "deletion blocked", func() error {
		return hasCondition(pc, "Terminating", corev1.ConditionTrue, "usages still exist")
	})

	// Once its last user is gone, the config goes too.
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "bucket gone", func() error { return gone(cr) })
	eventually(t, converge, "config gone", func() error { return gone(pc) })
}

func TestMalformedCredentialsAreNotEchoed(t *testing.T) {
	t.Parallel()
	const secretLine = "aws_secret_access_key: hunter2-do-not-echo"
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "malformed-creds"},
		StringData: map[string]string{"credentials": "[default]\naws_access_key_id = AKIA\n" + secretLine + "\n"},
	}
	create(t, sec)
	pc := &awsv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "malformed"},
		Spec: awsv1alpha1.ProviderConfigSpec{Credentials: awsv1alpha1.Credentials{
			Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &common.SecretKeySelector{Name: "malformed-creds", Key: "credentials"}}},
	}
	create(t, pc)
	cr := bucket("it-malformed-creds", func(b *v1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "malformed"}
	})
	create(t, cr)
	eventually(t, converge, "parse error condition", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "line 3: expected key = value")
	})
	c := cr.GetCondition(xpv2.TypeSynced)
	if strings.Contains(c.Message, "hunter2") {
		t.Errorf("condition echoes the secret: %q", c.Message)
	}
	for _, e := range eventsOf(t, cr) {
		if strings.Contains(e.Message, "hunter2") {
			t.Errorf("event echoes the secret: %q", e.Message)
		}
	}
}

func TestNamespacedProviderConfigCannotBorrowProviderIdentity(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"AWSEnvironment": {
			reason: "Environment credentials are the provider's own",
			obj: &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "borrow-env"},
				Spec: awsv1alpha1.ProviderConfigSpec{Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceEnvironment}}},
			want: "a namespaced ProviderConfig must take credentials from a Secret",
		},
		"AWSWebIdentity": {
			reason: "a web identity token file is the provider's own",
			obj: &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "borrow-token"},
				Spec: awsv1alpha1.ProviderConfigSpec{Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceWebIdentity,
					WebIdentity: &awsv1alpha1.WebIdentity{RoleARN: "arn:aws:iam::123456789012:role/x"}}}},
			want: "a namespaced ProviderConfig must take credentials from a Secret",
		},
		"GCPEnvironment": {
			reason: "Application Default Credentials are the provider's own",
			obj: &gcpv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "borrow-adc"},
				Spec: gcpv1alpha1.ProviderConfigSpec{ProjectID: "appinfra-test", Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceEnvironment}}},
			want: "a namespaced ProviderConfig must not use source Environment",
		},
	})
}
