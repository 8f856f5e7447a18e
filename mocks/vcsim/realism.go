package main

import (
	"github.com/vmware/govmomi/simulator"
)

// fixDatastoreSpace gives every datastore a fixed size instead of the
// statfs of the machine's temp directory, so space checks do not depend on
// the disk the tests happen to run on.
func fixDatastoreSpace(freeGiB, capacityGiB int64) {
	const gib = int64(1) << 30
	for _, e := range simulator.Map.All("Datastore") {
		ds := e.(*simulator.Datastore)
		ds.Summary.FreeSpace = freeGiB * gib
		ds.Summary.Capacity = capacityGiB * gib
		info := ds.Info.GetDatastoreInfo()
		info.FreeSpace = freeGiB * gib
	}
}

// vAppMembersOutOfFolders makes a vApp's VMs what vCenter makes them:
// children of the vApp alone, with no parent folder (`parent` unset,
// `parentVApp` the vApp) and in no VM folder's childEntity. Stock vcsim
// files them in the vApp's folder as well, so a client that walked the
// folders alone would find them here and miss them on a real vCenter,
// where they are reached only through VirtualApp.vm.
func vAppMembersOutOfFolders() {
	for _, e := range simulator.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		if vm.ResourcePool == nil || vm.ResourcePool.Type != "VirtualApp" {
			continue
		}
		if vm.Parent != nil {
			if f, ok := simulator.Map.Get(*vm.Parent).(*simulator.Folder); ok {
				simulator.RemoveReference(&f.ChildEntity, vm.Self)
			}
		}
		vapp := *vm.ResourcePool
		vm.Parent = nil
		vm.ParentVApp = &vapp
	}
}
