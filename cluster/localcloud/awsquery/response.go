package awsquery

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
)

// WriteResult writes
// <{Action}Response xmlns=NS><{Action}Result>result</{Action}Result><ResponseMetadata>...
// The SDK reads only the Result element; it is written even for actions
// without output so that every response has the same shape.
func WriteResult(w http.ResponseWriter, namespace, action, requestID string, result any) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, action, escape(namespace))
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: action + "Result"}}
	if result == nil {
		result = struct{}{}
	}
	if err := enc.EncodeElement(result, start); err != nil {
		return fmt.Errorf("cannot encode %s result: %w", action, err)
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&buf, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, escape(requestID), action)
	write(w, http.StatusOK, requestID, buf.Bytes())
	return nil
}

// WriteError writes the ErrorResponse document with the error's status.
// Errors without a code become InternalFailure (500).
func WriteError(w http.ResponseWriter, namespace, requestID string, err error) {
	e, _ := asError(err)
	var buf bytes.Buffer
	buf.WriteString(`<ErrorResponse`)
	if namespace != "" {
		fmt.Fprintf(&buf, ` xmlns="%s"`, escape(namespace))
	}
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	fmt.Fprintf(&buf, `><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		typ, escape(e.Code), escape(e.Message), escape(requestID))
	write(w, e.Status, requestID, buf.Bytes())
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// NewRequestID returns a random id in the UUID shape AWS uses.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
