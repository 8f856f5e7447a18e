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
