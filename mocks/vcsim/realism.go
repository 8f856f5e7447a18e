package main

import (
	"github.com/vmware/govmomi/simulator"
)

// presentAsVCenter8 makes the model report a vCenter 8.0 Update 2, as the
// Arc resource bridge requires 7.0 or later; stock vcsim says 6.5. Must run
// before m.Create(), which copies ServiceContent into the ServiceInstance.
func presentAsVCenter8(m *simulator.Model) {
	a := &m.ServiceContent.About
	a.Version = "8.0.2"
	a.Build = "22385739"
	a.FullName = "VMware vCenter Server 8.0.2 build-22385739"
	a.ApiVersion = "8.0.2.0"
}

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
