package main

// -template-flip NAME=gone|vm: a template that changes while a client reads
// the inventory. Right after the first RetrievePropertiesEx that reads
// config.template through a ContainerView has been answered, the template
// NAME is deleted (gone) or made a plain VM again (vm), once: a client that
// reads the templates' other properties in a second pass, by reference,
// meets the inventory as it is after the change.

import (
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

var (
	templateFlip string
	flipOnce     sync.Once
)

func readsTemplateFlagThroughView(specs []types.PropertyFilterSpec) bool {
	for _, s := range specs {
		view := false
		for _, o := range s.ObjectSet {
			view = view || o.Obj.Type == "ContainerView"
		}
		if !view {
			continue
		}
		for _, p := range s.PropSet {
			for _, path := range p.PathSet {
				if p.Type == "VirtualMachine" && path == "config.template" {
					return true
				}
			}
		}
	}
	return false
}

func maybeFlipTemplate(specs []types.PropertyFilterSpec) {
	if templateFlip == "" || !readsTemplateFlagThroughView(specs) {
		return
	}
	flipOnce.Do(func() {
		name, action, _ := strings.Cut(templateFlip, "=")
		for _, e := range simulator.Map.All("VirtualMachine") {
			vm, ok := e.(*simulator.VirtualMachine)
			if !ok || vm.Name != name || vm.Config == nil || !vm.Config.Template {
				continue
			}
			switch action {
			case "gone":
				if parent, ok := simulator.Map.Get(*vm.Parent).(*simulator.Folder); ok {
					simulator.Map.RemoveReference(parent, &parent.ChildEntity, vm.Self)
				}
				simulator.Map.Remove(vm.Self)
			case "vm":
				simulator.Map.WithLock(vm, func() {
					vm.Config.Template = false
					vm.Summary.Config.Template = false
				})
			}
			return
		}
	})
}
