package replicationgroup

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

func TestNextTokenStep(t *testing.T) {
	done := func(ago time.Duration) *metav1.Time { t := metav1.NewTime(testNow.Add(-ago)); return &t }
	tok := secretkey.Value{Data: "new", Version: "v2"}
	cases := map[string]struct {
		reason   string
		applied  string
		rotating string
		rotated  *metav1.Time
		want     tokenStep
	}{
		"InPlace":          {reason: "The Secret holds the token in place.", applied: "v2", want: tokenInPlace},
		"NewToken":         {reason: "A new value in the Secret starts a rotation.", applied: "v1", want: tokenRotate},
		"NeverApplied":     {reason: "No token known to be in place (adopted): rotate one in.", want: tokenRotate},
		"RotateRunning":    {reason: "ROTATE sent, not done: wait.", applied: "v1", rotating: "v2", want: tokenWait},
		"InGrace":          {reason: "Done a minute ago, the grace period is 5m: wait.", applied: "v1", rotating: "v2", rotated: done(time.Minute), want: tokenWait},
		"GraceOver":        {reason: "Done six minutes ago: SET.", applied: "v1", rotating: "v2", rotated: done(6 * time.Minute), want: tokenSet},
		"AnotherNewToken":  {reason: "The Secret changed again mid-rotation: ROTATE to the newest value.", applied: "v1", rotating: "v9", rotated: done(time.Minute), want: tokenRotate},
		"BackToTheOldOne":  {reason: "The Secret went back to the token in place mid-rotation: SET it, so the abandoned token stops working.", applied: "v2", rotating: "v9", want: tokenSet},
		"ExactlyGraceOver": {reason: "At the end of the grace period: SET.", applied: "v1", rotating: "v2", rotated: done(defaultTokenGrace), want: tokenSet},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			at := v1alpha1.ReplicationGroupObservation{AuthTokenRotating: tc.rotating, AuthTokenRotated: tc.rotated}
			if got := nextTokenStep(tok, tc.applied, at, defaultTokenGrace, testNow); got != tc.want {
				t.Errorf("\n%s\nnextTokenStep(...) = %d, want %d", tc.reason, got, tc.want)
			}
		})
	}
}
