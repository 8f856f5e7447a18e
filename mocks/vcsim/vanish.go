package main

// -vanish RULE (repeatable): an object deleted, or changed, while a client
// reads the inventory, at the moment a given SOAP request arrives.
//
//	RULE    = NAME[=ACTION]@[after:]METHOD[+TEXT...]
//	ACTION  = gone (default: powered off if on, then Destroy_Task, as an
//	          administrator deleting it would, VmRemovedEvent included)
//	        | vm   (a template made a plain VM again)
//
// The rule fires once, on the first request of METHOD (one of the methods
// hooked, below) that contains every TEXT: before the request is served,
// or with `after:` once its answer is made and before it is sent. NAME is
// looked up when the rule fires, so it may name an object created after the
// start (an appliance VM a test deploys).
//
// -template-flip NAME=ACTION is the rule NAME=ACTION@after:RetrievePropertiesEx+
// childEntity+config.template: the template changes right after the first
// read of config.template over the inventory (a walk from the root folder
// along childEntity), before a client's second pass by reference.
//
// The overridden SOAP methods a client's steps go through (hookedMethods)
// call vanishAt with their request, before serving it and once answered;
// TEXT is matched against the request as XML. (The
// simulator has no hook of its own before dispatch: its SOAP trace writes to
// an *os.File, and its server starts serving before a handler could be
// wrapped.)

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"log"
	"strings"
	"sync"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// hookedMethods are the methods that call vanishAt: RetrievePropertiesEx and
// ContinueRetrievePropertiesEx (paging.go), FindAllByIp (guest.go), QueryPerf
// (perf.go), QueryEvents (events.go), RetrieveEntityPermissions (authz.go).
// A rule on another would never fire.
var hookedMethods = map[string]bool{
	"RetrievePropertiesEx": true, "ContinueRetrievePropertiesEx": true,
	"FindAllByIp": true, "QueryPerf": true, "QueryEvents": true,
	"RetrieveEntityPermissions": true,
}

type vanishRule struct {
	name, action, method string
	after                bool
	texts                []string
	fired                bool
}

// vanishRules is the -vanish flag: each use adds a rule.
type vanishRules []*vanishRule

func (r *vanishRules) String() string { return "" }

func (r *vanishRules) Set(s string) error {
	target, when, ok := strings.Cut(s, "@")
	name, action, _ := strings.Cut(target, "=")
	if action == "" {
		action = "gone"
	}
	if !ok || name == "" || when == "" || (action != "gone" && action != "vm") {
		return fmt.Errorf("%q: want NAME[=gone|vm]@[after:]METHOD[+TEXT...]", s)
	}
	rule := &vanishRule{name: name, action: action}
	if strings.HasPrefix(when, "after:") {
		rule.after, when = true, strings.TrimPrefix(when, "after:")
	}
	terms := strings.Split(when, "+")
	rule.method, rule.texts = terms[0], terms[1:]
	if !hookedMethods[rule.method] {
		return fmt.Errorf("%q: no rule can wait for %s (hooked: RetrievePropertiesEx, ContinueRetrievePropertiesEx, FindAllByIp, QueryPerf, QueryEvents, RetrieveEntityPermissions)", s, rule.method)
	}
	*r = append(*r, rule)
	return nil
}

var (
	vanish       vanishRules
	templateFlip string
)

// vanishMu guards the rules: requests of one session run side by side.
var (
	vanishMu     sync.Mutex
	vanishClient *vim25.Client
)

// installVanish makes the in-process client the rules delete with.
func installVanish(m *simulator.Model) error {
	if templateFlip != "" {
		if err := vanish.Set(templateFlip + "@after:RetrievePropertiesEx+childEntity+config.template"); err != nil {
			return fmt.Errorf("-template-flip %w", err)
		}
	}
	if len(vanish) == 0 {
		return nil
	}
	c, err := vim25.NewClient(context.Background(), m.Service)
	vanishClient = c
	return err
}

// vanishAt fires the rules that wait for this request of `method`, before
// it is served or, `after`, once it is answered.
func vanishAt(after bool, method string, req interface{}) {
	if len(vanish) == 0 {
		return
	}
	body, _ := xml.Marshal(req)
	var now []*vanishRule
	vanishMu.Lock()
	for _, r := range vanish {
		if !r.fired && r.after == after && r.method == method && containsAll(body, r.texts) {
			r.fired = true
			now = append(now, r)
		}
	}
	vanishMu.Unlock()
	for _, r := range now {
		apply(r)
	}
}

// apply deletes or changes the object the rule names.
func apply(r *vanishRule) {
	var vm *simulator.VirtualMachine
	var ref *types.ManagedObjectReference
	for _, kind := range []string{"VirtualMachine", "Folder", "ResourcePool", "Datastore", "HostSystem", "ClusterComputeResource", "Datacenter"} {
		for _, e := range simulator.Map.All(kind) {
			if e.Entity().Name == r.name {
				self := e.Reference()
				ref = &self
				vm, _ = e.(*simulator.VirtualMachine)
				break
			}
		}
		if ref != nil {
			break
		}
	}
	if ref == nil {
		log.Printf("-vanish: no object named %q", r.name)
		return
	}
	ctx := context.Background()
	if r.action == "vm" {
		if vm == nil || vm.Config == nil {
			log.Printf("-vanish: %q is not a VM", r.name)
			return
		}
		simulator.Map.WithLock(vm, func() {
			vm.Config.Template = false
			vm.Summary.Config.Template = false
		})
		return
	}
	if vm != nil && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		if err := waitTask(object.NewVirtualMachine(vanishClient, *ref).PowerOff(ctx)); err != nil {
			log.Printf("-vanish: power off %q: %v", r.name, err)
		}
	}
	if err := waitTask(object.NewCommon(vanishClient, *ref).Destroy(ctx)); err != nil {
		log.Printf("-vanish: destroy %q: %v", r.name, err)
	}
}

func waitTask(t *object.Task, err error) error {
	if err != nil {
		return err
	}
	return t.Wait(context.Background())
}

func containsAll(body []byte, texts []string) bool {
	for _, t := range texts {
		if !bytes.Contains(body, []byte(t)) {
			return false
		}
	}
	return true
}
