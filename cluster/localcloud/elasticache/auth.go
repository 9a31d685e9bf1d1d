package elasticache

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"slices"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Values of AuthTokenUpdateStrategy.
const (
	strategyRotate = "ROTATE"
	strategySet    = "SET"
	strategyDelete = "DELETE"
)

// authState is a group's auth file, <group dir>/auth.json, mode 0600: the
// nodes' admin secret and the hashes of the group's tokens, never a token,
// plus the hashes a token change in progress will leave. It lives beside
// the nodes rather than in state.json, which holds no secret material.
type authState struct {
	Current engines.RedisAuth
	Next    *engines.RedisAuth `json:",omitempty"`
}

func (s *Service) authPath(id string) string { return filepath.Join(s.groupDir(id), "auth.json") }

func (s *Service) loadAuth(id string) (authState, error) {
	return statefile.ReadJSON[authState](s.authPath(id))
}

func (s *Service) saveAuth(id string, a authState) error {
	return statefile.WriteJSON(s.authPath(id), a)
}

// newAuth is a new group's auth: a fresh admin secret, and the token's
// hash, or no password at all.
func newAuth(token string) (engines.RedisAuth, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return engines.RedisAuth{}, err
	}
	a := engines.RedisAuth{Secret: hex.EncodeToString(b), NoPass: token == ""}
	if token != "" {
		a.Hashes = []string{engines.RedisPasswordHash(token)}
	}
	return a, nil
}

// rotate is ElastiCache's ROTATE: the newest current token (or, for a
// group without one, the absence of a password) keeps working beside the
// new one, until a SET.
func rotate(cur engines.RedisAuth, token string) engines.RedisAuth {
	next := engines.RedisAuth{Secret: cur.Secret, NoPass: cur.NoPass || len(cur.Hashes) == 0}
	if n := len(cur.Hashes); n > 0 {
		next.Hashes = append(next.Hashes, cur.Hashes[n-1])
	}
	if h := engines.RedisPasswordHash(token); !slices.Contains(next.Hashes, h) {
		next.Hashes = append(next.Hashes, h)
	}
	return next
}

// set is ElastiCache's SET: the new token is the only one.
func set(cur engines.RedisAuth, token string) engines.RedisAuth {
	return engines.RedisAuth{Secret: cur.Secret, Hashes: []string{engines.RedisPasswordHash(token)}}
}
