package main

// Registry hook that adds vCenter behaviour the stock simulator lacks:
//
//   - every new VM gets config.createDate (stock never sets it);
//   - a clone whose source is a template also posts VmBeingDeployedEvent and
//     VmDeployedEvent (srcTemplate = the template, vm = the new VM), as real
//     vCenter does; stock only posts VmBeingClonedEvent/VmCreatedEvent/VmClonedEvent.
//
// Why a registry handler rather than a wrapper type: many simulator internals
// type-assert Map.Get(ref).(*simulator.VirtualMachine), so wrapping VMs is
// fragile. A handler added with Map.AddHandler is told about every
// Map.Put/Map.Update; Task.Run reports completion with Map.Update on the task
// (outside any EventManager lock), so we can post events from there.

import (
	"context"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type inventoryHook struct {
	self types.ManagedObjectReference
}

func installHook() {
	simulator.Map.AddHandler(&inventoryHook{
		self: types.ManagedObjectReference{Type: "VcsimArcHook", Value: "hook-1"},
	})
}

func (h *inventoryHook) Reference() types.ManagedObjectReference { return h.self }

func (h *inventoryHook) PutObject(mo.Reference) {}

func (h *inventoryHook) RemoveObject(types.ManagedObjectReference) {}

func (h *inventoryHook) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	switch o := obj.(type) {
	case *mo.VirtualMachine:
		// createVM ends with Map.Update(vm, "name"), after Config is populated.
		if o.Config != nil && o.Config.CreateDate == nil && hasChange(changes, "name") {
			now := time.Now().UTC()
			o.Config.CreateDate = &now
		}
		guestUpdate(o, changes) // guest.go
	case *mo.Task:
		if hasChange(changes, "info.completeTime") &&
			o.Info.State == types.TaskInfoStateSuccess &&
			o.Info.DescriptionId == "VirtualMachine.cloneVm" {
			postDeployEvents(o.Info)
		}
	}
}

func hasChange(changes []types.PropertyChange, name string) bool {
	for _, c := range changes {
		if c.Name == name {
			return true
		}
	}
	return false
}

// postDeployEvents posts VmBeingDeployedEvent + VmDeployedEvent for a finished
// clone whose source is a template. Both carry the new VM as vm (it has to exist
// for the moref to be valid, which is why both are posted after the clone), and
// reuse the datacenter/host/computeResource/userName of the VmClonedEvent the
// simulator just posted for that clone.
func postDeployEvents(info types.TaskInfo) {
	if info.Entity == nil {
		return
	}
	src, ok := simulator.Map.Get(*info.Entity).(*simulator.VirtualMachine)
	if !ok || src.Config == nil || !src.Config.Template {
		return
	}
	clone, ok := info.Result.(types.ManagedObjectReference)
	if !ok {
		return
	}
	cloned := findClonedEvent(clone)
	if cloned == nil {
		return
	}
	base := cloned.VmEvent
	base.Event = types.Event{
		Datacenter:      cloned.Datacenter,
		ComputeResource: cloned.ComputeResource,
		Host:            cloned.Host,
		Vm:              cloned.Vm,
	}
	postEvents(cloned.UserName,
		&types.VmBeingDeployedEvent{VmEvent: base, SrcTemplate: cloned.SourceVm},
		&types.VmDeployedEvent{VmEvent: base, SrcTemplate: cloned.SourceVm},
	)
}

// findClonedEvent returns the most recent VmClonedEvent whose vm is ref.
func findClonedEvent(ref types.ManagedObjectReference) *types.VmClonedEvent {
	for _, e := range recentEvents() {
		if c, ok := e.(*types.VmClonedEvent); ok && c.Vm != nil && c.Vm.Vm == ref {
			return c
		}
	}
	return nil
}

// recentEvents returns up to 1000 of the newest events, newest first. The
// values are the EventManager's own pointers, so callers may patch them.
func recentEvents() []types.BaseEvent {
	em := simulator.Map.EventManager()
	var out []types.BaseEvent
	simulator.Map.WithLock(em, func() {
		res := em.QueryEvents(userContext(""), &types.QueryEvents{
			This:   em.Self,
			Filter: types.EventFilterSpec{MaxCount: 1000},
		})
		if body, ok := res.(*methods.QueryEventsBody); ok && body.Res != nil {
			out = body.Res.Returnval
		}
	})
	return out
}

// postEvents posts events as user. PostEvent stamps key, chainId, createdTime
// (time.Now) and userName (from the context's session).
func postEvents(user string, events ...types.BaseEvent) {
	em := simulator.Map.EventManager()
	ctx := userContext(user)
	simulator.Map.WithLock(em, func() {
		for _, e := range events {
			em.PostEvent(ctx, &types.PostEvent{This: em.Self, EventToPost: e})
		}
	})
}

// userContext builds a simulator.Context for internal calls; only the exported
// fields are needed by PostEvent and QueryEvents.
func userContext(user string) *simulator.Context {
	return &simulator.Context{
		Context: context.Background(),
		Session: &simulator.Session{
			UserSession: types.UserSession{UserName: user},
			Registry:    simulator.NewRegistry(),
		},
		Map: simulator.Map,
	}
}

// sessionEvents is each session's view of the EventManager (authz.go's
// afterLogin puts it in the session's registry, which the dispatcher asks
// first): the stock manager, whose state and lock it shares, except that an
// event filter naming an entity that no longer exists is refused, as the
// API reference documents for QueryEvents ("InvalidArgument: if … any of
// its fields is invalid, such as an invalid reference to a managed
// object"); stock answers with the events the deleted entity left. Not a
// replacement in the registry: simulator internals type-assert the
// EventManager singleton.
type sessionEvents struct {
	*simulator.EventManager
}

func newSessionEvents() *sessionEvents {
	return &sessionEvents{simulator.Map.EventManager()}
}

func (m *sessionEvents) QueryEvents(ctx *simulator.Context, req *types.QueryEvents) soap.HasFault {
	vanishAt(false, "QueryEvents", req) // vanish.go
	if e := req.Filter.Entity; e != nil && simulator.Map.Get(e.Entity) == nil {
		return &methods.QueryEventsBody{Fault_: simulator.Fault(
			"A specified parameter was not correct: filter.entity",
			&types.InvalidArgument{InvalidProperty: "filter.entity"},
		)}
	}
	return m.EventManager.QueryEvents(ctx, req)
}
