package awsquery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type ec2Result struct {
	GroupID string   `xml:"groupId"`
	Items   []string `xml:"itemSet>item"`
}

func TestEC2Endpoint(t *testing.T) {
	const ns = "http://ec2.amazonaws.com/doc/2016-11-15/"
	svc := Service{Namespace: ns, Protocol: EC2Query, Actions: map[string]Handler{
		"Get": func(context.Context, *Request) (any, error) {
			return ec2Result{GroupID: "sg-1<", Items: []string{"x"}}, nil
		},
		"Void": func(context.Context, *Request) (any, error) { return nil, nil },
		"Fail": func(context.Context, *Request) (any, error) {
			return nil, Errorf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", "sg-1")
		},
		"Crash": func(context.Context, *Request) (any, error) { return nil, errors.New("disk on fire") },
	}}
	cases := map[string]struct {
		reason     string
		body       string
		auth       error
		wantStatus int
		wantBody   string
	}{
		"Result": {
			reason: "The result's members sit in the Response element after requestId, with no Result element.", body: "Action=Get", wantStatus: 200,
			wantBody: `<GetResponse xmlns="` + ns + `"><requestId>ID</requestId><groupId>sg-1&lt;</groupId><itemSet><item>x</item></itemSet></GetResponse>`,
		},
		"EmptyResult": {
			reason: "Actions without output answer a Response with only the requestId.", body: "Action=Void", wantStatus: 200,
			wantBody: `<VoidResponse xmlns="` + ns + `"><requestId>ID</requestId></VoidResponse>`,
		},
		"APIError": {
			reason: "API errors keep their code and status in EC2's Response/Errors document.", body: "Action=Fail", wantStatus: 400,
			wantBody: `<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security group &#39;sg-1&#39; does not exist</Message></Error></Errors><RequestID>ID</RequestID></Response>`,
		},
		"InternalError": {
			reason: "Other errors are EC2's InternalError and do not leak their text.", body: "Action=Crash", wantStatus: 500,
			wantBody: `<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred</Message></Error></Errors><RequestID>ID</RequestID></Response>`,
		},
		"UnknownAction": {
			reason: "An action the service lacks is InvalidAction, in EC2's shape.", body: "Action=Nope", wantStatus: 400,
			wantBody: `<Response><Errors><Error><Code>InvalidAction</Code><Message>The action Nope is not valid for this web service.</Message></Error></Errors><RequestID>ID</RequestID></Response>`,
		},
		"AuthError": {
			reason: "A refused signature is written in the shape the signing service's client parses.", body: "Action=Get", auth: codedErr{}, wantStatus: 403,
			wantBody: `<Response><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>denied</Message></Error></Errors><RequestID>ID</RequestID></Response>`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &Endpoint{
				Authenticate: func(*http.Request, []byte) (string, error) { return "ec2", tc.auth },
				Services:     map[string]Service{"ec2": svc},
				Logf:         t.Logf,
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body)))
			id := w.Header().Get("x-amzn-RequestId")
			got := struct {
				Status int
				Body   string
			}{w.Code, strings.ReplaceAll(w.Body.String(), id, "ID")}
			want := struct {
				Status int
				Body   string
			}{tc.wantStatus, tc.wantBody}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestItems(t *testing.T) {
	body := "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1" +
		"&IpPermissions.2.IpProtocol=udp&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=5432" +
		"&IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0%2F8&IpPermissions.1.IpRanges.1.CidrIp=127.0.0.0%2F16" +
		"&IpPermissions.1.IpRanges.1.Description=local&IpPermissions.1.Groups.1.GroupId=sg-2&Filter.1.Value.1=a"
	r, err := Decode(nil, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	type permission struct {
		Protocol string
		FromPort int32
		Ranges   []map[string]string
		Groups   []string
	}
	var got []permission
	for _, p := range r.Items("IpPermissions") {
		proto, _ := p.String("IpProtocol")
		from, _ := p.Int("FromPort")
		perm := permission{Protocol: proto, Ranges: p.Structs("IpRanges")}
		if from != nil {
			perm.FromPort = *from
		}
		for _, g := range p.Items("Groups") {
			id, _ := g.String("GroupId")
			perm.Groups = append(perm.Groups, id)
		}
		got = append(got, perm)
	}
	want := []permission{
		{Protocol: "tcp", FromPort: 5432, Ranges: []map[string]string{{"CidrIp": "127.0.0.0/16", "Description": "local"}, {"CidrIp": "10.0.0.0/8"}}, Groups: []string{"sg-2"}},
		{Protocol: "udp"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Items: -want +got:\n%s", diff)
	}
}
