package providerconfig

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// RecentSecrets reads Secrets from the API server and keeps each for a short
// while: every resource that uses a config reads its credentials Secret when
// it connects, so a thousand resources polled each minute would otherwise
// GET one Secret a thousand times a minute. Only Secrets asked for by name
// are kept (no list, no watch), and only for ttl: a rotated key is used
// within ttl.
type RecentSecrets struct {
	client.Reader
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	secrets map[client.ObjectKey]recentSecret
}

type recentSecret struct {
	secret *corev1.Secret
	at     time.Time
}

// NewRecentSecrets reads Secrets through kube, keeping each for ttl.
func NewRecentSecrets(kube client.Reader, ttl time.Duration) *RecentSecrets {
	return &RecentSecrets{Reader: kube, ttl: ttl, now: time.Now, secrets: map[client.ObjectKey]recentSecret{}}
}

// Get returns a Secret read less than ttl ago, or reads it. Other kinds go
// straight to the reader, and so do errors: a missing Secret is asked for
// again next time.
func (r *RecentSecrets) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return r.Reader.Get(ctx, key, obj, opts...)
	}
	r.mu.Lock()
	now := r.now()
	for k, e := range r.secrets {
		if now.Sub(e.at) >= r.ttl {
			delete(r.secrets, k)
		}
	}
	e, ok := r.secrets[key]
	r.mu.Unlock()
	if ok {
		e.secret.DeepCopyInto(s)
		return nil
	}
	if err := r.Reader.Get(ctx, key, s, opts...); err != nil {
		return err
	}
	r.mu.Lock()
	r.secrets[key] = recentSecret{secret: s.DeepCopy(), at: now}
	r.mu.Unlock()
	return nil
}
