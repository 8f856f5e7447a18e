package main

// -filter-view: the PropertyCollector and the SearchIndex show a user only the
// objects it may see, as vCenter does (issue 13, partial visibility). Off by
// default, so tests that do not ask for it keep stock vcsim's "everyone sees
// everything".
//
// Rule (vSphere Security, "Required privileges for common tasks": System.View
// is needed to see an object; vCenter also shows the ancestors of a visible
// object so that the inventory can be navigated to it): an entity is visible to
// the session user when the user holds System.View on it (authz.go's effective
// privileges, inheritance included), or when it is an ancestor of such an
// entity. Non-entity objects (tasks, views, managers) are never filtered.
//
// Applied to RetrievePropertiesEx (before paging, so ContinueRetrievePropertiesEx
// pages the filtered list), ContainerView traversal included, and to
// SearchIndex.FindByInventoryPath / FindChild (an invisible object is not found).
// Sessions without a user name (the simulator's own in-process client) are not
// filtered.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var filterView bool

func authzManager() *arcAuthzManager {
	ref := simulator.Map.Get(types.ManagedObjectReference{Type: "AuthorizationManager", Value: "AuthorizationManager"})
	am, _ := ref.(*arcAuthzManager)
	return am
}

// visibility answers "may user see ref" with a per-request cache.
type visibility struct {
	am    *arcAuthzManager
	user  string
	cache map[types.ManagedObjectReference]bool
}

func newVisibility(ctx *simulator.Context) *visibility {
	if !filterView || ctx == nil || ctx.Session == nil || ctx.Session.UserName == "" {
		return nil
	}
	am := authzManager()
	if am == nil {
		return nil
	}
	v := &visibility{am: am, user: ctx.Session.UserName, cache: map[types.ManagedObjectReference]bool{}}
	// Mark every entity the user may view, and its ancestors.
	for _, e := range simulator.Map.All("") {
		ref := e.Reference()
		if !am.effective(ref, v.user)["System.View"] {
			continue
		}
		for guard := 0; guard < 256; guard++ {
			if v.cache[ref] {
				break
			}
			v.cache[ref] = true
			ent := entityOf(ref)
			if ent == nil || ent.Entity().Parent == nil {
				break
			}
			ref = *ent.Entity().Parent
		}
	}
	return v
}

func (v *visibility) visible(ref types.ManagedObjectReference) bool {
	if v == nil {
		return true
	}
	if _, isEntity := simulator.Map.Get(ref).(mo.Entity); !isEntity {
		return true
	}
	return v.cache[ref]
}

func (v *visibility) filter(objs []types.ObjectContent) []types.ObjectContent {
	if v == nil {
		return objs
	}
	out := objs[:0:0]
	for _, o := range objs {
		if v.visible(o.Obj) {
			out = append(out, o)
		}
	}
	return out
}

func (s *arcSearchIndex) FindByInventoryPath(ctx *simulator.Context, req *types.FindByInventoryPath) soap.HasFault {
	res := s.SearchIndex.FindByInventoryPath(req)
	if b, ok := res.(*methods.FindByInventoryPathBody); ok && b.Res != nil && b.Res.Returnval != nil {
		if v := newVisibility(ctx); !v.visible(*b.Res.Returnval) {
			b.Res.Returnval = nil
		}
	}
	return res
}

func (s *arcSearchIndex) FindChild(ctx *simulator.Context, req *types.FindChild) soap.HasFault {
	res := s.SearchIndex.FindChild(req)
	if b, ok := res.(*methods.FindChildBody); ok && b.Res != nil && b.Res.Returnval != nil {
		if v := newVisibility(ctx); !v.visible(*b.Res.Returnval) {
			b.Res.Returnval = nil
		}
	}
	return res
}
