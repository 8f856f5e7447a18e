package main

// Placement facts (issue 15) and cluster HA (issue 17): how the target pool,
// its hosts and the target datastore fit together, and the versions and
// capacities the deployment depends on. See README.md for the flags.
//
//   - Datastore mounts: stock Model.Create calls CreateLocalDatastore once per
//     host with the same name; the last call wins, so Datastore.host[] names
//     only the LAST host while every HostSystem.datastore lists the datastore,
//     and the datastore folder lists it once per host. fixDatastoreMounts makes
//     Datastore.host[] list every host that mounts it and removes the duplicates.
//     -datastore-standalone-only unmounts the named datastores from every host
//     that is in a cluster (HostSystem.datastore, the host's datastore system,
//     Datastore.host[] and ClusterComputeResource.datastore all agree).
//   - Host names: -host-names renames hosts (IP-literal names also become the
//     host's vmk0 address, as when vCenter adds a host by IP; a standalone
//     host's ComputeResource takes the host's name, as on vCenter).
//   - Hardware: every host gets -host-memory-gib and -host-cpu-cores (stock: 4 GiB,
//     2 cores of 2294 MHz); compute resource summaries are recomputed with
//     vCenter's units (effectiveMemory in MB, effectiveCpu/totalCpu in MHz for all
//     cores; stock puts bytes in effectiveMemory and one core's MHz in the CPU sums).
//   - Resource pools: runtime.memory / runtime.cpu are computed from the
//     reservations as vSphere admission control does (recomputePools), whenever a
//     client retrieves ResourcePool or VirtualApp properties. Stock copies one ESX
//     capture (961 MiB, 4121 MHz) into every pool and shares one summary object
//     among all pools.
//   - Versions: -vc-version / -esxi-version.
//   - HA: -ha sets dasConfig.enabled in both configurationEx and configuration
//     (stock: unset in configurationEx, configuration empty).

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const mib = int64(1) << 20

type placementConfig struct {
	ha                 bool
	standaloneOnlyDS   []string
	hostNames          []string // "NEW" (in creation order) or "OLD=NEW"
	esxiVersions       []string // "VER" (all hosts) or "HOSTNAME=VER" (stock names)
	hostMemGiB         int
	hostCPUCores       int
	poolReservationMiB int64
	poolReservationMHz int64
	poolExpandable     bool
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// ---- versions

// knownBuilds: a plausible build number for common versions (clients must not
// depend on them).
var knownBuilds = map[string]string{
	"6.5.0": "5973321", "6.7.0": "8169922", "7.0.0": "15843807", "7.0.3": "21477706",
	"8.0.0": "20519528", "8.0.1": "21560480", "8.0.2": "22385739", "8.0.3": "24022515",
}

func buildOf(version string) string {
	if b, ok := knownBuilds[version]; ok {
		return b
	}
	return "1000000"
}

// vcAPIVersion follows vCenter's pattern: 7.0.3 -> 7.0.3.0, 8.0.2 -> 8.0.2.0,
// 6.7.0 -> 6.7, 6.7.3 -> 6.7.3.
func vcAPIVersion(version string) string {
	parts := strings.Split(version, ".")
	major, _ := strconv.Atoi(parts[0])
	if major >= 7 {
		for len(parts) < 3 {
			parts = append(parts, "0")
		}
		return strings.Join(parts[:3], ".") + ".0"
	}
	if len(parts) >= 3 && parts[2] != "0" {
		return strings.Join(parts[:3], ".")
	}
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return version
}

func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// presentAsVCenter sets the vCenter version the ServiceContent reports (stock
// vcsim says 6.5; the default here is 8.0.2, as the Arc resource bridge needs
// 7.0 or later). Must run before m.Create(), which copies ServiceContent into
// the ServiceInstance.
func presentAsVCenter(m *simulator.Model, version, apiVersion string) error {
	if !validVersion(version) {
		return fmt.Errorf("-vc-version %q: want MAJOR.MINOR.PATCH, e.g. 7.0.3", version)
	}
	if apiVersion == "" {
		apiVersion = vcAPIVersion(version)
	}
	a := &m.ServiceContent.About
	a.Version = version
	a.Build = buildOf(version)
	a.FullName = fmt.Sprintf("VMware vCenter Server %s build-%s", version, a.Build)
	a.ApiVersion = apiVersion
	return nil
}

// ---- hosts in creation order

func moNumber(ref types.ManagedObjectReference) int {
	i := strings.LastIndexByte(ref.Value, '-')
	n, _ := strconv.Atoi(ref.Value[i+1:])
	return n
}

// hostsInOrder lists the hosts in the order Model.Create added them: per
// datacenter its standalone hosts, then each cluster's hosts.
func hostsInOrder() []*simulator.HostSystem {
	var hosts []*simulator.HostSystem
	for _, e := range simulator.Map.All("HostSystem") {
		if h, ok := e.(*simulator.HostSystem); ok {
			hosts = append(hosts, h)
		}
	}
	sort.Slice(hosts, func(i, j int) bool { return moNumber(hosts[i].Self) < moNumber(hosts[j].Self) })
	return hosts
}

func inCluster(h *simulator.HostSystem) bool {
	return h.Parent != nil && h.Parent.Type == "ClusterComputeResource"
}

// ---- apply

// applyPlacement runs after m.Create() and before buildInventory.
func applyPlacement(cfg placementConfig) error {
	hosts := hostsInOrder()
	if err := setESXiVersions(hosts, cfg.esxiVersions); err != nil {
		return err
	}
	if err := renameHosts(hosts, cfg.hostNames); err != nil {
		return err
	}
	setHostHardware(hosts, cfg.hostMemGiB, cfg.hostCPUCores)
	fixDatastoreMounts(hosts)
	if err := standaloneOnly(hosts, cfg.standaloneOnlyDS); err != nil {
		return err
	}
	setHA(cfg.ha)
	setChildPoolReservations(cfg)
	recomputePools()
	return nil
}

func setESXiVersions(hosts []*simulator.HostSystem, specs []string) error {
	byName := map[string]string{}
	all := "8.0.2"
	for _, s := range specs {
		name, ver := "", s
		if i := strings.IndexByte(s, '='); i >= 0 {
			name, ver = s[:i], s[i+1:]
		}
		if !validVersion(ver) {
			return fmt.Errorf("-esxi-version %q: want VERSION or HOST=VERSION, e.g. 6.7.0", s)
		}
		if name == "" {
			all = ver
		} else {
			byName[name] = ver
		}
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		ver := all
		if v, ok := byName[h.Name]; ok {
			ver, seen[h.Name] = v, true
		}
		p := h.Config.Product // a copy: Config is deep-copied per host
		p.Version = ver
		p.Build = buildOf(ver)
		p.FullName = fmt.Sprintf("VMware ESXi %s build-%s", ver, p.Build)
		p.ApiVersion = vcAPIVersion(ver)
		h.Config.Product = p
		sp := p // stock shares one summary product among all hosts
		h.Summary.Config.Product = &sp
	}
	for name := range byName {
		if !seen[name] {
			return fmt.Errorf("-esxi-version: no host named %s", name)
		}
	}
	return nil
}

func renameHosts(hosts []*simulator.HostSystem, specs []string) error {
	next := 0
	for _, s := range specs {
		var h *simulator.HostSystem
		newName := s
		if i := strings.IndexByte(s, '='); i >= 0 {
			old := s[:i]
			newName = s[i+1:]
			for _, x := range hosts {
				if x.Name == old {
					h = x
				}
			}
			if h == nil {
				return fmt.Errorf("-host-names: no host named %s", old)
			}
		} else {
			if next >= len(hosts) {
				return fmt.Errorf("-host-names: %d names for %d hosts", len(specs), len(hosts))
			}
			h = hosts[next]
			next++
		}
		if newName == "" {
			return fmt.Errorf("-host-names %q: empty name", s)
		}
		old := h.Name
		h.Name = newName
		h.Summary.Config.Name = newName
		if net.ParseIP(newName) != nil && h.Config.Network != nil && len(h.Config.Network.Vnic) > 0 {
			spec := h.Config.Network.Vnic[0].Spec
			ip := *spec.Ip
			ip.IpAddress = newName
			spec.Ip = &ip
			h.Config.Network.Vnic[0].Spec = spec
		}
		if !inCluster(h) && h.Parent != nil {
			if cr, ok := simulator.Map.Get(*h.Parent).(*mo.ComputeResource); ok && cr.Name == old {
				cr.Name = newName
			}
		}
	}
	return nil
}

func setHostHardware(hosts []*simulator.HostSystem, memGiB, cores int) {
	for _, h := range hosts {
		if memGiB > 0 {
			h.Summary.Hardware.MemorySize = int64(memGiB) << 30
			h.Hardware.MemorySize = int64(memGiB) << 30
		}
		if cores > 0 {
			h.Summary.Hardware.NumCpuCores = int16(cores)
			h.Summary.Hardware.NumCpuThreads = int16(cores)
			h.Hardware.CpuInfo.NumCpuCores = int16(cores)
			h.Hardware.CpuInfo.NumCpuThreads = int16(cores)
		}
	}
	for _, kind := range []string{"ComputeResource", "ClusterComputeResource"} {
		for _, e := range simulator.Map.All(kind) {
			cr := computeResourceOf(e)
			if cr == nil || cr.Summary == nil {
				continue
			}
			s := cr.Summary.GetComputeResourceSummary()
			s.TotalCpu, s.TotalMemory, s.NumCpuCores, s.NumCpuThreads = 0, 0, 0, 0
			for _, ref := range cr.Host {
				h, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
				if !ok {
					continue
				}
				hw := h.Summary.Hardware
				s.TotalCpu += hw.CpuMhz * int32(hw.NumCpuCores)
				s.TotalMemory += hw.MemorySize
				s.NumCpuCores += hw.NumCpuCores
				s.NumCpuThreads += hw.NumCpuThreads
			}
			s.EffectiveCpu = s.TotalCpu
			s.EffectiveMemory = s.TotalMemory / mib
		}
	}
}

func computeResourceOf(e mo.Reference) *mo.ComputeResource {
	switch x := e.(type) {
	case *simulator.ClusterComputeResource:
		return &x.ComputeResource
	case *mo.ComputeResource:
		return x
	}
	return nil
}

func refIndex(list []types.ManagedObjectReference, ref types.ManagedObjectReference) int {
	for i, r := range list {
		if r == ref {
			return i
		}
	}
	return -1
}

func dedupe(list []types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, r := range list {
		if refIndex(out, r) < 0 {
			out = append(out, r)
		}
	}
	return out
}

func without(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, r := range list {
		if r != ref {
			out = append(out, r)
		}
	}
	return out
}

func fixDatastoreMounts(hosts []*simulator.HostSystem) {
	for _, e := range simulator.Map.All("Datastore") {
		ds := e.(*simulator.Datastore)
		var mount types.HostMountInfo
		if len(ds.Host) > 0 {
			mount = ds.Host[0].MountInfo
		}
		var mounts []types.DatastoreHostMount
		for _, h := range hosts {
			if refIndex(h.Datastore, ds.Self) >= 0 {
				mounts = append(mounts, types.DatastoreHostMount{Key: h.Self, MountInfo: mount})
			}
		}
		ds.Host = mounts
	}
	for _, e := range simulator.Map.All("Folder") {
		f := e.(*simulator.Folder)
		f.ChildEntity = dedupe(f.ChildEntity)
	}
	for _, e := range simulator.Map.All("Datacenter") {
		dc := e.(*simulator.Datacenter)
		dc.Datastore = dedupe(dc.Datastore)
	}
	for _, kind := range []string{"ComputeResource", "ClusterComputeResource"} {
		for _, e := range simulator.Map.All(kind) {
			if cr := computeResourceOf(e); cr != nil {
				cr.Datastore = dedupe(cr.Datastore)
			}
		}
	}
}

func standaloneOnly(hosts []*simulator.HostSystem, names []string) error {
	if len(names) == 0 {
		return nil
	}
	standalone := 0
	for _, h := range hosts {
		if !inCluster(h) {
			standalone++
		}
	}
	if standalone == 0 {
		return fmt.Errorf("-datastore-standalone-only needs a standalone host (-standalone >= 1)")
	}
	for _, name := range names {
		var found []*simulator.Datastore
		for _, e := range simulator.Map.All("Datastore") {
			if ds := e.(*simulator.Datastore); ds.Name == name {
				found = append(found, ds)
			}
		}
		if len(found) == 0 {
			return fmt.Errorf("-datastore-standalone-only: no datastore named %s (-datastore N creates LocalDS_0..N-1)", name)
		}
		for _, ds := range found {
			for _, vmRef := range ds.Vm {
				if vm, ok := simulator.Map.Get(vmRef).(*simulator.VirtualMachine); ok && vm.Runtime.Host != nil {
					if h, ok := simulator.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem); ok && inCluster(h) {
						return fmt.Errorf("-datastore-standalone-only: %s holds cluster VMs (%s); the stock VMs live on LocalDS_0, name another (-datastore 2 ... LocalDS_1)", name, vm.Name)
					}
				}
			}
			unmountFromClusterHosts(ds, hosts)
		}
	}
	return nil
}

func unmountFromClusterHosts(ds *simulator.Datastore, hosts []*simulator.HostSystem) {
	for _, h := range hosts {
		if !inCluster(h) || refIndex(h.Datastore, ds.Self) < 0 {
			continue
		}
		// HostSystem.datastore shares its backing array with the host's
		// datastore system: give both a fresh slice.
		h.Datastore = without(h.Datastore, ds.Self)
		if h.ConfigManager.DatastoreSystem != nil {
			if dss, ok := simulator.Map.Get(*h.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem); ok {
				dss.Datastore = append([]types.ManagedObjectReference(nil), h.Datastore...)
			}
		}
		var mounts []types.DatastoreHostMount
		for _, m := range ds.Host {
			if m.Key != h.Self {
				mounts = append(mounts, m)
			}
		}
		ds.Host = mounts
	}
	for _, e := range simulator.Map.All("ClusterComputeResource") {
		c := e.(*simulator.ClusterComputeResource)
		c.Datastore = without(c.Datastore, ds.Self)
	}
}

func setHA(enabled bool) {
	for _, e := range simulator.Map.All("ClusterComputeResource") {
		c := e.(*simulator.ClusterComputeResource)
		if ex, ok := c.ConfigurationEx.(*types.ClusterConfigInfoEx); ok {
			ex.DasConfig.Enabled = types.NewBool(enabled)
			if ex.DasConfig.HostMonitoring == "" {
				ex.DasConfig.HostMonitoring = string(types.ClusterDasConfigInfoServiceStateEnabled)
			}
			c.Configuration.DrsConfig = ex.DrsConfig
		}
		c.Configuration.DasConfig.Enabled = types.NewBool(enabled)
		c.Configuration.DasConfig.HostMonitoring = string(types.ClusterDasConfigInfoServiceStateEnabled)
	}
}

// ---- resource pools

func poolOf(ref types.ManagedObjectReference) *mo.ResourcePool {
	switch x := simulator.Map.Get(ref).(type) {
	case *simulator.ResourcePool:
		return &x.ResourcePool
	case *simulator.VirtualApp:
		return &x.ResourcePool
	}
	return nil
}

// setChildPoolReservations applies -pool-reservation-* to the child pools of
// every cluster's root pool (the -pool N pools, not vApps).
func setChildPoolReservations(cfg placementConfig) {
	for _, e := range simulator.Map.All("ClusterComputeResource") {
		c := e.(*simulator.ClusterComputeResource)
		root := poolOf(*c.ResourcePool)
		if root == nil {
			continue
		}
		for _, ref := range root.ResourcePool {
			if ref.Type != "ResourcePool" {
				continue
			}
			p := poolOf(ref)
			mem, cpu := p.Config.MemoryAllocation, p.Config.CpuAllocation
			mem.Reservation = types.NewInt64(cfg.poolReservationMiB)
			cpu.Reservation = types.NewInt64(cfg.poolReservationMHz)
			mem.ExpandableReservation = types.NewBool(cfg.poolExpandable)
			cpu.ExpandableReservation = types.NewBool(cfg.poolExpandable)
			p.Config.MemoryAllocation, p.Config.CpuAllocation = mem, cpu
		}
	}
}

type usage struct{ mem, cpu int64 } // MiB, MHz

var poolMu sync.Mutex

// recomputePools sets runtime (and a per-pool summary) of every pool from the
// reservations, as vSphere's admission control sees them:
//
//	used(P)       = sum over child pools C of (C expandable ? max(R_C, used(C)) : R_C)
//	                + sum of the reservations of P's powered-on VMs
//	unreserved(root) = capacity - used(root)
//	unreserved(C)    = max(0, R_C - used(C)) + (C expandable ? unreserved(parent) : 0)
//
// The root pool's capacity is the sum of its connected hosts' memory and CPU
// (all cores); its reservation and limit equal that capacity, as on vCenter.
func recomputePools() {
	poolMu.Lock()
	defer poolMu.Unlock()
	for _, kind := range []string{"ComputeResource", "ClusterComputeResource"} {
		for _, e := range simulator.Map.All(kind) {
			cr := computeResourceOf(e)
			if cr == nil || cr.ResourcePool == nil {
				continue
			}
			var capacity usage
			for _, ref := range cr.Host {
				h, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
				if !ok || h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
					continue
				}
				capacity.mem += h.Summary.Hardware.MemorySize / mib
				capacity.cpu += int64(h.Summary.Hardware.CpuMhz) * int64(h.Summary.Hardware.NumCpuCores)
			}
			root := poolOf(*cr.ResourcePool)
			if root == nil {
				continue
			}
			for _, a := range []*types.ResourceAllocationInfo{&root.Config.MemoryAllocation, &root.Config.CpuAllocation} {
				v := capacity.mem
				if a == &root.Config.CpuAllocation {
					v = capacity.cpu
				}
				a.Reservation, a.Limit = types.NewInt64(v), types.NewInt64(v)
				a.ExpandableReservation = types.NewBool(false)
			}
			used := map[types.ManagedObjectReference]usage{}
			poolUsed(root, used)
			u := used[root.Self]
			setPoolRuntime(root, used, usage{capacity.mem - u.mem, capacity.cpu - u.cpu}, capacity)
		}
	}
}

func reservation(a types.ResourceAllocationInfo) int64 {
	if a.Reservation == nil {
		return 0
	}
	return *a.Reservation
}

func expandable(a types.ResourceAllocationInfo) bool {
	return a.ExpandableReservation != nil && *a.ExpandableReservation
}

func vmReservations(p *mo.ResourcePool) usage {
	var u usage
	for _, ref := range p.Vm {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok || vm.Config == nil || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			continue
		}
		if a := vm.Config.MemoryAllocation; a != nil {
			u.mem += reservation(*a)
		}
		if a := vm.Config.CpuAllocation; a != nil {
			u.cpu += reservation(*a)
		}
	}
	return u
}

func poolUsed(p *mo.ResourcePool, used map[types.ManagedObjectReference]usage) usage {
	u := vmReservations(p)
	for _, ref := range p.ResourcePool {
		c := poolOf(ref)
		if c == nil {
			continue
		}
		cu := poolUsed(c, used)
		rm, rc := reservation(c.Config.MemoryAllocation), reservation(c.Config.CpuAllocation)
		if expandable(c.Config.MemoryAllocation) && cu.mem > rm {
			rm = cu.mem
		}
		if expandable(c.Config.CpuAllocation) && cu.cpu > rc {
			rc = cu.cpu
		}
		u.mem += rm
		u.cpu += rc
	}
	used[p.Self] = u
	return u
}

func setPoolRuntime(p *mo.ResourcePool, used map[types.ManagedObjectReference]usage, unreserved, max usage) {
	u, vms := used[p.Self], vmReservations(p)
	if unreserved.mem < 0 {
		unreserved.mem = 0
	}
	if unreserved.cpu < 0 {
		unreserved.cpu = 0
	}
	if l := p.Config.MemoryAllocation.Limit; l != nil && *l >= 0 && *l < max.mem {
		max.mem = *l
	}
	if l := p.Config.CpuAllocation.Limit; l != nil && *l >= 0 && *l < max.cpu {
		max.cpu = *l
	}
	rt := types.ResourcePoolRuntimeInfo{
		Memory: types.ResourcePoolResourceUsage{
			ReservationUsed:      u.mem * mib,
			ReservationUsedForVm: vms.mem * mib,
			UnreservedForPool:    unreserved.mem * mib,
			UnreservedForVm:      unreserved.mem * mib,
			MaxUsage:             max.mem * mib,
		},
		Cpu: types.ResourcePoolResourceUsage{
			ReservationUsed:      u.cpu,
			ReservationUsedForVm: vms.cpu,
			UnreservedForPool:    unreserved.cpu,
			UnreservedForVm:      unreserved.cpu,
			MaxUsage:             max.cpu,
		},
		OverallStatus: types.ManagedEntityStatusGreen,
	}
	simulator.Map.WithLock(p, func() {
		p.Runtime = rt
		if _, isApp := p.Summary.(*types.VirtualAppSummary); !isApp {
			// A summary of its own (stock shares one among all pools).
			p.Summary = &types.ResourcePoolSummary{Name: p.Name, Config: p.Config, Runtime: rt}
		}
	})
	for _, ref := range p.ResourcePool {
		c := poolOf(ref)
		if c == nil {
			continue
		}
		cu := used[c.Self]
		var cun usage
		if r := reservation(c.Config.MemoryAllocation) - cu.mem; r > 0 {
			cun.mem = r
		}
		if r := reservation(c.Config.CpuAllocation) - cu.cpu; r > 0 {
			cun.cpu = r
		}
		if expandable(c.Config.MemoryAllocation) {
			cun.mem += unreserved.mem
		}
		if expandable(c.Config.CpuAllocation) {
			cun.cpu += unreserved.cpu
		}
		setPoolRuntime(c, used, cun, max)
	}
}

// poolPropsWanted reports whether a RetrievePropertiesEx asks for pool
// properties (only then is recomputePools worth its walk).
func poolPropsWanted(specs []types.PropertyFilterSpec) bool {
	for _, s := range specs {
		for _, p := range s.PropSet {
			if p.Type == "ResourcePool" || p.Type == "VirtualApp" || p.Type == "ManagedEntity" {
				return true
			}
		}
	}
	return false
}
