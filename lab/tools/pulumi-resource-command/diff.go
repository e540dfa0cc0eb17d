package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// replacesOnChange says whether a change of input k of type t needs a new resource.
// As upstream 1.x: `triggers` always replaces (the SDK also sets replaceOnChanges
// triggers[*]); for the commands every other input is an update, which runs `update`
// (or `create` when there is no `update`); CopyToRemote copies again on update;
// CopyFile (deprecated upstream) has no update, so any change replaces it.
func replacesOnChange(t, k string) bool {
	return k == "triggers" || t == tCopyFile
}

// diffInputs compares old and new inputs of type t. Unknown new values count as changes.
func diffInputs(t string, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{HasDetailedDiff: true, DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	for _, k := range inputKeys[t] {
		key := resource.PropertyKey(k)
		o, hasOld := olds[key]
		n, hasNew := news[key]
		hasOld = hasOld && !o.IsNull()
		hasNew = hasNew && !n.IsNull()
		if !hasOld && !hasNew {
			continue
		}
		if hasOld && hasNew && !n.ContainsUnknowns() && o.DeepEquals(n) {
			continue
		}
		kind := pulumirpc.PropertyDiff_UPDATE
		if !hasOld {
			kind = pulumirpc.PropertyDiff_ADD
		} else if !hasNew {
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if replacesOnChange(t, k) {
			// ADD→ADD_REPLACE, DELETE→DELETE_REPLACE, UPDATE→UPDATE_REPLACE.
			kind += pulumirpc.PropertyDiff_ADD_REPLACE - pulumirpc.PropertyDiff_ADD
			resp.Replaces = append(resp.Replaces, k)
		}
		resp.Diffs = append(resp.Diffs, k)
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	resp.Changes = pulumirpc.DiffResponse_DIFF_NONE
	if len(resp.Diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp
}
