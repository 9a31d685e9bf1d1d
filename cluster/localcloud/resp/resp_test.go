package resp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDo(t *testing.T) {
	cases := map[string]struct {
		reason  string
		reply   string
		want    any
		wantErr error
	}{
		"Simple":  {reason: "A simple string is a string.", reply: "+OK\r\n", want: "OK"},
		"Integer": {reason: "An integer is an int64.", reply: ":42\r\n", want: int64(42)},
		"Bulk":    {reason: "A bulk string may hold CR LF.", reply: "$7\r\nab\r\ncde\r\n", want: "ab\r\ncde"},
		"Nil":     {reason: "A nil bulk string is nil.", reply: "$-1\r\n", want: nil},
		"Array":   {reason: "An array holds its elements' replies.", reply: "*2\r\n$1\r\na\r\n:1\r\n", want: []any{"a", int64(1)}},
		"Error":   {reason: "An error reply is an Error.", reply: "-WRONGPASS invalid username-password pair\r\n", wantErr: Error("WRONGPASS invalid username-password pair")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			sent := make(chan string, 1)
			go func() {
				defer server.Close()
				b := make([]byte, len("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"))
				_, _ = io.ReadFull(server, b)
				sent <- string(b)
				_, _ = io.WriteString(server, tc.reply)
			}()
			c := &Conn{c: client, r: bufio.NewReader(client)}
			got, err := c.Do("GET", "key")
			if diff := cmp.Diff("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", <-sent); diff != "" {
				t.Errorf("\n%s\nthe command sent: -want +got:\n%s", tc.reason, diff)
			}
			if tc.wantErr != nil {
				var re Error
				if !errors.As(err, &re) || re != tc.wantErr {
					t.Errorf("\n%s\nDo: want error %v, got %v", tc.reason, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nDo: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nDo: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDialRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := Dial(context.Background(), addr, nil); err == nil {
		t.Errorf("Dial of a closed port: want an error, got nil")
	}
}
