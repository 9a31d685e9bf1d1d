package awsquery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	body := "Action=CreateDBInstance&Version=2014-10-31&DBInstanceIdentifier=db1&AllocatedStorage=20&MultiAZ=true" +
		"&VpcSecurityGroupIds.VpcSecurityGroupId.2=sg-b&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-a" +
		"&Tags.Tag.1.Key=team&Tags.Tag.1.Value=payments&Tags.Tag.2.Key=env&Tags.Tag.2.Value=dev&TagKeys.member.1=x"
	r, err := Decode(url.Values{}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := r.String("DBInstanceIdentifier")
	storage, _ := r.Int("AllocatedStorage")
	multiAZ, _ := r.Bool("MultiAZ")
	absent, _ := r.Bool("DeletionProtection")
	type decoded struct {
		Action, Version, ID string
		Storage             int32
		MultiAZ             bool
		AbsentIsNil         bool
		Groups, Keys        []string
		Tags                []map[string]string
	}
	got := decoded{r.Action, r.Version, id, *storage, *multiAZ, absent == nil,
		r.List("VpcSecurityGroupIds.VpcSecurityGroupId"), r.List("TagKeys.member"), r.Structs("Tags.Tag")}
	want := decoded{"CreateDBInstance", "2014-10-31", "db1", 20, true, true,
		[]string{"sg-a", "sg-b"}, []string{"x"}, []map[string]string{{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "dev"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode: -want +got:\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]struct {
		reason string
		body   string
		check  func(*Request) error
		want   string
	}{
		"NoAction":     {reason: "Every call names its action.", body: "Version=2014-10-31", want: "MissingAction"},
		"MissingParam": {reason: "Required reports the parameter.", body: "Action=X", check: func(r *Request) error { _, err := r.Required("Engine"); return err }, want: "MissingParameter"},
		"BadBool":      {reason: "Booleans are true or false.", body: "Action=X&MultiAZ=maybe", check: func(r *Request) error { _, err := r.Bool("MultiAZ"); return err }, want: "InvalidParameterValue"},
		"BadInt":       {reason: "Integers are integers.", body: "Action=X&Port=eighty", check: func(r *Request) error { _, err := r.Int("Port"); return err }, want: "InvalidParameterValue"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := Decode(nil, []byte(tc.body))
			if err == nil && tc.check != nil {
				err = tc.check(r)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s\nwant *Error, got %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, e.Code); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

type result struct {
	Name  string
	Items []string `xml:"Items>Item"`
}

type codedErr struct{}

func (codedErr) Error() string     { return "denied" }
func (codedErr) ErrorCode() string { return "SignatureDoesNotMatch" }
func (codedErr) HTTPStatus() int   { return 403 }

func TestEndpoint(t *testing.T) {
	const ns = "http://example.com/doc/2020-01-01/"
	svc := Service{Namespace: ns, Actions: map[string]Handler{
		"Get":  func(context.Context, *Request) (any, error) { return result{Name: "a<b", Items: []string{"x"}}, nil },
		"Void": func(context.Context, *Request) (any, error) { return nil, nil },
		"Fail": func(context.Context, *Request) (any, error) {
			return nil, Errorf(404, "ThingNotFound", "Thing %s not found.", "t1")
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
			reason: "A result is wrapped in Response and Result elements with the namespace.", body: "Action=Get", wantStatus: 200,
			wantBody: `<GetResponse xmlns="` + ns + `"><GetResult><Name>a&lt;b</Name><Items><Item>x</Item></Items></GetResult><ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></GetResponse>`,
		},
		"EmptyResult": {
			reason: "Actions without output still have a Result element.", body: "Action=Void", wantStatus: 200,
			wantBody: `<VoidResponse xmlns="` + ns + `"><VoidResult></VoidResult><ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></VoidResponse>`,
		},
		"APIError": {
			reason: "API errors keep their code and status.", body: "Action=Fail", wantStatus: 404,
			wantBody: `<ErrorResponse xmlns="` + ns + `"><Error><Type>Sender</Type><Code>ThingNotFound</Code><Message>Thing t1 not found.</Message></Error><RequestId>ID</RequestId></ErrorResponse>`,
		},
		"InternalError": {
			reason: "Other errors are InternalFailure and do not leak their text.", body: "Action=Crash", wantStatus: 500,
			wantBody: `<ErrorResponse xmlns="` + ns + `"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>The request processing has failed because of an unknown error.</Message></Error><RequestId>ID</RequestId></ErrorResponse>`,
		},
		"UnknownAction": {
			reason: "An action no service has is InvalidAction.", body: "Action=Nope", wantStatus: 400,
			wantBody: `<ErrorResponse xmlns="` + ns + `"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The action Nope is not valid for this web service.</Message></Error><RequestId>ID</RequestId></ErrorResponse>`,
		},
		"AuthError": {
			reason: "Errors from other packages carry their own code and status.", body: "Action=Get", auth: codedErr{}, wantStatus: 403,
			wantBody: `<ErrorResponse xmlns="` + ns + `"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>denied</Message></Error><RequestId>ID</RequestId></ErrorResponse>`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &Endpoint{
				Authenticate: func(*http.Request, []byte) (string, error) { return "svc", tc.auth },
				Services:     map[string]Service{"svc": svc},
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
