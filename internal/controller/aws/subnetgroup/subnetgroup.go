// Package subnetgroup is the one reconciliation of a subnet group, shared
// by RDS's DBSubnetGroup and ElastiCache's CacheSubnetGroup: the two
// services keep the same thing (a name, a description, subnets of one VPC
// and tags) behind APIs that differ only in their names. Each kind's
// package turns its SDK into a Cloud.
package subnetgroup

import (
	"context"
	"slices"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/internal/controller/aws/awsparams"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/tags"
)

// Params are what a subnet group is made of.
type Params struct {
	Description string            `json:"description"`
	SubnetIDs   []string          `json:"subnetIDs"`
	Tags        map[string]string `json:"tags"`
}

// Observed is a subnet group as its service describes it.
type Observed struct {
	Params
	ARN, VPCID, Status string
	// Zones are the availability zones of its subnets, sorted.
	Zones []string
}

// Cloud is one service's subnet group API.
type Cloud interface {
	// Describe returns the group and its tags, nil if there is none.
	Describe(ctx context.Context, name string) (*Observed, error)
	// Create makes the group; exists says one of that name already was.
	Create(ctx context.Context, name string, p Params) (exists bool, err error)
	// Modify sets the description and the subnets.
	Modify(ctx context.Context, name string, p Params) error
	Retag(ctx context.Context, arn string, set map[string]string, remove []string) error
	// Delete deletes the group; inUse says an instance or a cache still
	// uses it, and it was kept.
	Delete(ctx context.Context, name string) (inUse bool, err error)
}

// External reconciles one kind of subnet group through a Cloud.
type External[T resource.ModernManaged] struct {
	Cloud  Cloud
	Record event.Recorder
	Owners ownership.Checker
	// What names the kind in messages ("DB subnet group").
	What string
	// Desired is the resource's spec, its ownership tags added.
	Desired func(T) Params
	// SetStatus writes what was observed to the resource's status.
	SetStatus func(T, Observed)

	observed *Observed
	compared *reconciler.Comparison
}

// The fields Update may change, by their spec names.
const (
	fieldDescription = "description"
	fieldSubnets     = "subnetIDs"
	fieldTags        = "tags"
)

// Drifted lists the fields of want that got differs in.
func Drifted(want Params, got Params) []string {
	var fields []string
	if want.Description != got.Description {
		fields = append(fields, fieldDescription)
	}
	if !awsparams.SameSet(want.SubnetIDs, got.SubnetIDs) {
		fields = append(fields, fieldSubnets)
	}
	if set, remove := tags.Changes(want.Tags, got.Tags); len(set)+len(remove) > 0 {
		fields = append(fields, fieldTags)
	}
	return fields
}

func (e *External[T]) Observe(ctx context.Context, cr T) (managed.ExternalObservation, error) {
	got, err := e.Cloud.Describe(ctx, meta.GetExternalName(cr))
	if err != nil {
		return managed.ExternalObservation{}, errors.Wrapf(err, "cannot describe %s", e.What)
	}
	if got == nil {
		return managed.ExternalObservation{}, nil
	}
	if owned, err := e.Owners.Owned(ctx, cr, got.Tags); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = got
	e.SetStatus(cr, *got)
	cr.SetConditions(xpv2.Available())
	want := e.Desired(cr)
	fields := Drifted(want, got.Params)
	e.compared = &reconciler.Comparison{Fields: fields, Want: want, Got: got.Params}
	return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: len(fields) == 0, Diff: reconciler.DiffFields(fields)}, nil
}

// Compared is what the last Observe compared (reconciler.Compared).
func (e *External[T]) Compared() *reconciler.Comparison { return e.compared }

func (e *External[T]) Create(ctx context.Context, cr T) (managed.ExternalCreation, error) {
	cr.SetConditions(xpv2.Creating())
	name := meta.GetExternalName(cr)
	exists, err := e.Cloud.Create(ctx, name, e.Desired(cr))
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrapf(err, "cannot create %s", e.What)
	}
	if !exists {
		return managed.ExternalCreation{}, nil
	}
	// Made by an attempt whose answer was lost, or by someone else: taken
	// only if no other resource manages it.
	got, err := e.Cloud.Describe(ctx, name)
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrapf(err, "%s already exists and cannot be described", e.What)
	}
	if got == nil {
		return managed.ExternalCreation{}, errors.Errorf("%s %q already exists but is not described", e.What, name)
	}
	if owned, err := e.Owners.OwnedAfterConflict(ctx, cr, got.Tags); !owned {
		return managed.ExternalCreation{}, errors.Wrapf(err, "cannot adopt %s %q", e.What, name)
	}
	return managed.ExternalCreation{}, nil
}

func (e *External[T]) Update(ctx context.Context, cr T) (managed.ExternalUpdate, error) {
	if e.observed == nil {
		return managed.ExternalUpdate{}, nil
	}
	want := e.Desired(cr)
	fields := Drifted(want, e.observed.Params)
	reconciler.RecordDrift(e.Record, cr, fields)
	if slices.Contains(fields, fieldDescription) || slices.Contains(fields, fieldSubnets) {
		if err := e.Cloud.Modify(ctx, meta.GetExternalName(cr), want); err != nil {
			return managed.ExternalUpdate{}, errors.Wrapf(err, "cannot modify %s", e.What)
		}
	}
	set, remove := tags.Changes(want.Tags, e.observed.Tags)
	if len(set)+len(remove) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	add := make(map[string]string, len(set))
	for _, k := range set {
		add[k] = want.Tags[k]
	}
	return managed.ExternalUpdate{}, errors.Wrapf(e.Cloud.Retag(ctx, e.observed.ARN, add, remove), "cannot tag %s", e.What)
}

func (e *External[T]) Delete(ctx context.Context, cr T) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	inUse, err := e.Cloud.Delete(ctx, meta.GetExternalName(cr))
	if err != nil {
		return managed.ExternalDelete{}, errors.Wrapf(err, "cannot delete %s", e.What)
	}
	if inUse {
		// An instance or a cache in it is usually being deleted too. The
		// runtime marks a deletion that went through as plain Deleting,
		// so the wait is said as the error the resource shows until the
		// service lets the group go; the retries back off.
		return managed.ExternalDelete{}, errors.Errorf("waiting to delete: the %s is still in use by an instance or a cache; it is deleted once nothing in it remains", e.What)
	}
	return managed.ExternalDelete{}, nil
}

func (e *External[T]) Disconnect(context.Context) error { return nil }
