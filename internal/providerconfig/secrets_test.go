package providerconfig

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// countingReader serves one Secret, or not-found, and counts the reads.
type countingReader struct {
	client.Reader
	secret *corev1.Secret
	reads  int
}

func (c *countingReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	c.reads++
	if c.secret == nil {
		return kerrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
	}
	c.secret.DeepCopyInto(obj.(*corev1.Secret))
	return nil
}

func TestRecentSecrets(t *testing.T) {
	key := client.ObjectKey{Namespace: "crossplane-system", Name: "aws-creds"}
	v1 := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "aws-creds", ResourceVersion: "1"}, Data: map[string][]byte{"k": []byte("one")}}
	v2 := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "aws-creds", ResourceVersion: "2"}, Data: map[string][]byte{"k": []byte("two")}}

	cases := map[string]struct {
		reason    string
		steps     []time.Duration // when each Get happens
		rotateAt  int             // the Secret changes before this Get
		missing   bool
		wantReads int
		wantLast  string
	}{
		"WithinTTL": {
			reason:    "Gets within the TTL of the first read are served from memory.",
			steps:     []time.Duration{0, time.Second, 9 * time.Second},
			rotateAt:  -1,
			wantReads: 1,
			wantLast:  "one",
		},
		"RotatedAfterTTL": {
			reason:    "A rotated key is read once the TTL has passed.",
			steps:     []time.Duration{0, 5 * time.Second, 11 * time.Second},
			rotateAt:  1,
			wantReads: 2,
			wantLast:  "two",
		},
		"MissingNotKept": {
			reason:    "A missing Secret is asked for every time, so one created later is found at once.",
			steps:     []time.Duration{0, time.Second},
			rotateAt:  -1,
			missing:   true,
			wantReads: 2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := &countingReader{secret: v1}
			if tc.missing {
				kube.secret = nil
			}
			start := time.Now()
			var at time.Duration
			r := NewRecentSecrets(kube, 10*time.Second)
			r.now = func() time.Time { return start.Add(at) }
			got := &corev1.Secret{}
			for i, step := range tc.steps {
				if i == tc.rotateAt {
					kube.secret = v2
				}
				at = step
				_ = r.Get(context.Background(), key, got)
			}
			if kube.reads != tc.wantReads {
				t.Errorf("%s\nreads: want %d, got %d", tc.reason, tc.wantReads, kube.reads)
			}
			if diff := cmp.Diff(tc.wantLast, string(got.Data["k"])); diff != "" {
				t.Errorf("%s\nlast value: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
