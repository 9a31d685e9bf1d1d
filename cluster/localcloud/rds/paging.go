package rds

import (
	"encoding/base64"
	"sort"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// maxRecords reads MaxRecords: 100 by default, 20 to 100 allowed, as on RDS.
func maxRecords(r *awsquery.Request) (int, error) {
	n, err := r.Int("MaxRecords")
	if err != nil || n == nil {
		return 100, err
	}
	if *n < 20 || *n > 100 {
		return 0, awsquery.InvalidParameterValue("Invalid value %d for MaxRecords. Must be between 20 and 100", *n)
	}
	return int(*n), nil
}

// page returns the page of items (sorted by id) that Marker starts and the
// Marker of the next page. A marker is the opaque form of the first id of
// its page, so pages stay consistent while items come and go.
func page[T any](r *awsquery.Request, items []T, id func(T) string) ([]T, string, error) {
	limit, err := maxRecords(r)
	if err != nil {
		return nil, "", err
	}
	sort.Slice(items, func(i, j int) bool { return id(items[i]) < id(items[j]) })
	start := 0
	if m, ok := r.String("Marker"); ok && m != "" {
		from, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			return nil, "", awsquery.InvalidParameterValue("Invalid Marker: %s", m)
		}
		start = sort.Search(len(items), func(i int) bool { return id(items[i]) >= string(from) })
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(id(items[end])))
	}
	return items[start:end], next, nil
}
