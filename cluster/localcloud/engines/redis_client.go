package engines

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/resp"
)

// dialRedis connects to the node on 127.0.0.1:port, over TLS verified
// against caFile when it is set.
func dialRedis(ctx context.Context, port int, caFile string) (*resp.Conn, error) {
	var cfg *tls.Config
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", caFile)
		}
		cfg = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return resp.Dial(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cfg)
}
