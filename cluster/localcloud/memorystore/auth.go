package memorystore

import (
	"crypto/rand"
	"encoding/base64"
	"path/filepath"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// authState is an instance's auth file, <instance dir>/auth.json, mode
// 0600: the nodes' admin secret and the AUTH string, which Memorystore
// generates and getAuthString returns in clear, so it must be kept. It
// lives beside the nodes rather than in state.json.
type authState struct {
	Secret     string
	AuthString string `json:",omitempty"`
}

func (s *Service) authPath(id string) string { return filepath.Join(s.instanceDir(id), "auth.json") }

func (s *Service) loadAuth(id string) (authState, error) {
	return statefile.ReadJSON[authState](s.authPath(id))
}

func (s *Service) saveAuth(id string, a authState) error {
	return statefile.WriteJSON(s.authPath(id), a)
}

// redisAuth is what the nodes enforce: the AUTH string when auth is on,
// anyone otherwise.
func (a authState) redisAuth(enabled bool) engines.RedisAuth {
	if !enabled || a.AuthString == "" {
		return engines.RedisAuth{Secret: a.Secret, NoPass: true}
	}
	return engines.RedisAuth{Secret: a.Secret, Hashes: []string{engines.RedisPasswordHash(a.AuthString)}}
}

// randomString is a secret of n random bytes, in the URL-safe alphabet of
// Memorystore's AUTH strings.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
