// Package tags works out tag changes once for every kind whose cloud API
// adds and removes tags key by key (RDS, ElastiCache); each controller
// turns the keys into its SDK's tag type.
package tags

import "sort"

// Changes lists, sorted, the keys of want that got lacks or holds with
// another value (to set), and the keys of got that want lacks (to remove).
func Changes(want, got map[string]string) (set, remove []string) {
	for k, v := range want {
		if cur, ok := got[k]; !ok || cur != v {
			set = append(set, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	sort.Strings(set)
	sort.Strings(remove)
	return set, remove
}
