package statefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type record struct {
	Name  string
	Count int `json:",omitempty"`
}

type state struct {
	Records []record
}

func TestStore(t *testing.T) {
	cases := map[string]struct {
		reason    string
		saved     string // state.json before Load; "" means none
		save      *state
		want      state
		wantFound bool
		wantErr   string
	}{
		"NothingSaved": {
			reason: "A first start has no state: Load says so and leaves v alone.",
			want:   state{Records: []record{{Name: "untouched"}}},
		},
		"RoundTrip": {
			reason:    "What Save wrote, Load reads back.",
			save:      &state{Records: []record{{Name: "a", Count: 2}, {Name: "b"}}},
			want:      state{Records: []record{{Name: "a", Count: 2}, {Name: "b"}}},
			wantFound: true,
		},
		"OlderFormat": {
			reason:    "A state written before a field existed still loads.",
			saved:     `{"Records": [{"Name": "a"}], "Gone": 1}`,
			want:      state{Records: []record{{Name: "a"}}},
			wantFound: true,
		},
		"Corrupt": {
			reason:  "A state that is not JSON is refused, naming the file.",
			saved:   `{"Records": [`,
			want:    state{Records: []record{{Name: "untouched"}}},
			wantErr: "cannot parse the saved Test state ",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "svc")
			var mu sync.Mutex
			s := New(dir, "Test", &mu)
			if tc.saved != "" {
				if err := Write(s.Path(), []byte(tc.saved), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tc.save != nil {
				if err := s.Save(func() any { return tc.save }); err != nil {
					t.Fatalf("Save: %v", err)
				}
			}
			got := state{Records: []record{{Name: "untouched"}}}
			found, err := s.Load(&got)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("\n%s\nLoad: want an error containing %q, got %v", tc.reason, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nLoad: %v", tc.reason, err)
			}
			if found != tc.wantFound {
				t.Errorf("\n%s\nLoad found: want %t, got %t", tc.reason, tc.wantFound, found)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nLoad: -want +got:\n%s", tc.reason, diff)
			}
			if _, err := os.Stat(dir); err != nil {
				t.Errorf("\n%s\nthe data dir: %v", tc.reason, err)
			}
		})
	}
}

func TestSaveHoldsTheServiceLock(t *testing.T) {
	var mu sync.Mutex
	s := New(t.TempDir(), "Test", &mu)
	held := false
	if err := s.Save(func() any { held = !mu.TryLock(); return state{} }); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if !held {
		t.Errorf("the snapshot ran without the service's lock")
	}
	if !mu.TryLock() {
		t.Errorf("Save left the service's lock held")
	}
}

func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "instances", "db", "auth.json")
	// A temporary file a crash left behind, readable by anyone.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp", []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, map[string]string{"Secret": "s3cret"}); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode: want 0600, got %o", fi.Mode().Perm())
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file: want gone, got %v", err)
	}
	got, err := ReadJSON[map[string]string](path)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"Secret": "s3cret"}, got); diff != "" {
		t.Errorf("ReadJSON: -want +got:\n%s", diff)
	}
	if _, err := ReadJSON[map[string]string](filepath.Join(filepath.Dir(path), "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadJSON of a missing file: want fs.ErrNotExist, got %v", err)
	}
}

func TestRecords(t *testing.T) {
	live := map[string]*record{"b": {Name: "b"}, "a": {Name: "a", Count: 1}}
	got := Records(live, func(r *record) { r.Count++ })
	want := []*record{{Name: "a", Count: 2}, {Name: "b", Count: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Records: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]*record{"b": {Name: "b"}, "a": {Name: "a", Count: 1}}, live); diff != "" {
		t.Errorf("the live records changed: -want +got:\n%s", diff)
	}
	if got := Records[record](nil, nil); got != nil {
		t.Errorf("Records of none: want nil (saved as null, as before), got %v", got)
	}
}
