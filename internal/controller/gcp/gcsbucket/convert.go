package gcsbucket

import (
	"fmt"
	"maps"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"

	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// The fields of a bucket the provider manages, by their spec names.
const (
	fieldStorageClass = "storageClass"
	fieldVersioning   = "versioning"
	fieldLabels       = "labels"
	fieldUBLA         = "uniformBucketLevelAccess"
	fieldPAP          = "publicAccessPrevention"
	fieldLifecycle    = "lifecycleRules"
	fieldRetention    = "retentionPolicy"
	fieldKMSKey       = "defaultKMSKeyName"
)

const dateLayout = "2006-01-02"

// desired is the spec with the provider's own labels added.
func desired(cr *v1alpha1.Bucket) v1alpha1.BucketParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	p.Labels = gcplabels.Desired(cr, v1alpha1.BucketGroupVersionKind.GroupKind(), p.Labels)
	return p
}

// validate checks what admission cannot: label values (a per-value
// pattern is over the CEL cost budget) and that every createdBefore is a
// real date, since a rule that lost its date would match more objects.
func validate(p v1alpha1.BucketParameters) error {
	if err := gcplabels.Check("GCS", p.Labels); err != nil {
		return err
	}
	for i, r := range p.LifecycleRules {
		if d := r.Condition.CreatedBefore; d != nil {
			if _, err := time.Parse(dateLayout, *d); err != nil {
				return xperrors.Errorf("lifecycleRules[%d].condition.createdBefore %q is not a date (YYYY-MM-DD)", i, *d)
			}
		}
	}
	return nil
}

// parameters is what a bucket's attributes say, in spec terms.
func parameters(a *storage.BucketAttrs) v1alpha1.BucketParameters {
	p := v1alpha1.BucketParameters{
		Location:                 a.Location,
		StorageClass:             ptr.To(a.StorageClass),
		Versioning:               ptr.To(a.VersioningEnabled),
		Labels:                   maps.Clone(a.Labels),
		UniformBucketLevelAccess: ptr.To(a.UniformBucketLevelAccess.Enabled),
		PublicAccessPrevention:   ptr.To(publicAccessPrevention(a.PublicAccessPrevention)),
		LifecycleRules:           lifecycleRules(a.Lifecycle.Rules),
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	if a.RetentionPolicy != nil {
		p.RetentionPolicy = &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: int64(a.RetentionPolicy.RetentionPeriod / time.Second)}
	}
	if a.Encryption != nil && a.Encryption.DefaultKMSKeyName != "" {
		p.DefaultKMSKeyName = ptr.To(a.Encryption.DefaultKMSKeyName)
	}
	return p
}

func publicAccessPrevention(p storage.PublicAccessPrevention) string {
	if p == storage.PublicAccessPreventionEnforced {
		return v1alpha1.PublicAccessPreventionEnforced
	}
	// GCS reports "inherited" (formerly "unspecified") when not enforced.
	return v1alpha1.PublicAccessPreventionInherited
}

func toPublicAccessPrevention(s string) storage.PublicAccessPrevention {
	if s == v1alpha1.PublicAccessPreventionEnforced {
		return storage.PublicAccessPreventionEnforced
	}
	return storage.PublicAccessPreventionInherited
}

// configured lists the fields p manages.
func configured(p v1alpha1.BucketParameters) []string {
	var f []string
	add := func(set bool, field string) {
		if set {
			f = append(f, field)
		}
	}
	add(p.StorageClass != nil, fieldStorageClass)
	add(p.Versioning != nil, fieldVersioning)
	add(p.Labels != nil, fieldLabels)
	add(p.UniformBucketLevelAccess != nil, fieldUBLA)
	add(p.PublicAccessPrevention != nil, fieldPAP)
	add(p.LifecycleRules != nil, fieldLifecycle)
	add(p.RetentionPolicy != nil, fieldRetention)
	add(p.DefaultKMSKeyName != nil, fieldKMSKey)
	return f
}

// drifted lists the fields want manages that got does not match.
func drifted(want, got v1alpha1.BucketParameters) []string {
	var f []string
	for _, field := range configured(want) {
		var same bool
		switch field {
		case fieldStorageClass:
			same = ptr.Deref(got.StorageClass, "") == *want.StorageClass
		case fieldVersioning:
			same = ptr.Deref(got.Versioning, false) == *want.Versioning
		case fieldLabels:
			same = maps.Equal(want.Labels, got.Labels)
		case fieldUBLA:
			same = ptr.Deref(got.UniformBucketLevelAccess, false) == *want.UniformBucketLevelAccess
		case fieldPAP:
			same = ptr.Deref(got.PublicAccessPrevention, "") == *want.PublicAccessPrevention
		case fieldLifecycle:
			// Compare what GCS can store: the round trip through the
			// client's types drops what it cannot tell apart (ANY vs unset).
			same = cmp.Equal(lifecycleRules(toLifecycle(want.LifecycleRules).Rules), got.LifecycleRules, cmpopts.EquateEmpty())
		case fieldRetention:
			same = got.RetentionPolicy != nil && *got.RetentionPolicy == *want.RetentionPolicy
		case fieldKMSKey:
			same = ptr.Deref(got.DefaultKMSKeyName, "") == *want.DefaultKMSKeyName
		}
		if !same {
			f = append(f, field)
		}
	}
	return f
}

// diff is a readable difference of the fields want manages, for debug logs.
func diff(want, got v1alpha1.BucketParameters) string {
	if len(drifted(want, got)) == 0 {
		return ""
	}
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

// withSecureDefaults fills what a new bucket gets when the spec leaves it
// unset: uniform bucket-level access and enforced public access prevention.
// An existing bucket is never given these; its own settings are
// late-initialised instead (turning on uniform access breaks object ACLs).
func withSecureDefaults(p v1alpha1.BucketParameters) v1alpha1.BucketParameters {
	if p.UniformBucketLevelAccess == nil {
		p.UniformBucketLevelAccess = ptr.To(true)
	}
	if p.PublicAccessPrevention == nil {
		p.PublicAccessPrevention = ptr.To(v1alpha1.PublicAccessPreventionEnforced)
	}
	return p
}

// lateInitialize fills the spec fields every bucket has a value for.
func lateInitialize(spec *v1alpha1.BucketParameters, got v1alpha1.BucketParameters) bool {
	changed := false
	if spec.UniformBucketLevelAccess == nil && got.UniformBucketLevelAccess != nil {
		spec.UniformBucketLevelAccess, changed = ptr.To(*got.UniformBucketLevelAccess), true
	}
	if spec.PublicAccessPrevention == nil && got.PublicAccessPrevention != nil {
		spec.PublicAccessPrevention, changed = ptr.To(*got.PublicAccessPrevention), true
	}
	if spec.StorageClass == nil && ptr.Deref(got.StorageClass, "") != "" {
		spec.StorageClass, changed = ptr.To(*got.StorageClass), true
	}
	if spec.Versioning == nil && got.Versioning != nil {
		spec.Versioning, changed = ptr.To(*got.Versioning), true
	}
	return changed
}

func createAttrs(p v1alpha1.BucketParameters) *storage.BucketAttrs {
	a := &storage.BucketAttrs{
		Location:          p.Location,
		StorageClass:      ptr.Deref(p.StorageClass, ""),
		VersioningEnabled: ptr.Deref(p.Versioning, false),
		Labels:            p.Labels,
	}
	if p.UniformBucketLevelAccess != nil {
		a.UniformBucketLevelAccess = storage.UniformBucketLevelAccess{Enabled: *p.UniformBucketLevelAccess}
	}
	if p.PublicAccessPrevention != nil {
		a.PublicAccessPrevention = toPublicAccessPrevention(*p.PublicAccessPrevention)
	}
	if p.LifecycleRules != nil {
		a.Lifecycle = *toLifecycle(p.LifecycleRules)
	}
	if p.RetentionPolicy != nil {
		a.RetentionPolicy = &storage.RetentionPolicy{RetentionPeriod: time.Duration(p.RetentionPolicy.RetentionPeriodSeconds) * time.Second}
	}
	if p.DefaultKMSKeyName != nil {
		a.Encryption = &storage.BucketEncryption{DefaultKMSKeyName: *p.DefaultKMSKeyName}
	}
	return a
}

// updateAttrs sends only the fields that differ, so a PATCH never resets a
// setting the spec does not manage.
func updateAttrs(want, got v1alpha1.BucketParameters, fields []string) storage.BucketAttrsToUpdate {
	var u storage.BucketAttrsToUpdate
	for _, f := range fields {
		switch f {
		case fieldStorageClass:
			u.StorageClass = *want.StorageClass
		case fieldVersioning:
			u.VersioningEnabled = *want.Versioning
		case fieldLabels:
			for k, v := range want.Labels {
				if cur, ok := got.Labels[k]; !ok || cur != v {
					u.SetLabel(k, v)
				}
			}
			for k := range got.Labels {
				if _, ok := want.Labels[k]; !ok {
					u.DeleteLabel(k)
				}
			}
		case fieldUBLA:
			u.UniformBucketLevelAccess = &storage.UniformBucketLevelAccess{Enabled: *want.UniformBucketLevelAccess}
		case fieldPAP:
			u.PublicAccessPrevention = toPublicAccessPrevention(*want.PublicAccessPrevention)
		case fieldLifecycle:
			u.Lifecycle = toLifecycle(want.LifecycleRules)
		case fieldRetention:
			u.RetentionPolicy = &storage.RetentionPolicy{RetentionPeriod: time.Duration(want.RetentionPolicy.RetentionPeriodSeconds) * time.Second}
		case fieldKMSKey:
			u.Encryption = &storage.BucketEncryption{DefaultKMSKeyName: *want.DefaultKMSKeyName}
		}
	}
	return u
}

func toLifecycle(rules []v1alpha1.LifecycleRule) *storage.Lifecycle {
	l := &storage.Lifecycle{Rules: make([]storage.LifecycleRule, 0, len(rules))}
	for _, r := range rules {
		c := r.Condition
		sr := storage.LifecycleRule{
			Action: storage.LifecycleAction{Type: r.Action.Type, StorageClass: ptr.Deref(r.Action.StorageClass, "")},
			Condition: storage.LifecycleCondition{
				NumNewerVersions:        ptr.Deref(c.NumNewerVersions, 0),
				DaysSinceNoncurrentTime: ptr.Deref(c.DaysSinceNoncurrentTime, 0),
				MatchesStorageClasses:   c.MatchesStorageClass,
				MatchesPrefix:           c.MatchesPrefix,
				MatchesSuffix:           c.MatchesSuffix,
			},
		}
		switch age := ptr.Deref(c.AgeDays, -1); {
		case age == 0:
			// The client cannot send age 0 as a number; AllObjects is it.
			sr.Condition.AllObjects = true
		case age > 0:
			sr.Condition.AgeInDays = age
		}
		if c.CreatedBefore != nil {
			// validate refuses a spec with a date that does not parse.
			t, _ := time.Parse(dateLayout, *c.CreatedBefore)
			sr.Condition.CreatedBefore = t
		}
		switch ptr.Deref(c.WithState, "") {
		case v1alpha1.WithStateLive:
			sr.Condition.Liveness = storage.Live
		case v1alpha1.WithStateArchived:
			sr.Condition.Liveness = storage.Archived
		}
		l.Rules = append(l.Rules, sr)
	}
	return l
}

func lifecycleRules(rules []storage.LifecycleRule) []v1alpha1.LifecycleRule {
	out := make([]v1alpha1.LifecycleRule, 0, len(rules))
	for _, r := range rules {
		c := r.Condition
		lr := v1alpha1.LifecycleRule{
			Action: v1alpha1.LifecycleAction{Type: r.Action.Type},
			Condition: v1alpha1.LifecycleCondition{
				MatchesStorageClass: c.MatchesStorageClasses,
				MatchesPrefix:       c.MatchesPrefix,
				MatchesSuffix:       c.MatchesSuffix,
			},
		}
		if r.Action.StorageClass != "" {
			lr.Action.StorageClass = ptr.To(r.Action.StorageClass)
		}
		switch {
		case c.AllObjects:
			lr.Condition.AgeDays = ptr.To[int64](0)
		case c.AgeInDays > 0:
			lr.Condition.AgeDays = ptr.To(c.AgeInDays)
		}
		if !c.CreatedBefore.IsZero() {
			lr.Condition.CreatedBefore = ptr.To(c.CreatedBefore.Format(dateLayout))
		}
		switch c.Liveness {
		case storage.Live:
			lr.Condition.WithState = ptr.To(v1alpha1.WithStateLive)
		case storage.Archived:
			lr.Condition.WithState = ptr.To(v1alpha1.WithStateArchived)
		}
		if c.NumNewerVersions > 0 {
			lr.Condition.NumNewerVersions = ptr.To(c.NumNewerVersions)
		}
		if c.DaysSinceNoncurrentTime > 0 {
			lr.Condition.DaysSinceNoncurrentTime = ptr.To(c.DaysSinceNoncurrentTime)
		}
		out = append(out, lr)
	}
	return out
}

func observation(a *storage.BucketAttrs) v1alpha1.BucketObservation {
	o := v1alpha1.BucketObservation{
		URL:                      "gs://" + a.Name,
		Location:                 a.Location,
		StorageClass:             a.StorageClass,
		Versioning:               a.VersioningEnabled,
		UniformBucketLevelAccess: a.UniformBucketLevelAccess.Enabled,
		PublicAccessPrevention:   publicAccessPrevention(a.PublicAccessPrevention),
		Labels:                   a.Labels,
		Metageneration:           a.MetaGeneration,
	}
	if a.ProjectNumber != 0 {
		o.ProjectNumber = strconv.FormatUint(a.ProjectNumber, 10)
	}
	if !a.Created.IsZero() {
		o.Created = &metav1.Time{Time: a.Created}
	}
	return o
}

var (
	bucketNameChars = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*[a-z0-9]$`)
	dottedPart      = regexp.MustCompile(`^[^.]{1,63}$`)
)

// validName applies GCS's bucket naming rules, so that a bad name is refused
// with a reason before any call.
func validName(name string) error {
	why := ""
	switch {
	case len(name) < 3 || len(name) > 222 || (!strings.Contains(name, ".") && len(name) > 63):
		why = "it must be 3 to 63 characters long (up to 222 if it contains dots)"
	case !bucketNameChars.MatchString(name):
		why = "it may hold only lower-case letters, digits, dashes, underscores and dots, and must start and end with a letter or digit"
	case strings.Contains(name, "."):
		for _, part := range strings.Split(name, ".") {
			if !dottedPart.MatchString(part) {
				why = "each dot-separated part must be 1 to 63 characters long"
				break
			}
		}
	}
	switch {
	case why != "":
	case net.ParseIP(name) != nil:
		why = "it must not look like an IP address"
	case strings.HasPrefix(name, "goog") || strings.Contains(name, "google") || strings.Contains(name, "g00gle"):
		why = `it must not start with "goog" or contain "google"`
	default:
		return nil
	}
	return xperrors.Errorf("external name %q is not a valid GCS bucket name: %s", name, why)
}

// deletion says what deleting bucket name does, given whether it holds an
// object (live or noncurrent); nil when that is not known.
func deletion(name string, holds *bool) reconciler.Deletion {
	bucket := fmt.Sprintf("bucket %q with its configuration (labels, versioning, lifecycle rules, retention policy)", name)
	const free = "its name is then free for any project to take"
	switch {
	case holds == nil:
		return reconciler.Deletion{
			Lost: []string{bucket + ", if it is empty; " + free},
			Kept: []string{"every object and noncurrent version: Cloud Storage deletes no bucket that holds any, and the provider deletes none, so a bucket that is not empty is kept and the resource waits, saying so"},
		}
	case *holds:
		return reconciler.Deletion{
			Kept:    []string{bucket + ", and every object and noncurrent version in it"},
			Refused: fmt.Sprintf("bucket %q holds objects: Cloud Storage refuses to delete it, the provider deletes no object, and the resource stays deleting until it is emptied (every object and noncurrent version), or until Delete is removed from spec.managementPolicies to leave the bucket behind", name),
		}
	}
	return reconciler.Deletion{Lost: []string{bucket + ": it holds no object or noncurrent version; " + free}}
}
