// Package statefile keeps what the local cloud must find again after a
// restart in its data dir: files written whole (a temporary file renamed
// over the old one), so that a crash leaves the old content or the new,
// never half of either, and each service's state.json, saved in the order
// of the changes that called for it.
package statefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Write replaces path with b, mode perm whatever the umask or an earlier
// temporary file, making its folder if need be.
func Write(path string, b []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, perm); err != nil {
		return err
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// WriteJSON writes v as JSON to path, mode 0600: the files a service
// keeps beside its state (auth files, keys) hold secrets.
func WriteJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return Write(path, b, 0o600)
}

// ReadJSON reads what WriteJSON wrote; a missing file is an error that
// errors.Is fs.ErrNotExist.
func ReadJSON[T any](path string) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		return v, err
	}
	err = json.Unmarshal(b, &v)
	return v, err
}

// Store is a service's state.json in its data dir: everything the service
// saves, as one JSON document.
type Store struct {
	dir, service string
	// live guards the service's records; a snapshot is taken and encoded
	// under it, as the copies may share memory with the live records.
	live sync.Locker

	// saving orders saves: each takes its snapshot after taking saving,
	// so the last write is never older than a change that called for an
	// earlier one.
	saving sync.Mutex
}

// New is the state of the service named service (in errors) in dir, whose
// records live guards.
func New(dir, service string, live sync.Locker) *Store {
	return &Store{dir: dir, service: service, live: live}
}

// Path is the state file.
func (s *Store) Path() string { return filepath.Join(s.dir, "state.json") }

// Load makes the data dir if need be and reads the saved state into v; it
// reports false, leaving v as it was, when nothing was saved yet.
func (s *Store) Load(v any) (bool, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return false, fmt.Errorf("cannot create the %s data dir: %w", s.service, err)
	}
	b, err := os.ReadFile(s.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot read the saved %s state: %w", s.service, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("cannot parse the saved %s state %s: %w", s.service, s.Path(), err)
	}
	return true, nil
}

// Save writes the whole state, what snapshot returns with the service's
// records locked.
func (s *Store) Save(snapshot func() any) error {
	s.saving.Lock()
	defer s.saving.Unlock()
	s.live.Lock()
	b, err := json.MarshalIndent(snapshot(), "", "  ")
	s.live.Unlock()
	if err != nil {
		return fmt.Errorf("cannot encode the state: %w", err)
	}
	if err := Write(s.Path(), b, 0o600); err != nil {
		return fmt.Errorf("cannot save the state: %w", err)
	}
	return nil
}

// Records is a snapshot of a service's records for Save: a copy of each,
// changed by fix when it is set (to record what the service keeps
// elsewhere, such as its state), in the order of their keys, so that the
// file changes only with them.
func Records[T any](m map[string]*T, fix func(*T)) []*T {
	var out []*T
	for _, k := range slices.Sorted(maps.Keys(m)) {
		c := *m[k]
		if fix != nil {
			fix(&c)
		}
		out = append(out, &c)
	}
	return out
}
