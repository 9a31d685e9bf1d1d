//go:build integration

package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	ecv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	redisv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	sqlv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	gcsv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
)

// gcpToken is the access token the test token endpoint hands out.
const gcpToken = "ya29.appinfra-test-token"

// Database passwords the tests set: canaries like the credentials.
const (
	rotatedDBPassword  = "rotated-Passw0rd-for-it-pg-0001"
	importedDBPassword = "created-outside-0001"
)

// managedLists are empty lists of every managed resource kind.
func managedLists() []client.ObjectList {
	return []client.ObjectList{&s3v1alpha1.BucketList{}, &gcsv1alpha1.BucketList{}, &rdsv1alpha1.DBInstanceList{}, &ecv1alpha1.ReplicationGroupList{}, &sqlv1alpha1.DatabaseInstanceList{}, &redisv1alpha1.InstanceList{}}
}

// seen keeps every condition message any managed resource had during the
// run, including resources deleted before the end, for the leak check.
var seen struct {
	sync.Mutex
	messages map[string]bool
	events   int
}

// watchConditions records the conditions of every Bucket of both kinds
// until ctx ends.
func watchConditions(ctx context.Context, w client.WithWatch) error {
	seen.messages = map[string]bool{}
	for _, list := range managedLists() {
		wi, err := w.Watch(ctx, list)
		if err != nil {
			return err
		}
		go func() {
			defer wi.Stop()
			for ev := range wi.ResultChan() {
				if ev.Type == watch.Error {
					continue
				}
				cd, ok := ev.Object.(interface {
					GetCondition(xpv2.ConditionType) xpv2.Condition
				})
				if !ok {
					continue
				}
				seen.Lock()
				seen.events++
				for _, ct := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
					seen.messages[cd.GetCondition(ct).Message] = true
				}
				seen.Unlock()
			}
		}()
	}
	return nil
}

func checkSeenConditions() error {
	seen.Lock()
	defer seen.Unlock()
	if seen.events == 0 {
		return fmt.Errorf("no managed resource changes were watched, so the condition check proves nothing")
	}
	for m := range seen.messages {
		for _, c := range canaries {
			if strings.Contains(m, c) {
				return fmt.Errorf("a secret appeared in a managed resource's condition during the run")
			}
		}
	}
	fmt.Printf("credentials leak check: %d distinct condition messages over %d watched changes clean\n", len(seen.messages), seen.events)
	return nil
}
