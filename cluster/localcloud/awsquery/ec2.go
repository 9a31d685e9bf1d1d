package awsquery

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
)

// WriteEC2Result writes the ec2Query result document
// <{Action}Response xmlns=NS><requestId>..</requestId>members</{Action}Response>:
// unlike awsQuery there is no Result element, so the result's own element
// is dropped and its members are written in the Response element.
func WriteEC2Result(w http.ResponseWriter, namespace, action, requestID string, result any) error {
	if result == nil {
		result = struct{}{}
	}
	members, err := innerXML(result)
	if err != nil {
		return fmt.Errorf("cannot encode %s result: %w", action, err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s"><requestId>%s</requestId>`, action, escape(namespace), escape(requestID))
	buf.Write(members)
	fmt.Fprintf(&buf, `</%sResponse>`, action)
	write(w, http.StatusOK, requestID, buf.Bytes())
	return nil
}

// innerXML encodes v in a throwaway element and returns what is inside it.
func innerXML(v any) ([]byte, error) {
	const open, end = "<x>", "</x>"
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte(open)) || !bytes.HasSuffix(b, []byte(end)) {
		return nil, fmt.Errorf("a %T does not encode as one element", v)
	}
	return b[len(open) : len(b)-len(end)], nil
}

// WriteEC2Error writes the ec2Query error document
// <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
// with the error's status. Errors without a code become EC2's
// InternalError (500), whose text stays in the server's log.
func WriteEC2Error(w http.ResponseWriter, requestID string, err error) {
	e, ok := asError(err)
	if !ok {
		e = &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "An internal error has occurred"}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
		escape(e.Code), escape(e.Message), escape(requestID))
	write(w, e.Status, requestID, buf.Bytes())
}
