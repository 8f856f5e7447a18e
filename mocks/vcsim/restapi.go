package main

// The /api REST surface: its session and tagging from vCenter 7.0 U2
// (-vc-version 7.0.2 or later; older versions keep the /rest-only behaviour
// of stock vcsim, so a client's fallback to /rest is still exercised), its
// authorization API from vCenter 9:
//
//   - POST/DELETE /api/session: basic auth checked like SOAP Login; the token
//     is a vapi (/rest) session opened on the caller's behalf, so
//   - GET /api/cis/tagging/category answers from the stock tag store;
//   - com.vmware.vcenter.authorization (vSphere API 9.0.0.0, only with
//     -vc-version 9.x or later):
//     POST /api/vcenter/authorization/permissions?action=list (filter, marker
//     paging in lexicographical order of permission ids), GET
//     /api/vcenter/authorization/roles and /roles/{role}, and
//     POST /api/vcenter/authorization/permissions (create; no object, or an
//     object of type GlobalAcl, makes a global permission). The items are
//     computed from the permission store of authz.go, global permissions
//     included.
//
// Global permissions are listed with object {"type":"GlobalAcl","id":"global"}:
// GlobalAcl is the type a vCenter 9.1 lists them with; the id is ours.
//
// Access: the roles list needs System.Read on the root folder (documented);
// the permission list needs -authz-list-privilege on the root folder
// (System.Read by default, by analogy: the reference pages found do not name
// its privilege); create needs Authorization.ModifyPermissions on the root
// folder ("Add a Global Permission", vSphere Security). Refusals are HTTP 403
// with a vAPI UNAUTHORIZED error.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

const globalACLType = "GlobalAcl"

var (
	restPageSize       = 100
	authzListPrivilege = "System.Read"
	// A hostile permission list, for vaudit's bounds: every page padded
	// with this many bytes, and (endless) a fresh marker on every page.
	authzPagePad  = 0
	authzEndless  = false
	authzEndlessN int64
)

type apiSessions struct {
	sync.Mutex
	users map[string]string // token -> user
}

type apiObject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type apiPrincipal struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

type apiPermissionInfo struct {
	Object      apiObject    `json:"object"`
	Principal   apiPrincipal `json:"principal"`
	Role        string       `json:"role"`
	Propagating bool         `json:"propagating"`
}

type apiPermissionItem struct {
	Permission string            `json:"permission"`
	Info       apiPermissionInfo `json:"info"`
}

func vapiError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]interface{}{
		"error_type": kind,
		"messages": []map[string]interface{}{{
			"args": []string{}, "default_message": msg, "id": "vcsim.arc." + strings.ToLower(kind),
		}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// forward runs a request through the service's mux (the stock vapi handler
// lives at /rest/) and returns the recorded answer.
func forward(mux *http.ServeMux, method, path string, hdr http.Header, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h, _ := mux.Handler(req)
	h.ServeHTTP(rec, req)
	return rec
}

// principalParts splits a stored principal into the REST API's name and
// domain (domain upper case, as vCenter writes it).
func principalParts(p string, group bool) apiPrincipal {
	c := canonicalPrincipal(p)
	name, domain := c, ""
	if i := strings.LastIndexByte(c, '@'); i >= 0 {
		name, domain = c[:i], strings.ToUpper(c[i+1:])
	}
	t := "USER"
	if group {
		t = "GROUP"
	}
	return apiPrincipal{Type: t, Name: name, Domain: domain}
}

func (p apiPrincipal) canonical() string {
	if p.Domain == "" {
		return strings.ToLower(p.Name)
	}
	return strings.ToLower(p.Name + "@" + p.Domain)
}

func permissionItem(obj apiObject, p types.Permission) apiPermissionItem {
	pr := principalParts(p.Principal, p.Group)
	kind := "u"
	if p.Group {
		kind = "g"
	}
	return apiPermissionItem{
		Permission: fmt.Sprintf("%s:%s:%s:%s", obj.Type, obj.ID, kind, pr.canonical()),
		Info: apiPermissionInfo{
			Object: obj, Principal: pr, Role: strconv.Itoa(int(p.RoleId)), Propagating: p.Propagate,
		},
	}
}

// setGlobal adds or replaces a principal's global permission.
func (s *authzStore) setGlobal(p types.Permission) {
	key := canonicalPrincipal(p.Principal)
	for i := range s.global {
		if s.global[i].Group == p.Group && canonicalPrincipal(s.global[i].Principal) == key {
			s.global[i] = p
			return
		}
	}
	s.global = append(s.global, p)
}

// installRESTAPI serves /api/session and the tag categories; with authz,
// vCenter 9's authorization API too.
func installRESTAPI(svc *simulator.Service, store *authzStore, amRef types.ManagedObjectReference, authz bool) {
	mux := svc.ServeMux
	sessions := &apiSessions{users: map[string]string{}}
	manager := func() *arcAuthzManager {
		am, _ := simulator.Map.Get(amRef).(*arcAuthzManager)
		return am
	}
	caller := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		sessions.Lock()
		user, ok := sessions.users[r.Header.Get("vmware-api-session-id")]
		sessions.Unlock()
		if !ok {
			vapiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Authentication required.")
		}
		return user, ok
	}
	// holds checks priv on the root folder for user, under the manager's lock.
	holds := func(am *arcAuthzManager, user, priv string) bool {
		granted := false
		simulator.Map.WithLock(am, func() { granted = am.effective(store.rootFolder, user)[priv] })
		return granted
	}
	denied := func(w http.ResponseWriter) {
		vapiError(w, http.StatusForbidden, "UNAUTHORIZED", "Permission to perform this operation was denied.")
	}

	mux.HandleFunc("/api/session", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			u, p, ok := r.BasicAuth()
			if !ok || !credentialsOK(u, p) {
				vapiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Authentication required.")
				return
			}
			hdr := http.Header{}
			hdr.Set("Authorization", r.Header.Get("Authorization"))
			rec := forward(mux, http.MethodPost, restSessionPath, hdr, nil)
			var v struct {
				Value string `json:"value"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &v) != nil || v.Value == "" {
				vapiError(w, http.StatusInternalServerError, "ERROR", "no vapi session")
				return
			}
			sessions.Lock()
			sessions.users[v.Value] = u
			sessions.Unlock()
			writeJSON(w, http.StatusCreated, v.Value)
		case http.MethodDelete:
			token := r.Header.Get("vmware-api-session-id")
			sessions.Lock()
			delete(sessions.users, token)
			sessions.Unlock()
			hdr := http.Header{}
			hdr.Set("vmware-api-session-id", token)
			forward(mux, http.MethodDelete, restSessionPath, hdr, nil)
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})

	mux.HandleFunc("/api/cis/tagging/category", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := caller(w, r); !ok {
			return
		}
		hdr := http.Header{}
		hdr.Set("vmware-api-session-id", r.Header.Get("vmware-api-session-id"))
		rec := forward(mux, http.MethodGet, "/rest/com/vmware/cis/tagging/category", hdr, nil)
		var v struct {
			Value []string `json:"value"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
			vapiError(w, http.StatusInternalServerError, "ERROR", "tag categories")
			return
		}
		if v.Value == nil {
			v.Value = []string{}
		}
		writeJSON(w, http.StatusOK, v.Value)
	})

	if !authz {
		return
	}

	mux.HandleFunc("/api/vcenter/authorization/permissions", func(w http.ResponseWriter, r *http.Request) {
		user, ok := caller(w, r)
		if !ok {
			return
		}
		am := manager()
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Query().Get("action") == "list" {
			if !holds(am, user, authzListPrivilege) {
				denied(w)
				return
			}
			listPermissions(w, r, am, store)
			return
		}
		if !holds(am, user, privModifyPermissions) {
			denied(w)
			return
		}
		createPermission(w, r, am, store)
	})
	// DELETE …/permissions/{permission}: ids as permissionItem writes them.
	mux.HandleFunc("/api/vcenter/authorization/permissions/", func(w http.ResponseWriter, r *http.Request) {
		user, ok := caller(w, r)
		if !ok {
			return
		}
		am := manager()
		if r.Method != http.MethodDelete {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if !holds(am, user, privModifyPermissions) {
			denied(w)
			return
		}
		id := strings.TrimPrefix(r.URL.Path, "/api/vcenter/authorization/permissions/")
		found, failed := false, false
		simulator.Map.WithLock(am, func() {
			if injectedFailure() != nil {
				failed = true
				return
			}
			for i, p := range store.global {
				if permissionItem(apiObject{Type: globalACLType, ID: "global"}, p).Permission == id {
					store.global = append(store.global[:i:i], store.global[i+1:]...)
					found = true
					return
				}
			}
			for ref, list := range store.perms {
				for i, p := range list {
					if permissionItem(apiObject{Type: ref.Type, ID: ref.Value}, p).Permission == id {
						store.perms[ref] = append(list[:i:i], list[i+1:]...)
						found = true
						return
					}
				}
			}
		})
		switch {
		case failed:
			vapiError(w, http.StatusInternalServerError, "ERROR", "injected failure (-fail-authz-change)")
		case !found:
			vapiError(w, http.StatusNotFound, "NOT_FOUND", "permission not found")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})

	roleInfo := func(role types.AuthorizationRole) map[string]interface{} {
		desc := ""
		if role.Info != nil {
			desc = role.Info.GetDescription().Summary
		}
		privs := role.Privilege
		if privs == nil {
			privs = []string{}
		}
		return map[string]interface{}{"name": role.Name, "description": desc, "privileges": privs, "system": role.System}
	}
	mux.HandleFunc("/api/vcenter/authorization/roles", func(w http.ResponseWriter, r *http.Request) {
		user, ok := caller(w, r)
		if !ok {
			return
		}
		am := manager()
		if !holds(am, user, "System.Read") {
			denied(w)
			return
		}
		var items []map[string]interface{}
		simulator.Map.WithLock(am, func() {
			for _, role := range am.RoleList {
				items = append(items, map[string]interface{}{"role": strconv.Itoa(int(role.RoleId)), "info": roleInfo(role)})
			}
		})
		writeJSON(w, http.StatusOK, map[string]interface{}{"items": items})
	})
	mux.HandleFunc("/api/vcenter/authorization/roles/", func(w http.ResponseWriter, r *http.Request) {
		user, ok := caller(w, r)
		if !ok {
			return
		}
		am := manager()
		if !holds(am, user, "System.Read") {
			denied(w)
			return
		}
		id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/api/vcenter/authorization/roles/"))
		var info map[string]interface{}
		if err == nil {
			simulator.Map.WithLock(am, func() {
				if role := am.role(int32(id)); role != nil {
					info = roleInfo(*role)
				}
			})
		}
		if info == nil {
			vapiError(w, http.StatusNotFound, "NOT_FOUND", "role not found")
			return
		}
		writeJSON(w, http.StatusOK, info)
	})
}

func listPermissions(w http.ResponseWriter, r *http.Request, am *arcAuthzManager, store *authzStore) {
	var req struct {
		Filter *struct {
			Objects       []apiObject    `json:"objects"`
			Principals    []apiPrincipal `json:"principals"`
			Roles         []string       `json:"roles"`
			IsPropagating *bool          `json:"is_propagating"`
		} `json:"filter"`
		Iterate *struct {
			Size   int    `json:"size"`
			Marker string `json:"marker"`
		} `json:"iterate"`
	}
	if r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			vapiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
			return
		}
	}
	var all []apiPermissionItem
	simulator.Map.WithLock(am, func() {
		for _, ref := range store.order {
			for _, p := range store.perms[ref] {
				all = append(all, permissionItem(apiObject{Type: ref.Type, ID: ref.Value}, p))
			}
		}
		for _, p := range store.global {
			all = append(all, permissionItem(apiObject{Type: globalACLType, ID: "global"}, p))
		}
	})
	match := func(it apiPermissionItem) bool {
		f := req.Filter
		if f == nil {
			return true
		}
		if len(f.Objects) > 0 {
			found := false
			for _, o := range f.Objects {
				found = found || o == it.Info.Object
			}
			if !found {
				return false
			}
		}
		if len(f.Principals) > 0 {
			found := false
			for _, p := range f.Principals {
				found = found || (p.Type == it.Info.Principal.Type && p.canonical() == it.Info.Principal.canonical())
			}
			if !found {
				return false
			}
		}
		if len(f.Roles) > 0 {
			found := false
			for _, id := range f.Roles {
				found = found || id == it.Info.Role
			}
			if !found {
				return false
			}
		}
		return f.IsPropagating == nil || *f.IsPropagating == it.Info.Propagating
	}
	var items []apiPermissionItem
	for _, it := range all {
		if match(it) {
			items = append(items, it)
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Permission < items[j].Permission })
	start := 0
	if req.Iterate != nil && req.Iterate.Marker != "" {
		start = sort.Search(len(items), func(i int) bool { return items[i].Permission > req.Iterate.Marker })
	}
	size := restPageSize
	if req.Iterate != nil && req.Iterate.Size > 0 {
		size = req.Iterate.Size
	}
	page := items[start:]
	res := map[string]interface{}{}
	if authzEndless && len(items) > 0 {
		// A full page every time, the permissions repeated to fill it.
		page = nil
		for len(page) < size {
			page = append(page, items[len(page)%len(items)])
		}
		res["marker"] = fmt.Sprintf("endless-%d", atomic.AddInt64(&authzEndlessN, 1))
	}
	if len(page) > size {
		page = page[:size]
		if !authzEndless {
			res["marker"] = page[len(page)-1].Permission
		}
	}
	if authzPagePad > 0 {
		res["padding"] = strings.Repeat("x", authzPagePad)
	}
	if page == nil {
		page = []apiPermissionItem{}
	}
	res["items"] = page
	writeJSON(w, http.StatusOK, res)
}

func createPermission(w http.ResponseWriter, r *http.Request, am *arcAuthzManager, store *authzStore) {
	var spec struct {
		Object      *apiObject   `json:"object"`
		Principal   apiPrincipal `json:"principal"`
		Role        string       `json:"role"`
		Propagating bool         `json:"propagating"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		vapiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return
	}
	group := spec.Principal.Type == "GROUP"
	if (!group && spec.Principal.Type != "USER") || spec.Principal.Name == "" {
		vapiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "principal")
		return
	}
	roleID, err := strconv.Atoi(spec.Role)
	if err != nil {
		vapiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "role")
		return
	}
	p := types.Permission{Principal: spec.Principal.canonical(), Group: group, RoleId: int32(roleID), Propagate: spec.Propagating}
	var fault string
	var obj apiObject
	failed := false
	simulator.Map.WithLock(am, func() {
		if am.role(p.RoleId) == nil {
			fault = "role not found"
			return
		}
		if injectedFailure() != nil {
			failed = true
			return
		}
		if spec.Object == nil || spec.Object.Type == globalACLType {
			obj = apiObject{Type: globalACLType, ID: "global"}
			store.setGlobal(p)
			return
		}
		ref := types.ManagedObjectReference{Type: spec.Object.Type, Value: spec.Object.ID}
		if entityOf(ref) == nil {
			fault = "object not found"
			return
		}
		obj = apiObject{Type: ref.Type, ID: ref.Value}
		store.setPermission(ref, p)
	})
	if failed {
		vapiError(w, http.StatusInternalServerError, "ERROR", "injected failure (-fail-authz-change)")
		return
	}
	if fault != "" {
		vapiError(w, http.StatusNotFound, "NOT_FOUND", fault)
		return
	}
	writeJSON(w, http.StatusCreated, permissionItem(obj, p).Permission)
}
