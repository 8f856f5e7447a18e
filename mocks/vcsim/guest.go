package main

// Guest addresses, as `vaudit diagnose` finds an appliance VM by them.
//
// Stock vcsim 0.24 already lets a client set a VM's guest IP with
// ReconfigVM_Task and extraConfig key "SET.guest.ipAddress" (guest.ipAddress,
// summary.guest.ipAddress and guest.net[0].ipAddress follow), and any other
// "SET.guest.<prop>" key assigns that guest property (toolsRunningStatus, ...).
// What it lacks, and this file adds:
//
//   - Several addresses on one NIC: the appliance carries the control-plane
//     virtual IP beside its node address. A comma-separated value
//     ("SET.guest.ipAddress" = "127.0.0.30,127.0.0.31") makes guest.ipAddress the
//     first address and guest.net[0].ipAddress all of them. A single address
//     behaves exactly as stock.
//   - Power: vCenter stops reporting guest addresses when the VM powers off (no
//     Tools) and reports them again once the guest is up. We clear guest.ipAddress,
//     summary.guest.ipAddress and guest.net[].ipAddress on power-off and restore
//     them on power-on; likewise guest.toolsRunningStatus goes to
//     guestToolsNotRunning and back. Stock keeps them on a powered-off VM.
//   - SearchIndex.FindAllByIp / FindByIp with vmSearch=true match any of a VM's
//     guest addresses (stock: only guest.ipAddress) and honour the datacenter
//     argument (stock ignores it). vmSearch=false matches host vNIC addresses, as
//     stock does (a host added by IP-literal name gets that address: -host-names).

import (
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// savedGuestIPs remembers the addresses of powered-off VMs until power-on.
var savedGuestIPs = struct {
	sync.Mutex
	m map[types.ManagedObjectReference]savedIPs
}{m: map[types.ManagedObjectReference]savedIPs{}}

type savedIPs struct {
	primary string
	nics    [][]string
	tools   string // guest.toolsRunningStatus before power-off
}

// guestUpdate is called by inventoryHook.UpdateObject for every VM update.
func guestUpdate(vm *mo.VirtualMachine, changes []types.PropertyChange) {
	for _, c := range changes {
		switch c.Name {
		case "guest.ipAddress":
			s, _ := c.Val.(string)
			setGuestIPs(vm, s)
		case "runtime.powerState":
			switch c.Val {
			case types.VirtualMachinePowerStatePoweredOff:
				hideGuestIPs(vm)
			case types.VirtualMachinePowerStatePoweredOn:
				restoreGuestIPs(vm)
			}
		}
	}
}

func setGuestIPs(vm *mo.VirtualMachine, value string) {
	if vm.Guest == nil || !strings.Contains(value, ",") {
		return // stock handled it
	}
	var ips []string
	for _, ip := range strings.Split(value, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, ip)
		}
	}
	first := ""
	if len(ips) > 0 {
		first = ips[0]
	}
	vm.Guest.IpAddress = first
	if vm.Summary.Guest != nil {
		vm.Summary.Guest.IpAddress = first
	}
	if len(vm.Guest.Net) > 0 {
		vm.Guest.Net[0].IpAddress = ips
	}
}

func hideGuestIPs(vm *mo.VirtualMachine) {
	if vm.Guest == nil {
		return
	}
	s := savedIPs{primary: vm.Guest.IpAddress, tools: vm.Guest.ToolsRunningStatus}
	any := s.primary != "" || s.tools == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	for i := range vm.Guest.Net {
		s.nics = append(s.nics, vm.Guest.Net[i].IpAddress)
		any = any || len(vm.Guest.Net[i].IpAddress) > 0
		vm.Guest.Net[i].IpAddress = nil
	}
	if !any {
		return
	}
	savedGuestIPs.Lock()
	savedGuestIPs.m[vm.Self] = s
	savedGuestIPs.Unlock()
	vm.Guest.IpAddress = ""
	if vm.Summary.Guest != nil {
		vm.Summary.Guest.IpAddress = ""
	}
	vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
}

func restoreGuestIPs(vm *mo.VirtualMachine) {
	savedGuestIPs.Lock()
	s, ok := savedGuestIPs.m[vm.Self]
	delete(savedGuestIPs.m, vm.Self)
	savedGuestIPs.Unlock()
	if !ok || vm.Guest == nil {
		return
	}
	vm.Guest.IpAddress = s.primary
	vm.Guest.ToolsRunningStatus = s.tools
	if vm.Summary.Guest != nil {
		vm.Summary.Guest.IpAddress = s.primary
	}
	for i := range vm.Guest.Net {
		if i < len(s.nics) {
			vm.Guest.Net[i].IpAddress = s.nics[i]
		}
	}
}

// arcSearchIndex replaces the SearchIndex's IP lookups (see file comment).
type arcSearchIndex struct {
	simulator.SearchIndex // by value and first, like the other wrappers
}

func installSearchIndex(m *simulator.Model) {
	ref := *m.ServiceContent.SearchIndex
	stock, ok := simulator.Map.Get(ref).(*simulator.SearchIndex)
	if !ok {
		return
	}
	simulator.Map.Put(&arcSearchIndex{SearchIndex: *stock})
}

// inDatacenter reports whether entity lies under datacenter dc (nil: any).
func inDatacenter(ref types.ManagedObjectReference, dc *types.ManagedObjectReference) bool {
	if dc == nil || dc.Value == "" {
		return true
	}
	for guard := 0; guard < 256; guard++ {
		if ref == *dc {
			return true
		}
		e := entityOf(ref)
		if e == nil || e.Entity().Parent == nil {
			return false
		}
		ref = *e.Entity().Parent
	}
	return false
}

func (s *arcSearchIndex) findAllByIP(ip string, vmSearch bool, dc *types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	if vmSearch {
		for _, e := range simulator.Map.All("VirtualMachine") {
			vm, ok := e.(*simulator.VirtualMachine)
			if !ok || vm.Guest == nil || !inDatacenter(vm.Self, dc) {
				continue
			}
			match := vm.Guest.IpAddress == ip
			for _, n := range vm.Guest.Net {
				for _, a := range n.IpAddress {
					match = match || a == ip
				}
			}
			if match {
				out = append(out, vm.Self)
			}
		}
		return out
	}
	for _, e := range simulator.Map.All("HostSystem") {
		h, ok := e.(*simulator.HostSystem)
		if !ok || h.Config == nil || h.Config.Network == nil || !inDatacenter(h.Self, dc) {
			continue
		}
		for _, n := range h.Config.Network.Vnic {
			if n.Spec.Ip != nil && n.Spec.Ip.IpAddress == ip {
				out = append(out, h.Self)
				break
			}
		}
	}
	return out
}

func (s *arcSearchIndex) FindAllByIp(req *types.FindAllByIp) soap.HasFault {
	vanishAt(false, "FindAllByIp", req) // vanish.go
	found := s.findAllByIP(req.Ip, req.VmSearch, req.Datacenter)
	vanishAt(true, "FindAllByIp", req)
	return &methods.FindAllByIpBody{Res: &types.FindAllByIpResponse{Returnval: found}}
}

func (s *arcSearchIndex) FindByIp(req *types.FindByIp) soap.HasFault {
	body := &methods.FindByIpBody{Res: &types.FindByIpResponse{}}
	if all := s.findAllByIP(req.Ip, req.VmSearch, req.Datacenter); len(all) > 0 {
		body.Res.Returnval = &all[0]
	}
	return body
}
