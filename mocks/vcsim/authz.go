package main

// vCenter-like authorization for the simulator.
//
// Stock vcsim 0.24 answers every privilege check with "granted", keeps an empty
// privilegeList, hands out roleId 0 for every new role and replaces an entity's
// whole permission list on SetEntityPermissions. An auditor tested against that
// proves nothing, so this file replaces the AuthorizationManager with one backed
// by a real permission store and vSphere's inheritance rules, and adds password
// checked logins for the extra users of the test scenario.
//
// Both replacements follow the harness rule from vcsim-0.24-notes.md: a wrapper
// that embeds the stock object BY VALUE as its first field, registered under the
// same moref with simulator.Map.Put (a pointer embedding breaks the
// PropertyCollector, which reflects over the struct to serve roleList etc.).
// The SessionManager one cannot be registered right away; see "Logins for the
// extra users" below for why and when it is.
//
// Inheritance model (vSphere Security guide, "Hierarchical Inheritance of
// Permissions" and "Multiple Permission Settings"), as implemented by
// (*arcAuthzManager).effective:
//
//   - A permission defined on the entity itself always applies.
//   - Walking up the parent chain, the FIRST entity holding permissions that apply
//     to the user decides; everything above it is ignored ("permissions applied on
//     a child object always override permissions applied on a parent object").
//   - On that entity the user's own permission beats the permissions of the user's
//     groups; if only groups match, the roles of all matching groups are united.
//   - A permission on an ancestor applies only if propagate=true, except for the
//     "complex entity" rule: Datacenter, ClusterComputeResource, ComputeResource
//     and HostSystem are complex entities whose hidden direct children (the
//     datacenter's vm/host/datastore/network folders, a cluster's root resource
//     pool, a standalone host's pool) are treated as part of them, so a
//     non-propagating permission on a complex entity still reaches its DIRECT
//     children. It does not reach grandchildren: a VM in a datacenter's vmFolder
//     is not covered by a non-propagating permission on the datacenter. This is
//     our reading; it keeps propagate=false meaningful on datacenters.
//   - A VirtualMachine (and a VirtualApp) inherits along two chains at once: its
//     inventory folder chain (parent / parentFolder) and its resource pool chain
//     (resourcePool / parent pool -> cluster -> host folder -> datacenter ...).
//     vSphere: "Virtual machines inherit permissions from both the parent virtual
//     machine folder and the parent host, cluster, or resource pool
//     simultaneously". Each chain is resolved with the nearest-wins rule above and
//     the results are united. A permission on the VM itself short-circuits both.
//   - The NoAccess role (-5) grants nothing, yet it still "applies", so it stops
//     the walk: that is how an administrator masks an inherited grant. (Among
//     several matching groups on one entity it is simply united with the others.)
//   - System.Anonymous, System.View and System.Read are part of every role except
//     NoAccess.
//
// Principals are compared case-insensitively, and "DOMAIN\name" is treated as
// the same principal as "name@domain" (vCenter accepts both spellings).

import (
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml" // simulator.Element decodes with this fork
)

// System role ids, as on every vCenter.
const (
	roleNoAccess  int32 = -5
	roleAnonymous int32 = -4
	roleView      int32 = -3
	roleReadOnly  int32 = -2
	roleAdmin     int32 = -1
)

const (
	privModifyPermissions = "Authorization.ModifyPermissions"
	privModifyRoles       = "Authorization.ModifyRoles"
)

// implicitPrivileges are part of every role except NoAccess.
var implicitPrivileges = []string{"System.Anonymous", "System.View", "System.Read"}

// vcenterOnlyPrivileges exist on vCenter but not in the ESX role capture the
// simulator ships (its Admin role lacks the tagging privileges, for example).
var vcenterOnlyPrivileges = []string{
	"InventoryService.Tagging.AttachTag",
	"InventoryService.Tagging.ObjectAttachable",
	"InventoryService.Tagging.CreateTag",
	"InventoryService.Tagging.DeleteTag",
	"InventoryService.Tagging.EditTag",
	"InventoryService.Tagging.CreateCategory",
	"InventoryService.Tagging.DeleteCategory",
	"InventoryService.Tagging.EditCategory",
	"InventoryService.Tagging.ModifyUsedByForCategory",
	"InventoryService.Tagging.ModifyUsedByForTag",
	"VirtualMachine.Config.ManagedBy",
	"VirtualMachine.Config.ToggleForkParent",
	"VirtualMachine.Provisioning.Customize",
	"Sessions.ValidateSession",
	"System.Anonymous",
	"System.View",
	"System.Read",
}

// complexEntityTypes: see the package comment ("complex entity" rule).
var complexEntityTypes = map[string]bool{
	"Datacenter":             true,
	"ClusterComputeResource": true,
	"ComputeResource":        true,
	"HostSystem":             true,
}

// ---------------------------------------------------------------------------
// Users file

// usersFile is the JSON given with -users. Passwords are never stored in it:
// each user names the environment variable holding its password.
type usersFile struct {
	Users []struct {
		Name        string   `json:"name"`
		PasswordEnv string   `json:"password_env"`
		Groups      []string `json:"groups"`
		// Days until the password expires, as SSO's
		// GetDaysRemainingUntilPasswordExpiration answers (0: expired);
		// absent: it never expires (-1).
		PasswordExpiresInDays *int `json:"password_expires_in_days"`
	} `json:"users"`
	Groups []string `json:"groups"`
}

type authzUser struct {
	name     string   // as written in the users file / on the command line
	password string   // from the environment
	groups   []string // canonical group principals
	// expiresIn is the days until the password expires; nil: never.
	expiresIn *int
}

// canonicalPrincipal folds the two spellings vCenter accepts ("DOMAIN\name"
// and "name@domain") to one lower-case key.
func canonicalPrincipal(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if i := strings.IndexByte(p, '\\'); i >= 0 {
		return p[i+1:] + "@" + p[:i]
	}
	return p
}

// ---------------------------------------------------------------------------
// Permission store

type authzStore struct {
	rootFolder types.ManagedObjectReference

	users  map[string]*authzUser // canonical name -> user
	groups map[string]string     // canonical -> as written

	privileges map[string]bool // every known privilege id

	// perms holds each entity's own permissions in definition order; order
	// lists the entities in the order they first got a permission so that
	// RetrieveAllPermissions is deterministic.
	perms map[types.ManagedObjectReference][]types.Permission
	order []types.ManagedObjectReference

	// global holds the global permissions (restapi.go creates them): they
	// sit above the root folder, so a propagating one reaches every entity
	// no nearer permission decides for, and one that does not propagate
	// reaches none ("Global Permissions", vSphere Security). SOAP does not
	// list them, as on vCenter.
	global []types.Permission

	nextRoleID int32

	// sessions maps session keys to user names for HasPrivilegeOnEntities,
	// which names the session to check by key. Filled by arcSessionManager.
	sessionMu sync.Mutex
	sessions  map[string]string
}

// userGroups returns the canonical groups of a user (nil for unknown users).
func (s *authzStore) userGroups(user string) map[string]bool {
	g := map[string]bool{}
	if u := s.users[canonicalPrincipal(user)]; u != nil {
		for _, name := range u.groups {
			g[name] = true
		}
	}
	return g
}

func (s *authzStore) setPermission(entity types.ManagedObjectReference, p types.Permission) {
	ref := entity
	p.Entity = &ref
	list, seen := s.perms[entity]
	if !seen {
		s.order = append(s.order, entity)
	}
	key := canonicalPrincipal(p.Principal)
	for i := range list {
		if list[i].Group == p.Group && canonicalPrincipal(list[i].Principal) == key {
			list[i] = p // vCenter merges by principal: replace that principal's entry
			s.perms[entity] = list
			return
		}
	}
	s.perms[entity] = append(list, p)
}

// ---------------------------------------------------------------------------
// AuthorizationManager wrapper

type arcAuthzManager struct {
	simulator.AuthorizationManager // by value and first: see the file comment

	store *authzStore
}

func newArcAuthzManager(stock *simulator.AuthorizationManager, store *authzStore) *arcAuthzManager {
	m := &arcAuthzManager{AuthorizationManager: *stock, store: store}

	// The universe of privileges: everything any stock role mentions (the
	// NoCryptoAdmin capture has tagging and content library ids the Admin
	// capture lacks) plus the vCenter-only ids.
	known := map[string]bool{}
	for _, r := range esx.RoleList {
		for _, id := range r.Privilege {
			known[id] = true
		}
	}
	for _, id := range vcenterOnlyPrivileges {
		known[id] = true
	}
	store.privileges = known

	ids := sortedKeys(known)
	m.PrivilegeList = make([]types.AuthorizationPrivilege, 0, len(ids))
	groupSeen := map[string]bool{}
	var privDesc, groupDesc []types.BaseElementDescription
	for _, id := range ids {
		group, name := splitPrivilege(id)
		m.PrivilegeList = append(m.PrivilegeList, types.AuthorizationPrivilege{
			PrivId:        id,
			Name:          name,
			PrivGroupName: group,
			OnParent:      false,
		})
		privDesc = append(privDesc, &types.ElementDescription{
			Description: types.Description{Label: name, Summary: id},
			Key:         id,
		})
		if !groupSeen[group] {
			groupSeen[group] = true
			groupDesc = append(groupDesc, &types.ElementDescription{
				Description: types.Description{Label: group, Summary: group},
				Key:         group,
			})
		}
	}
	m.Description = types.AuthorizationDescription{Privilege: privDesc, PrivilegeGroup: groupDesc}

	// System roles. Admin gets every privilege; NoCryptoAdmin everything but
	// Cryptographer.*; the others keep their fixed meaning.
	var noCrypto []string
	for _, id := range ids {
		if !strings.HasPrefix(id, "Cryptographer.") {
			noCrypto = append(noCrypto, id)
		}
	}
	sys := func(id int32, name, label, summary string, privs []string) types.AuthorizationRole {
		return types.AuthorizationRole{
			RoleId:    id,
			System:    true,
			Name:      name,
			Info:      &types.Description{Label: label, Summary: summary},
			Privilege: privs,
		}
	}
	m.RoleList = []types.AuthorizationRole{
		sys(-6, "NoCryptoAdmin", "No cryptography administrator", "Full access without Cryptographic operations privileges", noCrypto),
		sys(roleNoAccess, "NoAccess", "No access", "Used for restricting granted access", nil),
		sys(roleAnonymous, "Anonymous", "Anonymous", "Not logged-in user (cannot be granted)", []string{"System.Anonymous"}),
		sys(roleView, "View", "View", "Visibility access (cannot be granted)", []string{"System.Anonymous", "System.View"}),
		sys(roleReadOnly, "ReadOnly", "Read-only", "See details of objects, but not make changes", append([]string(nil), implicitPrivileges...)),
		sys(roleAdmin, "Admin", "Administrator", "Full access rights", ids),
	}
	// vCenter numbers custom roles from a positive base; any unique positive id
	// will do for clients, which must treat role ids as opaque.
	store.nextRoleID = 1001
	return m
}

func splitPrivilege(id string) (group, name string) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return id, id
	}
	return id[:i], id[i+1:]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (m *arcAuthzManager) role(id int32) *types.AuthorizationRole {
	for i := range m.RoleList {
		if m.RoleList[i].RoleId == id {
			return &m.RoleList[i]
		}
	}
	return nil
}

// rolePrivileges returns the privileges a role grants, implicit ones included.
func (m *arcAuthzManager) rolePrivileges(id int32) []string {
	if id == roleNoAccess {
		return nil
	}
	r := m.role(id)
	if r == nil {
		return nil // a permission whose role was removed grants nothing
	}
	return r.Privilege
}

// normalizePrivileges validates ids against privilegeList and adds the
// implicit System.* privileges, as vCenter does when a role is saved.
func (m *arcAuthzManager) normalizePrivileges(ids []string) ([]string, *soap.Fault) {
	set := map[string]bool{}
	for _, id := range ids {
		if !m.store.privileges[id] {
			return nil, simulator.Fault(fmt.Sprintf("privilege %q is not known", id),
				&types.InvalidArgument{InvalidProperty: "privIds"})
		}
		set[id] = true
	}
	for _, id := range implicitPrivileges {
		set[id] = true
	}
	return sortedKeys(set), nil
}

// ---- entity helpers

func entityOf(ref types.ManagedObjectReference) mo.Entity {
	e, _ := simulator.Map.Get(ref).(mo.Entity)
	return e
}

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("managed object not found: %s", ref),
		&types.ManagedObjectNotFound{Obj: ref})
}

// parents lists the entities an entity inherits from: its inventory parent
// and, for VMs and vApps, its resource pool (see the file comment).
func parents(ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	add := func(p *types.ManagedObjectReference) {
		if p == nil || p.Value == "" {
			return
		}
		for _, x := range out {
			if x == *p {
				return
			}
		}
		out = append(out, *p)
	}
	switch e := simulator.Map.Get(ref).(type) {
	case *simulator.VirtualMachine:
		add(e.Parent)
		add(e.ResourcePool)
		if len(out) == 0 {
			add(e.ParentVApp)
		}
	case *simulator.VirtualApp:
		add(e.ParentFolder)
		add(e.Parent)
		add(e.ParentVApp)
	case mo.Entity:
		add(e.Entity().Parent)
	}
	return out
}

// applicable reports whether a permission defined on `on` reaches an entity
// `depth` steps below it (depth 0: the entity itself).
func applicable(p types.Permission, on types.ManagedObjectReference, depth int) bool {
	switch {
	case depth == 0:
		return true
	case p.Propagate:
		return true
	default:
		return depth == 1 && complexEntityTypes[on.Type]
	}
}

// decide returns the privileges granted on entity `on` to the user, considering
// only permissions that reach `depth` levels down, and whether any permission
// applied at all (which ends the upward walk).
func (m *arcAuthzManager) decide(on types.ManagedObjectReference, depth int, user string, groups map[string]bool) (map[string]bool, bool) {
	var own, viaGroups []types.Permission
	key := canonicalPrincipal(user)
	for _, p := range m.store.perms[on] {
		if !applicable(p, on, depth) {
			continue
		}
		principal := canonicalPrincipal(p.Principal)
		switch {
		case !p.Group && principal == key:
			own = append(own, p)
		case p.Group && groups[principal]:
			viaGroups = append(viaGroups, p)
		}
	}
	use := viaGroups
	if len(own) > 0 {
		use = own // the user's own permission beats its groups' on the same entity
	}
	if len(use) == 0 {
		return nil, false
	}
	granted := map[string]bool{}
	for _, p := range use { // several groups' roles on one entity are united
		for _, id := range m.rolePrivileges(p.RoleId) {
			granted[id] = true
		}
	}
	return granted, true
}

// decideGlobal is decide for the global permissions that propagate, the
// last stop of every chain.
func (m *arcAuthzManager) decideGlobal(user string, groups map[string]bool) (map[string]bool, bool) {
	var own, viaGroups []types.Permission
	key := canonicalPrincipal(user)
	for _, p := range m.store.global {
		principal := canonicalPrincipal(p.Principal)
		switch {
		case !p.Propagate:
		case !p.Group && principal == key:
			own = append(own, p)
		case p.Group && groups[principal]:
			viaGroups = append(viaGroups, p)
		}
	}
	use := viaGroups
	if len(own) > 0 {
		use = own
	}
	if len(use) == 0 {
		return nil, false
	}
	granted := map[string]bool{}
	for _, p := range use {
		for _, id := range m.rolePrivileges(p.RoleId) {
			granted[id] = true
		}
	}
	return granted, true
}

// effective computes the user's privileges on an entity (see file comment).
func (m *arcAuthzManager) effective(ref types.ManagedObjectReference, user string) map[string]bool {
	groups := m.store.userGroups(user)
	if granted, ok := m.decide(ref, 0, user, groups); ok {
		return granted
	}
	out := map[string]bool{}
	unite := func(granted map[string]bool) {
		for id := range granted {
			out[id] = true
		}
	}
	chains := parents(ref)
	if len(chains) == 0 { // the root folder: only the global permissions are above it
		if granted, ok := m.decideGlobal(user, groups); ok {
			unite(granted)
		}
	}
	for _, start := range chains {
		// Nearest wins along each chain; chains (folder / pool) are united.
		cur, depth := start, 1
		for guard := 0; guard < 256; guard++ {
			if granted, ok := m.decide(cur, depth, user, groups); ok {
				unite(granted)
				break
			}
			e := entityOf(cur)
			if e == nil || e.Entity().Parent == nil {
				if granted, ok := m.decideGlobal(user, groups); ok {
					unite(granted)
				}
				break
			}
			cur, depth = *e.Entity().Parent, depth+1
		}
	}
	return out
}

// inheritedPermissions lists the permissions of ancestors that reach ref,
// nearest first, over the same chains as effective.
func (m *arcAuthzManager) inheritedPermissions(ref types.ManagedObjectReference) []types.Permission {
	var out []types.Permission
	seen := map[string]bool{}
	for _, start := range parents(ref) {
		cur, depth := start, 1
		for guard := 0; guard < 256; guard++ {
			for _, p := range m.store.perms[cur] {
				k := fmt.Sprintf("%s|%t|%s", cur, p.Group, canonicalPrincipal(p.Principal))
				if applicable(p, cur, depth) && !seen[k] {
					seen[k] = true
					out = append(out, p)
				}
			}
			e := entityOf(cur)
			if e == nil || e.Entity().Parent == nil {
				break
			}
			cur, depth = *e.Entity().Parent, depth+1
		}
	}
	return out
}

// ---- caller identity and access checks

// callerName is the user of the session making the request.
func callerName(ctx *simulator.Context) string {
	if ctx == nil || ctx.Session == nil {
		return ""
	}
	return ctx.Session.UserName
}

// requireOnRoot answers NoPermission, shaped like vCenter's (object +
// privilegeId), unless the caller holds priv on the root folder.
func (m *arcAuthzManager) requireOnRoot(ctx *simulator.Context, priv string) *soap.Fault {
	if m.effective(m.store.rootFolder, callerName(ctx))[priv] {
		return nil
	}
	return simulator.Fault("Permission to perform this operation was denied.",
		&types.NoPermission{Object: m.store.rootFolder, PrivilegeId: priv})
}

// requireSelfOrAdmin: a user may ask about itself; asking about another user
// needs Authorization.ModifyPermissions on the root folder.
func (m *arcAuthzManager) requireSelfOrAdmin(ctx *simulator.Context, user string) *soap.Fault {
	if canonicalPrincipal(user) == canonicalPrincipal(callerName(ctx)) {
		return nil
	}
	return m.requireOnRoot(ctx, privModifyPermissions)
}

// sessionUser resolves a session key to its user name.
func (m *arcAuthzManager) sessionUser(ctx *simulator.Context, key string) (string, bool) {
	if ctx.Session != nil && ctx.Session.Key == key {
		return ctx.Session.UserName, true
	}
	m.store.sessionMu.Lock()
	name, ok := m.store.sessions[key]
	m.store.sessionMu.Unlock()
	return name, ok
}

func (m *arcAuthzManager) checkEntities(refs []types.ManagedObjectReference) *soap.Fault {
	for _, ref := range refs {
		if entityOf(ref) == nil {
			return notFound(ref)
		}
	}
	return nil
}

func (m *arcAuthzManager) availability(refs []types.ManagedObjectReference, user string, privs []string) []types.EntityPrivilege {
	out := make([]types.EntityPrivilege, 0, len(refs))
	for _, ref := range refs {
		granted := m.effective(ref, user)
		ep := types.EntityPrivilege{Entity: ref}
		for _, id := range privs {
			// Unknown ids are never granted: no role can contain them.
			ep.PrivAvailability = append(ep.PrivAvailability, types.PrivilegeAvailability{
				PrivId:    id,
				IsGranted: granted[id] && m.store.privileges[id],
			})
		}
		out = append(out, ep)
	}
	return out
}

// ---- privilege checks

func (m *arcAuthzManager) HasPrivilegeOnEntities(ctx *simulator.Context, req *types.HasPrivilegeOnEntities) soap.HasFault {
	body := &methods.HasPrivilegeOnEntitiesBody{}
	user, ok := m.sessionUser(ctx, req.SessionId)
	if !ok {
		body.Fault_ = simulator.Fault("session not found", &types.InvalidArgument{InvalidProperty: "sessionId"})
		return body
	}
	if f := m.checkEntities(req.Entity); f != nil {
		body.Fault_ = f
		return body
	}
	body.Res = &types.HasPrivilegeOnEntitiesResponse{Returnval: m.availability(req.Entity, user, req.PrivId)}
	return body
}

// HasPrivilegeOnEntityResponse replaces types.HasPrivilegeOnEntityResponse on
// the wire: govmomi's encoder applies that type's `omitempty` to each element of
// the []bool, so every "false" would silently vanish from the answer. The
// simulator names the response element after this type, hence the exact name.
type HasPrivilegeOnEntityResponse struct {
	Returnval []bool `xml:"returnval"`
}

type hasPrivilegeOnEntityBody struct {
	Res    *HasPrivilegeOnEntityResponse `xml:"HasPrivilegeOnEntityResponse,omitempty"`
	Fault_ *soap.Fault                   `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault,omitempty"`
}

func (b *hasPrivilegeOnEntityBody) Fault() *soap.Fault { return b.Fault_ }

func (m *arcAuthzManager) HasPrivilegeOnEntity(ctx *simulator.Context, req *types.HasPrivilegeOnEntity) soap.HasFault {
	body := &hasPrivilegeOnEntityBody{}
	user, ok := m.sessionUser(ctx, req.SessionId)
	if !ok {
		body.Fault_ = simulator.Fault("session not found", &types.InvalidArgument{InvalidProperty: "sessionId"})
		return body
	}
	if f := m.checkEntities([]types.ManagedObjectReference{req.Entity}); f != nil {
		body.Fault_ = f
		return body
	}
	res := m.availability([]types.ManagedObjectReference{req.Entity}, user, req.PrivId)[0]
	granted := make([]bool, len(res.PrivAvailability))
	for i, a := range res.PrivAvailability {
		granted[i] = a.IsGranted
	}
	body.Res = &HasPrivilegeOnEntityResponse{Returnval: granted}
	return body
}

func (m *arcAuthzManager) HasUserPrivilegeOnEntities(ctx *simulator.Context, req *types.HasUserPrivilegeOnEntities) soap.HasFault {
	body := &methods.HasUserPrivilegeOnEntitiesBody{}
	if f := m.requireSelfOrAdmin(ctx, req.UserName); f != nil {
		body.Fault_ = f
		return body
	}
	if f := m.checkEntities(req.Entities); f != nil {
		body.Fault_ = f
		return body
	}
	body.Res = &types.HasUserPrivilegeOnEntitiesResponse{Returnval: m.availability(req.Entities, req.UserName, req.PrivId)}
	return body
}

func (m *arcAuthzManager) FetchUserPrivilegeOnEntities(ctx *simulator.Context, req *types.FetchUserPrivilegeOnEntities) soap.HasFault {
	body := &methods.FetchUserPrivilegeOnEntitiesBody{}
	if f := m.requireSelfOrAdmin(ctx, req.UserName); f != nil {
		body.Fault_ = f
		return body
	}
	if f := m.checkEntities(req.Entities); f != nil {
		body.Fault_ = f
		return body
	}
	var res []types.UserPrivilegeResult
	for _, ref := range req.Entities {
		res = append(res, types.UserPrivilegeResult{Entity: ref, Privileges: sortedKeys(m.effective(ref, req.UserName))})
	}
	body.Res = &types.FetchUserPrivilegeOnEntitiesResponse{Returnval: res}
	return body
}


// ---- what grant needs: refused entities, the last administrator, and an
// injected failure

// failAuthzChange makes the N-th authorization change (role add, update or
// remove, permission set or remove, REST create or delete; counted from 1)
// fail with a SystemError, so a client's journal can be tested halfway
// through (-fail-authz-change). 0: never.
var failAuthzChange = 0

// authzChanges counts the authorization changes attempted so far.
var authzChanges = 0

// injectedFailure counts one change and answers the injected fault when it
// is the one to fail.
func injectedFailure() *soap.Fault {
	authzChanges++
	if failAuthzChange > 0 && authzChanges == failAuthzChange {
		return simulator.Fault(fmt.Sprintf("injected failure of authorization change %d (-fail-authz-change)", authzChanges),
			&types.SystemError{Reason: "injected"})
	}
	return nil
}

// refusedEntity: vSphere refuses a permission on a datacenter's direct child
// folders, on the root resource pool of a cluster or standalone host, and on
// a standalone host's HostSystem ("these objects always have the same
// permissions as their parent": SetEntityPermissions, vSphere API reference).
func refusedEntity(ref types.ManagedObjectReference) *soap.Fault {
	e := entityOf(ref)
	if e == nil {
		return nil
	}
	parent := e.Entity().Parent
	if parent == nil {
		return nil
	}
	refused := false
	switch ref.Type {
	case "Folder":
		refused = parent.Type == "Datacenter"
	case "ResourcePool":
		refused = parent.Type == "ClusterComputeResource" || parent.Type == "ComputeResource"
	case "HostSystem":
		refused = parent.Type == "ComputeResource"
	}
	if !refused {
		return nil
	}
	return simulator.Fault(fmt.Sprintf("a permission cannot be set on %s:%s: it always has its parent's permissions", ref.Type, ref.Value),
		&types.InvalidArgument{InvalidProperty: "entity"})
}

// adminCount counts the permissions granting the Admin role.
func (s *authzStore) adminCount() int {
	n := 0
	for _, list := range s.perms {
		for _, p := range list {
			if p.RoleId == roleAdmin {
				n++
			}
		}
	}
	return n
}

// lastAdmin answers AuthMinimumAdminPermission when a change would take away
// the last permission granting Admin: vCenter keeps at least one.
func lastAdmin(before, after int) *soap.Fault {
	if before > 0 && after == 0 {
		return simulator.Fault("the change would leave no permission granting the Administrator role",
			&types.AuthMinimumAdminPermission{})
	}
	return nil
}

// ---- roles

func (m *arcAuthzManager) AddAuthorizationRole(ctx *simulator.Context, req *types.AddAuthorizationRole) soap.HasFault {
	body := &methods.AddAuthorizationRoleBody{}
	if f := m.requireOnRoot(ctx, privModifyRoles); f != nil {
		body.Fault_ = f
		return body
	}
	if f := injectedFailure(); f != nil {
		body.Fault_ = f
		return body
	}
	// vCenter refuses an empty name and one with a control character.
	if strings.TrimSpace(req.Name) == "" || strings.IndexFunc(req.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		body.Fault_ = simulator.Fault(fmt.Sprintf("invalid role name %q", req.Name), &types.InvalidName{Name: req.Name})
		return body
	}
	for _, r := range m.RoleList {
		if strings.EqualFold(r.Name, req.Name) {
			body.Fault_ = simulator.Fault(fmt.Sprintf("role %q already exists", req.Name), &types.AlreadyExists{Name: req.Name})
			return body
		}
	}
	privs, f := m.normalizePrivileges(req.PrivIds)
	if f != nil {
		body.Fault_ = f
		return body
	}
	id := m.store.nextRoleID
	m.store.nextRoleID++
	// Copy on write: the PropertyCollector may hold the old slice.
	roles := append(append([]types.AuthorizationRole(nil), m.RoleList...), types.AuthorizationRole{
		RoleId:    id,
		System:    false,
		Name:      req.Name,
		Info:      &types.Description{Label: req.Name, Summary: req.Name},
		Privilege: privs,
	})
	m.RoleList = roles
	body.Res = &types.AddAuthorizationRoleResponse{Returnval: id}
	return body
}

func (m *arcAuthzManager) UpdateAuthorizationRole(ctx *simulator.Context, req *types.UpdateAuthorizationRole) soap.HasFault {
	body := &methods.UpdateAuthorizationRoleBody{}
	if f := m.requireOnRoot(ctx, privModifyRoles); f != nil {
		body.Fault_ = f
		return body
	}
	if f := injectedFailure(); f != nil {
		body.Fault_ = f
		return body
	}
	r := m.role(req.RoleId)
	if r == nil {
		body.Fault_ = simulator.Fault("role not found", &types.NotFound{})
		return body
	}
	if r.System {
		body.Fault_ = simulator.Fault("system roles cannot be modified", &types.InvalidArgument{InvalidProperty: "roleId"})
		return body
	}
	for _, o := range m.RoleList {
		if o.RoleId != req.RoleId && req.NewName != "" && strings.EqualFold(o.Name, req.NewName) {
			body.Fault_ = simulator.Fault(fmt.Sprintf("role %q already exists", req.NewName), &types.AlreadyExists{Name: req.NewName})
			return body
		}
	}
	updated := *r
	if req.NewName != "" {
		updated.Name = req.NewName
		updated.Info = &types.Description{Label: req.NewName, Summary: req.NewName}
	}
	if req.PrivIds != nil { // privIds omitted: privileges unchanged
		privs, f := m.normalizePrivileges(req.PrivIds)
		if f != nil {
			body.Fault_ = f
			return body
		}
		updated.Privilege = privs
	}
	roles := append([]types.AuthorizationRole(nil), m.RoleList...)
	for i := range roles {
		if roles[i].RoleId == req.RoleId {
			roles[i] = updated
		}
	}
	m.RoleList = roles
	body.Res = &types.UpdateAuthorizationRoleResponse{}
	return body
}

func (m *arcAuthzManager) RemoveAuthorizationRole(ctx *simulator.Context, req *types.RemoveAuthorizationRole) soap.HasFault {
	body := &methods.RemoveAuthorizationRoleBody{}
	if f := m.requireOnRoot(ctx, privModifyRoles); f != nil {
		body.Fault_ = f
		return body
	}
	if f := injectedFailure(); f != nil {
		body.Fault_ = f
		return body
	}
	r := m.role(req.RoleId)
	if r == nil {
		body.Fault_ = simulator.Fault("role not found", &types.NotFound{})
		return body
	}
	if r.System {
		body.Fault_ = simulator.Fault("system roles cannot be removed", &types.InvalidArgument{InvalidProperty: "roleId"})
		return body
	}
	used := false
	for _, list := range m.store.perms {
		for _, p := range list {
			used = used || p.RoleId == req.RoleId
		}
	}
	if used && req.FailIfUsed {
		body.Fault_ = simulator.Fault("role is in use", &types.RemoveFailed{})
		return body
	}
	// vCenter drops the permissions that used the role along with it.
	for ref, list := range m.store.perms {
		var keep []types.Permission
		for _, p := range list {
			if p.RoleId != req.RoleId {
				keep = append(keep, p)
			}
		}
		m.store.perms[ref] = keep
	}
	var roles []types.AuthorizationRole
	for _, o := range m.RoleList {
		if o.RoleId != req.RoleId {
			roles = append(roles, o)
		}
	}
	m.RoleList = roles
	body.Res = &types.RemoveAuthorizationRoleResponse{}
	return body
}

// ---- permissions

func (m *arcAuthzManager) validatePermissions(entity types.ManagedObjectReference, perms []types.Permission) *soap.Fault {
	if entityOf(entity) == nil {
		return notFound(entity)
	}
	for _, p := range perms {
		if strings.TrimSpace(p.Principal) == "" {
			return simulator.Fault("empty principal", &types.InvalidArgument{InvalidProperty: "permission.principal"})
		}
		if m.role(p.RoleId) == nil {
			return simulator.Fault(fmt.Sprintf("role %d not found", p.RoleId), &types.NotFound{})
		}
	}
	return nil
}

func (m *arcAuthzManager) SetEntityPermissions(ctx *simulator.Context, req *types.SetEntityPermissions) soap.HasFault {
	body := &methods.SetEntityPermissionsBody{}
	if f := m.requireOnRoot(ctx, privModifyPermissions); f != nil {
		body.Fault_ = f
		return body
	}
	if f := m.validatePermissions(req.Entity, req.Permission); f != nil {
		body.Fault_ = f
		return body
	}
	if f := refusedEntity(req.Entity); f != nil {
		body.Fault_ = f
		return body
	}
	if f := injectedFailure(); f != nil {
		body.Fault_ = f
		return body
	}
	before := m.store.adminCount()
	prior := append([]types.Permission(nil), m.store.perms[req.Entity]...)
	for _, p := range req.Permission {
		m.store.setPermission(req.Entity, p)
	}
	if f := lastAdmin(before, m.store.adminCount()); f != nil {
		m.store.perms[req.Entity] = prior
		body.Fault_ = f
		return body
	}
	body.Res = &types.SetEntityPermissionsResponse{}
	return body
}

// ResetEntityPermissions replaces the entity's whole list (that is what it is
// for on vCenter, unlike SetEntityPermissions).
func (m *arcAuthzManager) ResetEntityPermissions(ctx *simulator.Context, req *types.ResetEntityPermissions) soap.HasFault {
	body := &methods.ResetEntityPermissionsBody{}
	if f := m.requireOnRoot(ctx, privModifyPermissions); f != nil {
		body.Fault_ = f
		return body
	}
	if f := m.validatePermissions(req.Entity, req.Permission); f != nil {
		body.Fault_ = f
		return body
	}
	m.store.perms[req.Entity] = nil
	for _, p := range req.Permission {
		m.store.setPermission(req.Entity, p)
	}
	body.Res = &types.ResetEntityPermissionsResponse{}
	return body
}

func (m *arcAuthzManager) RemoveEntityPermission(ctx *simulator.Context, req *types.RemoveEntityPermission) soap.HasFault {
	body := &methods.RemoveEntityPermissionBody{}
	if f := m.requireOnRoot(ctx, privModifyPermissions); f != nil {
		body.Fault_ = f
		return body
	}
	if f := injectedFailure(); f != nil {
		body.Fault_ = f
		return body
	}
	if entityOf(req.Entity) == nil {
		body.Fault_ = notFound(req.Entity)
		return body
	}
	key := canonicalPrincipal(req.User)
	var keep []types.Permission
	removed := false
	for _, p := range m.store.perms[req.Entity] {
		if p.Group == req.IsGroup && canonicalPrincipal(p.Principal) == key {
			removed = true
			continue
		}
		keep = append(keep, p)
	}
	if !removed {
		body.Fault_ = simulator.Fault("permission not found", &types.NotFound{})
		return body
	}
	before := m.store.adminCount()
	prior := m.store.perms[req.Entity]
	m.store.perms[req.Entity] = keep
	if f := lastAdmin(before, m.store.adminCount()); f != nil {
		m.store.perms[req.Entity] = prior
		body.Fault_ = f
		return body
	}
	body.Res = &types.RemoveEntityPermissionResponse{}
	return body
}

func (m *arcAuthzManager) RetrieveEntityPermissions(req *types.RetrieveEntityPermissions) soap.HasFault {
	vanishAt(false, "RetrieveEntityPermissions", req) // vanish.go
	body := &methods.RetrieveEntityPermissionsBody{}
	if entityOf(req.Entity) == nil {
		body.Fault_ = notFound(req.Entity)
		return body
	}
	perms := append([]types.Permission(nil), m.store.perms[req.Entity]...)
	if req.Inherited {
		perms = append(perms, m.inheritedPermissions(req.Entity)...)
	}
	body.Res = &types.RetrieveEntityPermissionsResponse{Returnval: perms}
	return body
}

func (m *arcAuthzManager) RetrieveAllPermissions(req *types.RetrieveAllPermissions) soap.HasFault {
	var perms []types.Permission
	for _, ref := range m.store.order {
		perms = append(perms, m.store.perms[ref]...)
	}
	return &methods.RetrieveAllPermissionsBody{Res: &types.RetrieveAllPermissionsResponse{Returnval: perms}}
}

func (m *arcAuthzManager) RetrieveRolePermissions(req *types.RetrieveRolePermissions) soap.HasFault {
	body := &methods.RetrieveRolePermissionsBody{}
	if m.role(req.RoleId) == nil {
		body.Fault_ = simulator.Fault("role not found", &types.NotFound{})
		return body
	}
	var perms []types.Permission
	for _, ref := range m.store.order {
		for _, p := range m.store.perms[ref] {
			if p.RoleId == req.RoleId {
				perms = append(perms, p)
			}
		}
	}
	body.Res = &types.RetrieveRolePermissionsResponse{Returnval: perms}
	return body
}

// ---------------------------------------------------------------------------
// Logins for the extra users
//
// Stock SessionManager.Login accepts exactly Service.Listen.User (main.go sets
// it to the primary user), so SOAP logins of the users from -users need our own
// Login. Installing it has two traps in govmomi 0.24:
//
//  1. Registry.SessionManager() type-asserts *simulator.SessionManager. It is
//     called by Service.NewServer (ServiceHostName, and TLSCert when TLS is on)
//     and by Session.Get whenever a logged-in client addresses the
//     SessionManager (currentSession, Logout, ...). A wrapper in Map therefore
//     panics NewServer if it is there too early, and panics those requests
//     unless the session's own registry answers first.
//  2. installAuthz runs before NewServer.
//
// So: (a) the wrapper is put into Map only once NewServer is past its last
// Registry.SessionManager() call: from a RegisterEndpoint hook (NewServer runs
// those after setting ServiceHostName) when TLS is off, or else on the first TLS
// handshake (tls.Config.GetConfigForClient), which happens after StartTLS and
// before any request is read; and (b) every login puts a per-session view of the
// wrapper into the session's registry, so Session.Get never falls through to
// Registry.SessionManager().

type arcSessionManager struct {
	simulator.SessionManager // by value and first, like arcAuthzManager

	store *authzStore
}

func invalidLogin() *soap.Fault {
	return simulator.Fault("Cannot complete login due to an incorrect user name or password.", &types.InvalidLogin{})
}

// checkPassword reports whether user/password is a valid login: the primary
// user with VCSIM_PASSWORD, or a user of the users file with its password.
// User names are case-insensitive, passwords are not.
func (s *authzStore) checkPassword(user, password string) bool {
	u := s.users[canonicalPrincipal(user)]
	if u == nil || u.password == "" || password == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) == 1
}

// afterLogin records the new session and gives it its view of the manager.
func (sm *arcSessionManager) afterLogin(ctx *simulator.Context, res types.UserSession) {
	sm.store.sessionMu.Lock()
	sm.store.sessions[res.Key] = res.UserName
	sm.store.sessionMu.Unlock()
	if ctx.Session == nil || ctx.Session.Registry == nil {
		return
	}
	view := &arcSessionManager{store: sm.store}
	copySessionManager(&view.SessionManager, &sm.SessionManager)
	current := ctx.Session.UserSession
	view.CurrentSession = &current
	view.SessionList = nil // like vCenter for non-administrators; we do not track it
	ctx.Session.Registry.Put(view)
	ctx.Session.Registry.Put(newSessionEvents()) // events.go
}

func (sm *arcSessionManager) Login(ctx *simulator.Context, req *types.Login) soap.HasFault {
	body := &methods.LoginBody{}
	notePassword(&ssoStats.loginPassword, req.Password) // lookup.go
	if ctx.Session != nil || !sm.store.checkPassword(req.UserName, req.Password) {
		postBadLogin(ctx, req.UserName) // logins.go
		body.Fault_ = invalidLogin()
		return body
	}
	// The stock Login accepts the Listen.User pair (the primary user). For the
	// other users we have already checked the password; stock LoginByToken
	// creates a session for the token's subject, so hand it one.
	if res, ok := sm.SessionManager.Login(ctx, req).(*methods.LoginBody); ok && res.Res != nil {
		sm.afterLogin(ctx, res.Res.Returnval)
		return res
	}
	saved := ctx.Header.Security
	defer func() { ctx.Header.Security = saved }()
	token, err := subjectToken(req.UserName)
	if err != nil {
		body.Fault_ = invalidLogin()
		return body
	}
	ctx.Header.Security = token
	res, ok := sm.SessionManager.LoginByToken(ctx, &types.LoginByToken{This: req.This, Locale: req.Locale}).(*methods.LoginByTokenBody)
	if !ok || res.Res == nil {
		body.Fault_ = invalidLogin()
		return body
	}
	body.Res = &types.LoginResponse{Returnval: res.Res.Returnval}
	sm.afterLogin(ctx, res.Res.Returnval)
	return body
}

// copySessionManager copies the stock manager by value. Its only "lock" is a
// no-op locker (the registry uses it to skip locking the SessionManager), so
// the copy is safe; reflection keeps go vet's copylocks check quiet about it.
func copySessionManager(dst, src *simulator.SessionManager) {
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}

// subjectToken builds the minimal SAML-like header LoginByToken reads
// (Assertion>Subject>NameID).
func subjectToken(user string) (*simulator.Element, error) {
	var b strings.Builder
	b.WriteString("<Security><Assertion><Subject><NameID>")
	if err := xml.EscapeText(&b, []byte(user)); err != nil {
		return nil, err
	}
	b.WriteString("</NameID></Subject></Assertion></Security>")
	e := new(simulator.Element)
	return e, xml.Unmarshal([]byte(b.String()), e)
}

// The other ways to obtain a session keep their stock rules but must get the
// per-session view too (see trap 1 above).

func (sm *arcSessionManager) LoginByToken(ctx *simulator.Context, req *types.LoginByToken) soap.HasFault {
	res := sm.SessionManager.LoginByToken(ctx, req)
	if b, ok := res.(*methods.LoginByTokenBody); ok && b.Res != nil {
		sm.afterLogin(ctx, b.Res.Returnval)
	}
	return res
}

func (sm *arcSessionManager) LoginExtensionByCertificate(ctx *simulator.Context, req *types.LoginExtensionByCertificate) soap.HasFault {
	res := sm.SessionManager.LoginExtensionByCertificate(ctx, req)
	if b, ok := res.(*methods.LoginExtensionByCertificateBody); ok && b.Res != nil {
		sm.afterLogin(ctx, b.Res.Returnval)
	}
	return res
}

func (sm *arcSessionManager) CloneSession(ctx *simulator.Context, req *types.CloneSession) soap.HasFault {
	res := sm.SessionManager.CloneSession(ctx, req)
	if b, ok := res.(*methods.CloneSessionBody); ok && b.Res != nil {
		sm.afterLogin(ctx, b.Res.Returnval)
	}
	return res
}

func (sm *arcSessionManager) Logout(ctx *simulator.Context, req *types.Logout) soap.HasFault {
	if ctx.Session != nil {
		sm.store.sessionMu.Lock()
		delete(sm.store.sessions, ctx.Session.Key)
		sm.store.sessionMu.Unlock()
	}
	return sm.SessionManager.Logout(ctx, req)
}

// ---------------------------------------------------------------------------
// Installation

var loginOnce sync.Once

// activateLogin swaps our SessionManager in. Only call it once NewServer no
// longer needs Registry.SessionManager() (see "Logins for the extra users").
func activateLogin(store *authzStore) {
	loginOnce.Do(func() {
		// The copy shares the stock manager's session table (a map), which the
		// Service keeps using to map cookies to sessions.
		sm := &arcSessionManager{store: store}
		copySessionManager(&sm.SessionManager, simulator.Map.SessionManager())
		simulator.Map.Put(sm)
	})
}

func scheduleLoginActivation(store *authzStore) {
	if simulator.Map.SessionManager().ServiceHostName != "" {
		activateLogin(store) // the server is already up
		return
	}
	simulator.RegisterEndpoint(func(s *simulator.Service, _ *simulator.Registry) {
		if s.TLS == nil {
			activateLogin(store) // NewServer has no SessionManager() call left
			return
		}
		// NewServer still sets SessionManager().TLSCert before StartTLS; the
		// first handshake is strictly after that and before any request.
		prev := s.TLS.GetConfigForClient
		s.TLS.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			activateLogin(store)
			if prev != nil {
				return prev(hello)
			}
			return nil, nil
		}
	})
}

func loadUsers(store *authzStore, path, primaryUser string) error {
	primary := canonicalPrincipal(primaryUser)
	store.users[primary] = &authzUser{name: primaryUser, password: os.Getenv("VCSIM_PASSWORD")}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	var f usersFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields() // a typo such as "password" must not pass silently
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("users file %s: %w", path, err)
	}
	for _, g := range f.Groups {
		store.groups[canonicalPrincipal(g)] = g
	}
	for _, u := range f.Users {
		key := canonicalPrincipal(u.Name)
		switch {
		case key == "":
			return fmt.Errorf("users file %s: a user has no name", path)
		case key == primary:
			return fmt.Errorf("users file %s: %s is the primary user (password from VCSIM_PASSWORD)", path, u.Name)
		case store.users[key] != nil:
			return fmt.Errorf("users file %s: user %s listed twice", path, u.Name)
		case u.PasswordEnv == "":
			return fmt.Errorf("users file %s: user %s has no password_env", path, u.Name)
		}
		pw := os.Getenv(u.PasswordEnv)
		if pw == "" {
			return fmt.Errorf("users file %s: env %s (password of %s) is not set", path, u.PasswordEnv, u.Name)
		}
		au := &authzUser{name: u.Name, password: pw, expiresIn: u.PasswordExpiresInDays}
		for _, g := range u.Groups {
			cg := canonicalPrincipal(g)
			au.groups = append(au.groups, cg)
			if _, ok := store.groups[cg]; !ok {
				store.groups[cg] = g
			}
		}
		store.users[key] = au
	}
	return nil
}

// authzStoreInstalled is the store installAuthz made, for the SSO endpoints.
var authzStoreInstalled *authzStore

// installAuthz replaces the AuthorizationManager, loads the users and arranges
// for their SOAP and REST logins. Call after m.Create() and before NewServer.
func installAuthz(m *simulator.Model, usersFile string, primaryUser string) error {
	if primaryUser == "" {
		return fmt.Errorf("authz: no primary user")
	}
	store := &authzStore{
		rootFolder: m.ServiceContent.RootFolder,
		users:      map[string]*authzUser{},
		groups:     map[string]string{},
		perms:      map[types.ManagedObjectReference][]types.Permission{},
		sessions:   map[string]string{},
	}
	if err := loadUsers(store, usersFile, primaryUser); err != nil {
		return err
	}

	ref := *m.ServiceContent.AuthorizationManager
	stock, ok := simulator.Map.Get(ref).(*simulator.AuthorizationManager)
	if !ok {
		return fmt.Errorf("authz: %s is not the stock AuthorizationManager", ref)
	}
	am := newArcAuthzManager(stock, store)
	// The primary user administers everything, as administrator@vsphere.local
	// does on a fresh vCenter. (The stock root/admin permissions are dropped.)
	store.setPermission(store.rootFolder, types.Permission{
		Principal: primaryUser,
		RoleId:    roleAdmin,
		Propagate: true,
	})
	simulator.Map.Put(am)

	// REST session logins (rest.go) admit the same users.
	credentialsOK = store.checkPassword
	authzStoreInstalled = store
	scheduleLoginActivation(store)

	log.Printf("authz: %d users, %d groups, %d privileges", len(store.users), len(store.groups), len(store.privileges))
	return nil
}
