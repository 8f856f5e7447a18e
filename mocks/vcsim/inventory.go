package main

// Inventory additions on top of the stock model (simulator.Model.Create):
// VM folders (Arc + FolderN/SubM), non-VM folders, templates, a simulated
// appliance deploy/delete history, config.createDate on every VM, and a
// userName on the events posted while building.
//
// Everything is done through an in-process vim25 client (simulator.Service
// implements soap.RoundTripper), i.e. through the same SOAP handlers a real
// client would hit, except where the simulator has no API for what vCenter
// does (template removal from ResourcePool.vm, createDate).

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

const day = 24 * time.Hour

type inventoryConfig struct {
	folders         int  // extra VM folders per datacenter
	folderDepth     int  // nesting depth of each extra VM folder (1 = flat)
	nonVMFolders    bool // HostFolder0 / StorageFolder0 / NetFolder0
	storageFolder   bool // StorageFolder0 only (scenario demo)
	templates       int  // templates per datacenter, in the Arc folder
	templateDeploys int  // deploy+destroy cycles from template 0 per datacenter
	user            string
}

func buildInventory(m *simulator.Model, cfg inventoryConfig) error {
	ctx := context.Background()
	c, err := vim25.NewClient(ctx, m.Service)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)

	dcs := simulator.Map.All("Datacenter")
	sort.Slice(dcs, func(i, j int) bool { return dcs[i].Entity().Name < dcs[j].Entity().Name })
	for _, e := range dcs {
		if err := buildDatacenter(ctx, c, object.NewDatacenter(c, e.Reference()), cfg, now); err != nil {
			return fmt.Errorf("datacenter %s: %w", e.Entity().Name, err)
		}
	}

	setVMCreateDates(now)
	setEventUsers(cfg.user)
	return nil
}

func buildDatacenter(ctx context.Context, c *vim25.Client, dc *object.Datacenter, cfg inventoryConfig, now time.Time) error {
	folders, err := dc.Folders(ctx)
	if err != nil {
		return err
	}

	// The Arc deployment target always exists.
	arc, err := folders.VmFolder.CreateFolder(ctx, "Arc")
	if err != nil {
		return err
	}

	for i := 0; i < cfg.folders; i++ {
		f, err := folders.VmFolder.CreateFolder(ctx, fmt.Sprintf("Folder%d", i))
		for d := 1; err == nil && d < cfg.folderDepth; d++ {
			f, err = f.CreateFolder(ctx, fmt.Sprintf("Sub%d", d))
		}
		if err != nil {
			return err
		}
	}

	// Non-VM folders let an auditor test rejection of a wrong folder type.
	type subFolder struct {
		parent *object.Folder
		name   string
	}
	var extra []subFolder
	if cfg.nonVMFolders {
		extra = append(extra, subFolder{folders.HostFolder, "HostFolder0"}, subFolder{folders.NetworkFolder, "NetFolder0"})
	}
	if cfg.nonVMFolders || cfg.storageFolder {
		extra = append(extra, subFolder{folders.DatastoreFolder, "StorageFolder0"})
	}
	for _, x := range extra {
		if _, err := x.parent.CreateFolder(ctx, x.name); err != nil {
			return err
		}
	}

	if cfg.templates == 0 {
		return nil
	}
	return buildTemplates(ctx, c, dc, arc, cfg, now)
}

// buildTemplates creates arc-template-N in the Arc folder, marks them as
// templates, removes them from their pool's vm list (real vCenter lists a
// template under no resource pool) and replays the appliance deploy history.
func buildTemplates(ctx context.Context, c *vim25.Client, dc *object.Datacenter, arc *object.Folder, cfg inventoryConfig, now time.Time) error {
	finder := find.NewFinder(c, false).SetDatacenter(dc)

	pool, err := templatePool(ctx, finder)
	if err != nil {
		return err
	}
	dss, err := finder.DatastoreList(ctx, "*")
	if err != nil {
		return fmt.Errorf("templates need a datastore: %w", err)
	}
	var nets []object.NetworkReference
	if pgs, err := finder.NetworkList(ctx, "*"); err == nil {
		nets = pgs
	}

	var template0 *object.VirtualMachine
	for i := 0; i < cfg.templates; i++ {
		name := fmt.Sprintf("arc-template-%d", i)
		vm, err := createVM(ctx, arc, pool, dss[0].Name(), nets, name)
		if err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		if err := vm.MarkAsTemplate(ctx); err != nil {
			return fmt.Errorf("mark %s as template: %w", name, err)
		}
		rp := simulator.Map.Get(pool.Reference()).(*simulator.ResourcePool)
		simulator.Map.RemoveReference(rp, &rp.Vm, vm.Reference())

		// Template 0 is the long-lived one (~200 days), the others recent.
		created := now.Add(-200 * day)
		if i > 0 {
			created = now.Add(-time.Duration(1+(i-1)%5)*day - time.Duration(i)*time.Hour)
		}
		setCreateDate(vm.Reference(), created)
		if i == 0 {
			template0 = vm
		}
	}

	// Appliance deploy/delete cycles. The clone from a template makes our
	// inventoryHook post VmBeingDeployedEvent/VmDeployedEvent, exactly as for a
	// clone requested by a SOAP client; Destroy_Task posts VmRemovedEvent.
	poolRef := pool.Reference()
	for i := 0; i < cfg.templateDeploys; i++ {
		name := fmt.Sprintf("arc-appliance-%d", i)
		task, err := template0.Clone(ctx, arc, name, types.VirtualMachineCloneSpec{
			Location: types.VirtualMachineRelocateSpec{Pool: &poolRef},
		})
		if err != nil {
			return err
		}
		info, err := task.WaitForResult(ctx, nil)
		if err != nil {
			return fmt.Errorf("clone %s: %w", name, err)
		}
		clone := object.NewVirtualMachine(c, info.Result.(types.ManagedObjectReference))
		task, err = clone.Destroy(ctx)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			return fmt.Errorf("destroy %s: %w", name, err)
		}
	}
	return nil
}

// templatePool picks the root pool of the first cluster, else of the first
// standalone host.
func templatePool(ctx context.Context, finder *find.Finder) (*object.ResourcePool, error) {
	crs, err := finder.ComputeResourceList(ctx, "*")
	if err != nil {
		return nil, fmt.Errorf("templates need a cluster or standalone host: %w", err)
	}
	sort.SliceStable(crs, func(i, j int) bool {
		ci := crs[i].Reference().Type == "ClusterComputeResource"
		cj := crs[j].Reference().Type == "ClusterComputeResource"
		if ci != cj {
			return ci
		}
		return crs[i].Name() < crs[j].Name()
	})
	return crs[0].ResourcePool(ctx)
}

// createVM creates a powered-off VM shaped like the Arc appliance template
// (4 vCPU, 16 GiB, one disk, one NIC on the first network if any).
func createVM(ctx context.Context, folder *object.Folder, pool *object.ResourcePool, ds string, nets []object.NetworkReference, name string) (*object.VirtualMachine, error) {
	spec := types.VirtualMachineConfigSpec{
		Name:     name,
		GuestId:  string(types.VirtualMachineGuestOsIdentifierUbuntu64Guest),
		NumCPUs:  4,
		MemoryMB: 16384,
		Files:    &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", ds)},
	}
	var devices object.VirtualDeviceList
	scsi, err := devices.CreateSCSIController("pvscsi")
	if err != nil {
		return nil, err
	}
	disk := devices.CreateDisk(scsi.(types.BaseVirtualController), types.ManagedObjectReference{},
		fmt.Sprintf("[%s] %s/disk1.vmdk", ds, name))
	disk.CapacityInKB = 100 * 1024 * 1024
	devices = append(devices, scsi, disk)
	if len(nets) > 0 {
		if backing, err := nets[0].EthernetCardBackingInfo(ctx); err == nil {
			if nic, err := devices.CreateEthernetCard("vmxnet3", backing); err == nil {
				devices = append(devices, nic)
			}
		}
	}
	if spec.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd); err != nil {
		return nil, err
	}

	task, err := folder.CreateVM(ctx, spec, pool, nil)
	if err != nil {
		return nil, err
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		return nil, err
	}
	return object.NewVirtualMachine(folder.Client(), info.Result.(types.ManagedObjectReference)), nil
}

func setCreateDate(ref types.ManagedObjectReference, t time.Time) {
	vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	simulator.Map.WithLock(vm, func() {
		vm.Config.CreateDate = &t
	})
}

// setVMCreateDates gives every non-template VM a distinct, deterministic
// createDate spread over the last 400 days (ordered by name, oldest first).
// Templates already have theirs.
func setVMCreateDates(now time.Time) {
	var vms []*simulator.VirtualMachine
	for _, e := range simulator.Map.All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok && vm.Config != nil && !vm.Config.Template {
			vms = append(vms, vm)
		}
	}
	sort.Slice(vms, func(i, j int) bool { return vms[i].Name < vms[j].Name })
	n := len(vms)
	for i, vm := range vms {
		// float64: 400 days in ns times n overflows int64 for n > ~260.
		age := time.Duration(float64(400*day)*float64(n-i)/float64(n+1)) +
			time.Duration(i%24)*time.Hour + time.Duration(i*7%60)*time.Minute
		setCreateDate(vm.Self, now.Add(-age).Truncate(time.Second))
	}
}

// setEventUsers stamps userName on events posted by the in-process client
// while building (its session has no user name), as if the primary user had
// done the work.
func setEventUsers(user string) {
	for _, e := range recentEvents() {
		if ev := e.GetEvent(); ev.UserName == "" {
			ev.UserName = user
		}
	}
}
