package errmsg

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// codeError stands for a cloud error type the controllers look for.
type codeError struct{ code string }

func (e *codeError) Error() string { return "api error " + e.code + " (request id 42)" }

func TestReplace(t *testing.T) {
	part := &codeError{code: "NotFound"}
	cases := map[string]struct {
		reason string
		err    error
		part   error
		msg    string
		want   string
	}{
		"Wrapped": {
			reason: "What was wrapped around the part reads as before.",
			err:    fmt.Errorf("cannot get bucket: %w", part),
			part:   part,
			msg:    "NotFound",
			want:   "cannot get bucket: NotFound",
		},
		"Itself": {
			reason: "The part may be the error itself.",
			err:    part,
			part:   part,
			msg:    "NotFound",
			want:   "NotFound",
		},
		"Once": {
			reason: "Only the first occurrence is replaced: the part's message occurs once in an error that wraps it.",
			err:    fmt.Errorf("%w; %w", part, part),
			part:   part,
			msg:    "NotFound",
			want:   "NotFound; api error NotFound (request id 42)",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Replace(tc.err, tc.part, tc.msg)
			if diff := cmp.Diff(tc.want, got.Error()); diff != "" {
				t.Errorf("\n%s\nReplace(...): -want message, +got:\n%s", tc.reason, diff)
			}
			var ce *codeError
			if !errors.As(got, &ce) || ce != part {
				t.Errorf("\n%s\nReplace(...): errors.As does not find the part in %v", tc.reason, got)
			}
			if !errors.Is(got, part) {
				t.Errorf("\n%s\nReplace(...): errors.Is does not find the part in %v", tc.reason, got)
			}
		})
	}

	t.Run("Unchanged", func(t *testing.T) {
		err := fmt.Errorf("cannot open: %w", fs.ErrNotExist)
		if got := Replace(err, fs.ErrNotExist, fs.ErrNotExist.Error()); got != err {
			t.Errorf("an error whose message does not change should be returned as it is, got %#v", got)
		}
	})
}
