package gcpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/addrpool"
)

// TimeFormat is how Google's JSON APIs write a timestamp (RFC 3339, UTC,
// milliseconds).
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Timestamp formats t as Google does; the zero time is "".
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// UUID returns a random RFC 4122 version 4 UUID, as Cloud SQL names its
// operations.
func UUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// OperationID returns a name shaped like the long-running operations of
// Google's newer APIs: operation-<unix ms>-<hex>-<hex>-<hex>.
func OperationID(now time.Time) string {
	b := make([]byte, 14)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("operation-%d-%s-%s-%s", now.UnixMilli(), h[:13], h[13:21], h[21:])
}

// Addresses hands out the loopback addresses of one range (a network of
// the local cloud's Google Cloud) to resources, from its fifth address on,
// as Google keeps the first ones of a subnet. The services keep their
// addresses in their own state and claim them again when they load it.
// No method calls out, so a service may call them holding its lock.
type Addresses struct {
	prefix netip.Prefix
	pool   addrpool.Pool
}

// NewAddresses serves the range cidr, e.g. "127.10.0.0/16".
func NewAddresses(cidr string) *Addresses {
	return &Addresses{prefix: netip.MustParsePrefix(cidr)}
}

// Prefix is the range served.
func (a *Addresses) Prefix() netip.Prefix { return a.prefix }

// Allocate hands the lowest free address to owner until Release.
func (a *Addresses) Allocate(owner string) (netip.Addr, error) {
	addr, ok := a.pool.Allocate(a.prefix, 4, 0, owner)
	if !ok {
		return netip.Addr{}, Errorf(http.StatusServiceUnavailable, "", "The local cloud has no free address left in %s.", a.prefix)
	}
	return addr, nil
}

// Claim gives owner back an address it saved; one another owner holds is
// refused.
func (a *Addresses) Claim(addr netip.Addr, owner string) error { return a.pool.Claim(addr, owner) }

// Release frees an address once its resource is gone.
func (a *Addresses) Release(addr netip.Addr) { a.pool.Release(addr) }
