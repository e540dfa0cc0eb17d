package main

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func pm(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

var conn1 = map[string]any{"host": "10.0.0.1", "user": "root"}

func TestTriggersChangeReplaces(t *testing.T) {
	for _, typ := range []string{tLocalCommand, tRemoteCmd, tCopyToRemote} {
		olds := pm(map[string]any{"create": "echo hi", "connection": conn1, "triggers": []any{"a"}})
		news := pm(map[string]any{"create": "echo hi", "connection": conn1, "triggers": []any{"b"}})
		d := diffInputs(typ, olds, news)
		if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 1 || d.Replaces[0] != "triggers" {
			t.Fatalf("%s: want a replace on triggers, got %v", typ, d)
		}
		if k := d.DetailedDiff["triggers"].Kind; k != pulumirpc.PropertyDiff_UPDATE_REPLACE {
			t.Fatalf("%s: triggers kind %v", typ, k)
		}
	}
}

func TestAddedTriggersReplace(t *testing.T) {
	d := diffInputs(tRemoteCmd, pm(map[string]any{"connection": conn1}), pm(map[string]any{"connection": conn1, "triggers": []any{"x"}}))
	if len(d.Replaces) != 1 || d.DetailedDiff["triggers"].Kind != pulumirpc.PropertyDiff_ADD_REPLACE {
		t.Fatalf("want ADD_REPLACE on triggers, got %v", d)
	}
}

// Upstream documents: a changed `create` (or any input but triggers) updates in place,
// running `update`, or `create` again when there is no `update`.
func TestCreateChangeUpdatesInPlace(t *testing.T) {
	for _, k := range []string{"create", "update", "delete", "environment", "stdin", "logging", "connection"} {
		olds := pm(map[string]any{"connection": conn1, "create": "a", "update": "u", "delete": "d",
			"environment": map[string]any{"A": "1"}, "stdin": "s", "logging": "stdout"})
		news := olds.Copy()
		switch k {
		case "connection":
			news["connection"] = resource.NewProperty(pm(map[string]any{"host": "10.0.0.2"}))
		case "environment":
			news["environment"] = resource.NewProperty(pm(map[string]any{"A": "2"}))
		default:
			news[resource.PropertyKey(k)] = resource.NewProperty("changed")
		}
		d := diffInputs(tRemoteCmd, olds, news)
		if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 0 || len(d.Diffs) != 1 || d.Diffs[0] != k {
			t.Fatalf("%s: want an in-place update of %s only, got %v", k, k, d)
		}
		if d.DetailedDiff[k].Kind != pulumirpc.PropertyDiff_UPDATE {
			t.Fatalf("%s: kind %v", k, d.DetailedDiff[k].Kind)
		}
	}
}

func TestUnchangedIsNoDiff(t *testing.T) {
	m := pm(map[string]any{"connection": conn1, "create": "a", "triggers": []any{"t"}})
	if d := diffInputs(tRemoteCmd, m, m.Copy()); d.Changes != pulumirpc.DiffResponse_DIFF_NONE || len(d.Diffs) != 0 {
		t.Fatalf("want no diff, got %v", d)
	}
}

func TestUnknownInputCountsAsChange(t *testing.T) {
	olds := pm(map[string]any{"create": "a"})
	news := resource.PropertyMap{"create": resource.MakeComputed(resource.NewProperty(""))}
	if d := diffInputs(tLocalCommand, olds, news); d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 0 {
		t.Fatalf("want an update, got %v", d)
	}
}

func TestCopyToRemoteUpdatesButCopyFileReplaces(t *testing.T) {
	olds := pm(map[string]any{"connection": conn1, "remotePath": "/a", "localPath": "/l"})
	news := pm(map[string]any{"connection": conn1, "remotePath": "/b", "localPath": "/l"})
	if d := diffInputs(tCopyToRemote, olds, news); len(d.Replaces) != 0 || d.Changes != pulumirpc.DiffResponse_DIFF_SOME {
		t.Fatalf("CopyToRemote remotePath: want update, got %v", d)
	}
	if d := diffInputs(tCopyFile, olds, news); len(d.Replaces) != 1 || d.Replaces[0] != "remotePath" {
		t.Fatalf("CopyFile remotePath: want replace, got %v", d)
	}
}

func TestCopyChangedIgnoresConnection(t *testing.T) {
	olds := pm(map[string]any{"connection": conn1, "remotePath": "/a"})
	news := pm(map[string]any{"connection": map[string]any{"host": "other"}, "remotePath": "/a"})
	if copyChanged(tCopyToRemote, olds, news) {
		t.Fatal("a connection change alone must not copy again")
	}
	news["remotePath"] = resource.NewProperty("/b")
	if !copyChanged(tCopyToRemote, olds, news) {
		t.Fatal("a remotePath change must copy again")
	}
}
