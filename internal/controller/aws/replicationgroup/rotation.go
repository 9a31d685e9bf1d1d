package replicationgroup

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

// A token rotation, as ElastiCache supports it without breaking a client:
//
//  1. ROTATE: the group accepts the old and the new token. The connection
//     Secret keeps the old one while the group is modifying, as the new
//     one is refused until the change completes.
//  2. The group is available and reports no token change pending: the
//     new token goes into the connection Secret (AuthTokenRotated).
//  3. After the grace period, in which applications pick up the new token
//     (restart or reload), SET: only the new token is accepted.

// defaultTokenGrace is the grace period when the spec names none.
const defaultTokenGrace = 5 * time.Minute

// tokenStep is what a token change needs next.
type tokenStep int

const (
	// tokenInPlace: the group has the token in the Secret; nothing to do.
	tokenInPlace tokenStep = iota
	// tokenRotate: a new token (or none known yet): send ROTATE.
	tokenRotate
	// tokenWait: ROTATE sent and not finished, or finished and within the
	// grace period.
	tokenWait
	// tokenSet: the grace period is over: send SET.
	tokenSet
)

// nextTokenStep says where a rotation to tok stands.
func nextTokenStep(tok secretkey.Value, applied string, at v1alpha1.ReplicationGroupObservation, grace time.Duration, now time.Time) tokenStep {
	switch {
	case at.AuthTokenRotating != "" && tok.Is(at.AuthTokenRotating):
		if at.AuthTokenRotated == nil || now.Before(at.AuthTokenRotated.Add(grace)) {
			return tokenWait
		}
		return tokenSet
	case tok.Is(applied):
		if at.AuthTokenRotating != "" {
			// The Secret went back to the token in place mid-rotation:
			// SET it, so the abandoned one stops working.
			return tokenSet
		}
		return tokenInPlace
	default:
		return tokenRotate
	}
}

// rotationDone records when ElastiCache has finished a ROTATE: the group
// is available again and reports no token change pending. From then the
// new token is published and the grace period runs.
func rotationDone(at *v1alpha1.ReplicationGroupObservation, got observed, now time.Time) {
	if at.AuthTokenRotating == "" || at.AuthTokenRotated != nil {
		return
	}
	if got.status == statusAvailable && !got.tokenChanging {
		t := metav1.NewTime(now)
		at.AuthTokenRotated = &t
	}
}

// publishedToken is the token the connection Secret may hold: the one in
// place, or the one rotated in once ElastiCache accepts it; "" while the
// Secret holds a token ElastiCache does not accept yet (the connection
// Secret then keeps the token clients use today).
func publishedToken(cr *v1alpha1.ReplicationGroup, tok secretkey.Value) string {
	at := cr.Status.AtProvider
	if at.AuthTokenRotated != nil {
		return tok.IfSent(appliedTokenVersion(cr), at.AuthTokenRotating)
	}
	return tok.IfSent(appliedTokenVersion(cr))
}

// tokenGrace is the spec's grace period, or the default.
func tokenGrace(p v1alpha1.ReplicationGroupParameters) time.Duration {
	if p.AuthTokenGracePeriod != nil && p.AuthTokenGracePeriod.Duration >= 0 {
		return p.AuthTokenGracePeriod.Duration
	}
	return defaultTokenGrace
}

// untilSet is how long until SET is due, if a rotation waits for its grace
// period to end; ok is false otherwise.
func untilSet(cr *v1alpha1.ReplicationGroup, now time.Time) (time.Duration, bool) {
	at := cr.Status.AtProvider
	if at.AuthTokenRotating == "" || at.AuthTokenRotated == nil {
		return 0, false
	}
	return at.AuthTokenRotated.Add(tokenGrace(cr.Spec.ForProvider)).Sub(now), true
}
