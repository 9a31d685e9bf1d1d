package ec2

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

// TestTags drives CreateTags and DeleteTags on two groups and compares
// both groups' tags after each call.
func TestTags(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	one := createGroup(t, c, "one", tags("a", "1")...)
	two := createGroup(t, c, "two")
	create := func(ids []string, tt ...types.Tag) func() error {
		return func() error {
			_, err := c.CreateTags(ctx, &awsec2.CreateTagsInput{Resources: ids, Tags: tt})
			return err
		}
	}
	remove := func(ids []string, tt ...types.Tag) func() error {
		return func() error {
			_, err := c.DeleteTags(ctx, &awsec2.DeleteTagsInput{Resources: ids, Tags: tt})
			return err
		}
	}
	steps := []struct {
		reason string
		call   func() error
		want   [2]string
	}{
		{"CreateTags adds and replaces, on every resource named.", create([]string{one, two}, tags("b", "2", "a", "one")...), [2]string{"a=one,b=2", "a=one,b=2"}},
		{"A key sent without a value is deleted whatever its value.", remove([]string{one}, types.Tag{Key: aws.String("a")}), [2]string{"b=2", "a=one,b=2"}},
		{"A key sent with another value stays.", remove([]string{one}, tags("b", "3")...), [2]string{"b=2", "a=one,b=2"}},
		{"A key sent with its value is deleted.", remove([]string{one}, tags("b", "2")...), [2]string{"", "a=one,b=2"}},
		{"A tag created without a value has an empty one.", create([]string{one}, types.Tag{Key: aws.String("flag")}), [2]string{"flag=", "a=one,b=2"}},
		{"DeleteTags without tags deletes them all.", remove([]string{two}), [2]string{"flag=", ""}},
	}
	for i, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("step %d: %s\n%v", i, st.reason, err)
		}
		got := [2]string{describeGroup(t, c, one).Tags, describeGroup(t, c, two).Tags}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}
}
