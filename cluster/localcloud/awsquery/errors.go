package awsquery

import (
	"errors"
	"fmt"
)

// Error is an API error as the Query protocol reports it: a code the SDK
// maps to a typed error, a message, and the HTTP status that goes with it.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// MissingParameter is RDS's and ElastiCache's answer to an absent required parameter.
func MissingParameter(name string) *Error {
	return Errorf(400, "MissingParameter", "The request must contain the parameter %s", name)
}

// InvalidParameterValue reports a parameter whose value is not acceptable.
func InvalidParameterValue(format string, args ...any) *Error {
	return Errorf(400, "InvalidParameterValue", format, args...)
}

// InvalidParameterCombination reports parameters that are fine alone but not together.
func InvalidParameterCombination(format string, args ...any) *Error {
	return Errorf(400, "InvalidParameterCombination", format, args...)
}

// InvalidAction reports an action the service does not implement.
func InvalidAction(action string) *Error {
	return Errorf(400, "InvalidAction", "The action %s is not valid for this web service.", action)
}

// coded is what other packages' errors (sigv4) implement to choose their
// code and status without importing this package.
type coded interface {
	error
	ErrorCode() string
	HTTPStatus() int
}

// asError turns any error into the *Error written on the wire. Errors that
// carry no code are internal: their text stays in the server's log, and
// the client gets InternalFailure.
func asError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var c coded
	if errors.As(err, &c) {
		msg := c.Error()
		if m, ok := c.(interface{ ErrorMessage() string }); ok {
			msg = m.ErrorMessage()
		}
		return &Error{Status: c.HTTPStatus(), Code: c.ErrorCode(), Message: msg}, true
	}
	return &Error{Status: 500, Code: "InternalFailure", Message: "The request processing has failed because of an unknown error."}, false
}
