// Package errmsg gives an error a shorter message that still unwraps to
// the original. The cloud clients use it to take transport detail, which
// changes from one attempt to the next (request IDs, URLs, debug dumps),
// out of the messages conditions and events show, while errors.Is and
// errors.As still find the codes and types the controllers test.
package errmsg

import "strings"

// Replace is err with the message of part, err itself or one of the errors
// it wraps, replaced by msg within err's message, so that what callers
// wrapped around part reads as before. It unwraps to err. An error whose
// message would not change is returned as it is.
func Replace(err, part error, msg string) error {
	whole := strings.Replace(err.Error(), part.Error(), msg, 1)
	if whole == err.Error() {
		return err
	}
	return messageOnly{msg: whole, err: err}
}

// messageOnly is an error with another message that still unwraps to the
// original, so codes and types stay found.
type messageOnly struct {
	msg string
	err error
}

func (m messageOnly) Error() string { return m.msg }
func (m messageOnly) Unwrap() error { return m.err }
