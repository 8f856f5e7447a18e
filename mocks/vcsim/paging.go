package main

// Paged RetrievePropertiesEx, as real vCenter does it.
//
// Stock vcsim 0.24 ignores RetrieveOptions.maxObjects and answers
// ContinueRetrievePropertiesEx with MethodNotFound. We replace the
// PropertyCollector singleton with pagingCollector, which embeds the stock
// collector BY VALUE as its first field: the simulator's reflection helpers
// (getManagedObject) walk Field(0) down to mo.PropertyCollector, so embedding a
// pointer would break property retrieval on the collector itself.
//
// Dispatch: simulator.Service.call looks the handler up in the session registry,
// then calls reflect.ValueOf(handler).MethodByName(<SOAP method name>), passing
// (*simulator.Context, *types.<Method>) and expecting a soap.HasFault back. So
// adding exported methods here is all it takes to add or override SOAP methods.
//
// Per-session state: Session.Get clones the ServiceContent PropertyCollector for
// every session with reflect.New(<type of the registered object>), so each session
// gets its own zero-valued *pagingCollector, and tokens are naturally scoped to
// the session, like real vCenter. CreatePropertyCollector is overridden to hand
// out pagingCollectors too.

import (
	"strconv"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type pagingCollector struct {
	simulator.PropertyCollector // must stay the first field, by value

	// The stock collector embeds a no-op locker, so the registry does not
	// serialise calls on it; guard our own state.
	pageMu  sync.Mutex
	pending map[string]*pendingResult
	seq     int
}

type pendingResult struct {
	max     int
	objects []types.ObjectContent
}

// installPaging swaps the ServiceContent PropertyCollector for a pagingCollector.
func installPaging(m *simulator.Model) {
	ref := m.ServiceContent.PropertyCollector
	pc := &pagingCollector{}
	pc.Self = ref
	simulator.Map.Put(pc)
}

func invalidToken() *soap.Fault {
	// Real vCenter answers an unknown, finished or cancelled token with
	// vmodl.fault.InvalidArgument; we name the offending parameter.
	return simulator.Fault("A specified parameter was not correct: token", &types.InvalidArgument{InvalidProperty: "token"})
}

// The server-side page cap. Real vCenters page on their own side: with
// maxObjects unset they answer about 100 objects and a token (reported in
// ManageIQ/manageiq#8211 and vmware/vsphere-automation-sdk-java#217); what
// they do with a large maxObjects is not published, so the largest page
// honoured is a setting too.
var (
	pageDefault = 100 // -page-default: objects a page holds when maxObjects is unset (0: all)
	pageMax     = 0   // -page-max: the most objects a page holds whatever maxObjects asks (0: no cap)
)

// pageLimit is the page size an answer gets for a requested maxObjects
// (0: everything in one answer).
func pageLimit(requested int) int {
	max := requested
	if max <= 0 {
		max = pageDefault
	}
	if pageMax > 0 && (max <= 0 || max > pageMax) {
		max = pageMax
	}
	return max
}

// RetrievePropertiesEx honours options.maxObjects under the server-side cap
// (pageLimit): at most that many objects, plus a token when more remain.
func (pc *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, req *types.RetrievePropertiesEx) soap.HasFault {
	vanishAt(false, "RetrievePropertiesEx", req) // vanish.go
	if poolPropsWanted(req.SpecSet) {
		recomputePools() // placement.go
	}
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, req)
	vanishAt(true, "RetrievePropertiesEx", req)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Fault_ != nil || body.Res == nil || body.Res.Returnval == nil {
		return res
	}
	all := body.Res.Returnval.Objects
	if v := newVisibility(ctx); v != nil { // -filter-view (filterview.go)
		if all = v.filter(all); len(all) == 0 {
			body.Res.Returnval = nil
			return body
		}
		body.Res.Returnval.Objects = all
	}
	max := pageLimit(int(req.Options.MaxObjects))
	if max <= 0 || len(all) <= max {
		return res
	}

	pc.pageMu.Lock()
	defer pc.pageMu.Unlock()
	if pc.pending == nil {
		pc.pending = make(map[string]*pendingResult)
	}
	pc.seq++
	token := strconv.Itoa(pc.seq)
	pc.pending[token] = &pendingResult{max: max, objects: all[max:]}
	body.Res.Returnval = &types.RetrieveResult{Token: token, Objects: all[:max]}
	return body
}

// ContinueRetrievePropertiesEx returns the next page for token. The token stays
// the same while pages remain and is forgotten once the last page is returned.
func (pc *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, req *types.ContinueRetrievePropertiesEx) soap.HasFault {
	vanishAt(false, "ContinueRetrievePropertiesEx", req) // vanish.go
	body := new(methods.ContinueRetrievePropertiesExBody)

	pc.pageMu.Lock()
	defer pc.pageMu.Unlock()
	p, ok := pc.pending[req.Token]
	if !ok {
		body.Fault_ = invalidToken()
		return body
	}
	// A view reflects the inventory as it is now: an object deleted since
	// the first page is not in the later ones.
	live := p.objects[:0]
	for _, o := range p.objects {
		if simulator.Map.Get(o.Obj) != nil {
			live = append(live, o)
		}
	}
	p.objects = live
	result := &types.RetrieveResult{}
	if len(p.objects) > p.max {
		result.Objects, p.objects = p.objects[:p.max], p.objects[p.max:]
		result.Token = req.Token
	} else {
		result.Objects = p.objects
		delete(pc.pending, req.Token)
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: *result}
	return body
}

// CancelRetrievePropertiesEx discards the remaining pages of token.
func (pc *pagingCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, req *types.CancelRetrievePropertiesEx) soap.HasFault {
	body := new(methods.CancelRetrievePropertiesExBody)

	pc.pageMu.Lock()
	defer pc.pageMu.Unlock()
	if _, ok := pc.pending[req.Token]; !ok {
		body.Fault_ = invalidToken()
		return body
	}
	delete(pc.pending, req.Token)
	body.Res = new(types.CancelRetrievePropertiesExResponse)
	return body
}

// CreatePropertyCollector hands out paging collectors too (the stock one would
// create a plain simulator.PropertyCollector without paging).
func (pc *pagingCollector) CreatePropertyCollector(ctx *simulator.Context, req *types.CreatePropertyCollector) soap.HasFault {
	cpc := &pagingCollector{}
	// Session.Put derives the moref type from the Go type name unless set.
	cpc.Self.Type = "PropertyCollector"
	return &methods.CreatePropertyCollectorBody{
		Res: &types.CreatePropertyCollectorResponse{Returnval: ctx.Session.Put(cpc).Reference()},
	}
}
