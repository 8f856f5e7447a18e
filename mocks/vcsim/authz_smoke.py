#!/usr/bin/env python3
"""Smoke test of the simulator's authorization (authz.go) over real SOAP.

usage: authz_smoke.py STATE_JSON

STATE_JSON is the simulator's state.json ({"url","ca_file","pid","username"}).
Passwords come from the environment, as for the simulator itself:
VCSIM_PASSWORD (the primary user) and VCSIM_DEPLOYER_PASSWORD (for the user
deployer@vsphere.local, member of VSPHERE.LOCAL\\ArcDeployers, which the users
file must define). Standard library only. Exits 1 on the first mismatch.

The scenario (default inventory: DC0, cluster DC0_C0, standalone host DC0_H0):
  role ArcDeployer = the Arc privileges minus 3 known ones (ManagedBy,
  AttachTag, Datastore.Browse); role PowerOnly = VirtualMachine.Interact.PowerOn.
  - group ArcDeployers: ArcDeployer on DC0/vm (propagating)
  - deployer (own): ReadOnly on VM_B, and group ArcDeployers: Admin on VM_B
    (the user's own permission must beat the group's there)
  - deployer (own): PowerOnly on DC0/host, propagate=false
  - auditor@vsphere.local: PowerOnly on DC0, propagate=false (complex entity:
    reaches DC0/datastore, not the datastore inside it)
"""
import base64
import http.client
import json
import os
import ssl
import sys
import urllib.parse
import xml.etree.ElementTree as ET

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
VIM = "urn:vim25"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

DEPLOYER = "deployer@vsphere.local"
GROUP = "VSPHERE.LOCAL\\ArcDeployers"
AUDITOR = "auditor@vsphere.local"

ARC_PRIVILEGES = """
Datastore.AllocateSpace Datastore.Browse Datastore.FileManagement Folder.Create
InventoryService.Tagging.AttachTag Network.Assign Resource.AssignVMToPool
Resource.ColdMigrate Resource.HotMigrate Sessions.ValidateSession
VApp.AssignResourcePool VApp.Import VirtualMachine.Config.DiskLease
VirtualMachine.Config.AddExistingDisk VirtualMachine.Config.AddNewDisk
VirtualMachine.Config.AddRemoveDevice VirtualMachine.Config.AdvancedConfig
VirtualMachine.Config.CPUCount VirtualMachine.Config.Memory
VirtualMachine.Config.Settings VirtualMachine.Config.Resource
VirtualMachine.Config.ManagedBy VirtualMachine.Config.MksControl
VirtualMachine.Config.DiskExtend VirtualMachine.Config.EditDevice
VirtualMachine.Config.QueryFTCompatibility VirtualMachine.Config.QueryUnownedFiles
VirtualMachine.Config.ReloadFromPath VirtualMachine.Config.RemoveDisk
VirtualMachine.Config.Rename VirtualMachine.Config.ResetGuestInfo
VirtualMachine.Config.Annotation VirtualMachine.Config.ChangeTracking
VirtualMachine.Config.ToggleForkParent VirtualMachine.Config.UpgradeVirtualHardware
VirtualMachine.Inventory.CreateFromExisting VirtualMachine.Inventory.Create
VirtualMachine.Inventory.Register VirtualMachine.Inventory.Delete
VirtualMachine.Inventory.Unregister VirtualMachine.GuestOperations.ModifyAliases
VirtualMachine.GuestOperations.Modify VirtualMachine.GuestOperations.Execute
VirtualMachine.GuestOperations.Query VirtualMachine.Interact.DeviceConnection
VirtualMachine.Interact.ConsoleInteract VirtualMachine.Interact.GuestControl
VirtualMachine.Interact.ToolsInstall VirtualMachine.Interact.PowerOff
VirtualMachine.Interact.PowerOn VirtualMachine.Interact.Reset
VirtualMachine.Interact.Suspend VirtualMachine.Provisioning.DiskRandomAccess
VirtualMachine.Provisioning.FileRandomAccess VirtualMachine.Provisioning.DiskRandomRead
VirtualMachine.Provisioning.GetVmFiles VirtualMachine.Provisioning.PutVmFiles
VirtualMachine.Provisioning.Clone VirtualMachine.Provisioning.DeployTemplate
VirtualMachine.Provisioning.MarkAsTemplate VirtualMachine.Provisioning.MarkAsVM
VirtualMachine.State.CreateSnapshot VirtualMachine.State.RemoveSnapshot
VirtualMachine.State.RevertToSnapshot
VirtualMachine.Provisioning.Customize InventoryService.Tagging.ObjectAttachable
""".split()
LEFT_OUT = ["VirtualMachine.Config.ManagedBy", "InventoryService.Tagging.AttachTag", "Datastore.Browse"]
SYSTEM = ["System.Anonymous", "System.View", "System.Read"]


class Fault(Exception):
    def __init__(self, kind, detail, text):
        super().__init__(f"{kind}: {text}")
        self.kind, self.detail = kind, detail


class Moref:
    def __init__(self, type_, value):
        self.type, self.value = type_, value

    def __eq__(self, o):
        return isinstance(o, Moref) and (self.type, self.value) == (o.type, o.value)

    def __hash__(self):
        return hash((self.type, self.value))

    def __repr__(self):
        return f"{self.type}:{self.value}"


def q(tag):
    return "{%s}%s" % (VIM, tag)


def xsi_type(el):
    t = el.get("{%s}type" % XSI)  # namespace-resolved: any prefix works
    return t.split(":")[-1] if t else None


def encode(name, value):
    """Serialise one argument. Lists repeat the element; dicts are data objects."""
    if isinstance(value, list):
        return "".join(encode(name, v) for v in value)
    if isinstance(value, Moref):
        return f'<{name} type="{value.type}">{esc(value.value)}</{name}>'
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    if isinstance(value, dict):
        return f"<{name}>" + "".join(encode(k, v) for k, v in value.items()) + f"</{name}>"
    return f"<{name}>{esc(str(value))}</{name}>"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Client:
    def __init__(self, url, ca_file):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port, u.path or "/sdk"
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.cookie = None
        self.content = None

    def call(self, method, this, *args):
        body = encode("_this", this) + "".join(encode(k, v) for k, v in args)
        env = (f'<?xml version="1.0" encoding="UTF-8"?>'
               f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:xsi="{XSI}">'
               f'<soapenv:Body><{method} xmlns="{VIM}">{body}</{method}></soapenv:Body></soapenv:Envelope>')
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/7.0"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn.request("POST", self.path, env.encode(), headers)
        resp = conn.getresponse()
        data = resp.read()
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie" and v.startswith("vmware_soap_session="):
                self.cookie = v.split(";")[0]
        conn.close()
        root = ET.fromstring(data)
        b = root.find("{%s}Body" % SOAPENV)
        if b is None or len(b) == 0:
            raise RuntimeError(f"{method}: empty SOAP body (HTTP {resp.status})")
        top = b[0]
        if top.tag == "{%s}Fault" % SOAPENV:
            detail = top.find("detail")
            fault = detail[0] if detail is not None and len(detail) else None
            kind = xsi_type(fault) if fault is not None else "?"
            raise Fault(kind, fault, top.findtext("faultstring"))
        if resp.status != 200:
            raise RuntimeError(f"{method}: HTTP {resp.status}")
        return top.findall(q("returnval"))

    def login(self, user, password):
        sc = self.call("RetrieveServiceContent", Moref("ServiceInstance", "ServiceInstance"))[0]
        self.content = {c.tag.split("}")[1]: Moref(c.get("type"), c.text) for c in sc if c.get("type")}
        rv = self.call("Login", self.content["sessionManager"], ("userName", user), ("password", password))[0]
        return rv.findtext(q("key"))

    def prop(self, obj, path):
        spec = {"propSet": {"type": obj.type, "pathSet": path},
                "objectSet": {"obj": obj}}
        rv = self.call("RetrievePropertiesEx", self.content["propertyCollector"], ("specSet", spec), ("options", {}))
        for ps in rv[0].iter(q("propSet")) if rv else []:
            if ps.findtext(q("name")) == path:
                return ps.find(q("val"))
        return None

    def find(self, path):
        rv = self.call("FindByInventoryPath", self.content["searchIndex"], ("inventoryPath", path))
        if not rv:
            raise RuntimeError(f"inventory path not found: {path}")
        return Moref(rv[0].get("type"), rv[0].text)


FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def expect_fault(kind, fn, what):
    try:
        fn()
    except Fault as f:
        check(f.kind == kind, f"{what}: fault {f.kind} (want {kind})")
        return f
    check(False, f"{what}: no fault (want {kind})")
    return None


def perm(entity_unused, principal, role, propagate, group=False):
    return {"principal": principal, "group": group, "roleId": role, "propagate": propagate}


def parse_perms(rv):
    out = []
    for p in rv:
        e = p.find(q("entity"))
        out.append((Moref(e.get("type"), e.text) if e is not None else None, p.findtext(q("principal")),
                    p.findtext(q("group")) == "true", int(p.findtext(q("roleId"))),
                    p.findtext(q("propagate")) == "true"))
    return out


def parse_availability(rv):
    """EntityPrivilege[] -> {moref: {privId: bool}}"""
    out = {}
    for ep in rv:
        e = ep.find(q("entity"))
        out[Moref(e.get("type"), e.text)] = {
            a.findtext(q("privId")): a.findtext(q("isGranted")) == "true" for a in ep.findall(q("privAvailability"))}
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    state = json.load(open(sys.argv[1]))
    admin_pw, dep_pw = os.environ.get("VCSIM_PASSWORD"), os.environ.get("VCSIM_DEPLOYER_PASSWORD")
    if not admin_pw or not dep_pw:
        print("set VCSIM_PASSWORD and VCSIM_DEPLOYER_PASSWORD", file=sys.stderr)
        return 2

    # --- logins -----------------------------------------------------------
    bad = Client(state["url"], state["ca_file"])
    expect_fault("InvalidLogin", lambda: bad.login(DEPLOYER, dep_pw + "x"), "deployer, wrong password")
    expect_fault("InvalidLogin", lambda: bad.login(state["username"], dep_pw), "admin with deployer's password")

    admin = Client(state["url"], state["ca_file"])
    admin.login(state["username"], admin_pw)
    cur = admin.prop(admin.content["sessionManager"], "currentSession")
    check(cur is not None and cur.findtext(q("userName")) == state["username"], "admin currentSession.userName")
    am = admin.content["authorizationManager"]

    # --- privilegeList / roleList ------------------------------------------
    plist = admin.prop(am, "privilegeList")
    known = {p.findtext(q("privId")): p for p in plist.findall(q("AuthorizationPrivilege"))} if plist is not None else {}
    check(len(known) >= 300, f"privilegeList has {len(known)} entries (>= 300)")
    missing = [p for p in ARC_PRIVILEGES + SYSTEM if p not in known]
    check(not missing, f"all {len(ARC_PRIVILEGES)} Arc privileges + System.* known (missing: {missing})")
    mb = known.get("VirtualMachine.Config.ManagedBy")
    check(mb is not None and mb.findtext(q("name")) == "ManagedBy"
          and mb.findtext(q("privGroupName")) == "VirtualMachine.Config" and mb.findtext(q("onParent")) == "false",
          "AuthorizationPrivilege fields (name, privGroupName, onParent)")

    # --- roles -------------------------------------------------------------
    privs = [p for p in ARC_PRIVILEGES if p not in LEFT_OUT]
    role = int(admin.call("AddAuthorizationRole", am, ("name", "ArcDeployer"), ("privIds", privs))[0].text)
    check(role > 0, f"AddAuthorizationRole -> roleId {role} > 0")
    power = int(admin.call("AddAuthorizationRole", am, ("name", "PowerOnly"),
                           ("privIds", ["VirtualMachine.Interact.PowerOn"]))[0].text)
    check(power > 0 and power != role, f"second role gets a new id ({power})")
    expect_fault("AlreadyExists", lambda: admin.call("AddAuthorizationRole", am, ("name", "ArcDeployer"),
                                                     ("privIds", privs)), "duplicate role name")
    expect_fault("InvalidArgument", lambda: admin.call("AddAuthorizationRole", am, ("name", "Bogus"),
                                                       ("privIds", ["Bogus.Privilege"])), "unknown privilege id")
    roles = {int(r.findtext(q("roleId"))): r for r in admin.prop(am, "roleList").findall(q("AuthorizationRole"))}
    rp = [x.text for x in roles[power].findall(q("privilege"))] if power in roles else []
    check(set(rp) == set(SYSTEM + ["VirtualMachine.Interact.PowerOn"]), f"roleList shows PowerOnly with System.*: {rp}")
    check({-5, -4, -3, -2, -1} <= set(roles), "system roles present")

    # --- inventory ---------------------------------------------------------
    dc = admin.find("DC0")
    vm_folder, host_folder = admin.find("DC0/vm"), admin.find("DC0/host")
    ds_folder = admin.find("DC0/datastore")
    cluster = admin.find("DC0/host/DC0_C0")
    vm_a, vm_b = admin.find("DC0/vm/DC0_C0_RP0_VM0"), admin.find("DC0/vm/DC0_H0_VM0")
    ds = admin.find("DC0/datastore/LocalDS_0")
    root = admin.content["rootFolder"]

    # --- permissions -------------------------------------------------------
    sep = lambda ent, *ps: admin.call("SetEntityPermissions", am, ("entity", ent), ("permission", list(ps)))
    sep(vm_folder, perm(vm_folder, GROUP, role, True, group=True))
    sep(vm_b, perm(vm_b, DEPLOYER, -2, True))
    sep(vm_b, perm(vm_b, GROUP, -1, True, group=True))  # merged, not replacing the user's
    sep(vm_b, perm(vm_b, DEPLOYER.upper(), -2, True))  # same principal (case-insensitive): replaced
    sep(host_folder, perm(host_folder, DEPLOYER, power, False))
    sep(dc, perm(dc, AUDITOR, power, False))

    own_b = parse_perms(admin.call("RetrieveEntityPermissions", am, ("entity", vm_b), ("inherited", False)))
    check(len(own_b) == 2 and {(p[1].lower(), p[2], p[3]) for p in own_b} == {(DEPLOYER, False, -2), (GROUP.lower(), True, -1)}
          and all(p[0] == vm_b for p in own_b), f"SetEntityPermissions merges by principal: {own_b}")
    inh_a = parse_perms(admin.call("RetrieveEntityPermissions", am, ("entity", vm_a), ("inherited", True)))
    where = {(p[0], p[1].lower()) for p in inh_a}
    check((vm_folder, GROUP.lower()) in where and (root, state["username"].lower()) in where,
          f"inherited permissions of VM_A include folder group + root admin")
    check((host_folder, DEPLOYER) not in where and (dc, AUDITOR) not in where,
          "inherited permissions of VM_A exclude non-propagating ancestors")
    inh_ds = parse_perms(admin.call("RetrieveEntityPermissions", am, ("entity", ds_folder), ("inherited", True)))
    check((dc, AUDITOR) in {(p[0], p[1]) for p in inh_ds}, "non-propagating datacenter permission reaches DC0/datastore")
    expect_fault("ManagedObjectNotFound", lambda: admin.call("RetrieveEntityPermissions", am,
                 ("entity", Moref("VirtualMachine", "vm-nope")), ("inherited", True)), "unknown entity")

    # --- the deployer's view -----------------------------------------------
    dep = Client(state["url"], state["ca_file"])
    key = dep.login(DEPLOYER, dep_pw)
    cur = dep.prop(dep.content["sessionManager"], "currentSession")
    check(cur is not None and cur.findtext(q("userName")) == DEPLOYER, "deployer currentSession.userName")

    asked = ["VirtualMachine.Interact.PowerOn", "VirtualMachine.Config.ManagedBy", "InventoryService.Tagging.AttachTag",
             "Datastore.Browse", "Folder.Create", "Bogus.Privilege", "System.Read"]
    ents = [vm_folder, vm_a, vm_b, host_folder, cluster]
    got = parse_availability(dep.call("HasPrivilegeOnEntities", am, ("entity", ents), ("sessionId", key),
                                      ("privId", asked)))
    role_grant = {"VirtualMachine.Interact.PowerOn": True, "VirtualMachine.Config.ManagedBy": False,
                  "InventoryService.Tagging.AttachTag": False, "Datastore.Browse": False,
                  "Folder.Create": True, "Bogus.Privilege": False, "System.Read": True}
    only_read = {p: p == "System.Read" for p in asked}
    want = {
        vm_folder: role_grant,                      # group permission
        vm_a: role_grant,                           # inherited from the folder
        vm_b: only_read,                            # user's ReadOnly beats the group's Admin
        host_folder: {p: p in ("VirtualMachine.Interact.PowerOn", "System.Read") for p in asked},  # own, propagate=false
        cluster: {p: False for p in asked},         # propagate=false does not reach it
    }
    for e in ents:
        check(got.get(e) == want[e], f"HasPrivilegeOnEntities {e}: {diff(got.get(e), want[e])}")

    got = parse_availability(admin.call("HasUserPrivilegeOnEntities", am, ("entities", ents), ("userName", DEPLOYER),
                                        ("privId", asked)))
    check(all(got.get(e) == want[e] for e in ents), "HasUserPrivilegeOnEntities (admin asks for deployer) agrees")

    got = parse_availability(admin.call("HasUserPrivilegeOnEntities", am, ("entities", [ds_folder, ds]),
                                        ("userName", AUDITOR), ("privId", ["VirtualMachine.Interact.PowerOn"])))
    check(got.get(ds_folder) == {"VirtualMachine.Interact.PowerOn": True}
          and got.get(ds) == {"VirtualMachine.Interact.PowerOn": False},
          f"complex entity: DC permission reaches its folder, not the datastore below: {got}")

    rv = admin.call("FetchUserPrivilegeOnEntities", am, ("entities", [vm_b]), ("userName", DEPLOYER))
    fetched = sorted(x.text for x in rv[0].findall(q("privileges"))) if rv else None
    check(fetched == sorted(SYSTEM), f"FetchUserPrivilegeOnEntities VM_B = System.* only: {fetched}")

    # --- the deployer may not administer -------------------------------------
    f = expect_fault("NoPermission", lambda: dep.call("SetEntityPermissions", am, ("entity", vm_a),
                     ("permission", [perm(vm_a, DEPLOYER, -1, True)])), "deployer SetEntityPermissions")
    if f is not None:
        obj = f.detail.find(q("object"))
        check(obj is not None and obj.text and f.detail.findtext(q("privilegeId")) == "Authorization.ModifyPermissions",
              "NoPermission carries object and privilegeId")
    expect_fault("NoPermission", lambda: dep.call("AddAuthorizationRole", am, ("name", "Mine"), ("privIds", [])),
                 "deployer AddAuthorizationRole")
    expect_fault("NoPermission", lambda: dep.call("HasUserPrivilegeOnEntities", am, ("entities", [vm_a]),
                 ("userName", state["username"]), ("privId", ["System.Read"])), "deployer asks about another user")
    got = parse_availability(dep.call("HasUserPrivilegeOnEntities", am, ("entities", [vm_a]), ("userName", DEPLOYER),
                                      ("privId", ["VirtualMachine.Interact.PowerOn"])))
    check(got.get(vm_a) == {"VirtualMachine.Interact.PowerOn": True}, "deployer may ask about itself")

    rv = dep.call("HasPrivilegeOnEntity", am, ("entity", vm_a), ("sessionId", key),
                  ("privId", ["VirtualMachine.Interact.PowerOn", "VirtualMachine.Config.ManagedBy"]))
    check([x.text for x in rv] == ["true", "false"], f"HasPrivilegeOnEntity VM_A: {[x.text for x in rv]}")

    # --- role updates --------------------------------------------------------
    admin.call("UpdateAuthorizationRole", am, ("roleId", power), ("newName", "PowerOps"),
               ("privIds", ["VirtualMachine.Interact.PowerOn", "VirtualMachine.Interact.PowerOff"]))
    got = parse_availability(dep.call("HasPrivilegeOnEntities", am, ("entity", [host_folder]), ("sessionId", key),
                                      ("privId", ["VirtualMachine.Interact.PowerOff"])))
    check(got.get(host_folder) == {"VirtualMachine.Interact.PowerOff": True}, "UpdateAuthorizationRole takes effect")
    expect_fault("RemoveFailed", lambda: admin.call("RemoveAuthorizationRole", am, ("roleId", power),
                                                    ("failIfUsed", True)), "RemoveAuthorizationRole(failIfUsed) of a used role")
    expect_fault("InvalidArgument", lambda: admin.call("RemoveAuthorizationRole", am, ("roleId", -1),
                                                       ("failIfUsed", False)), "RemoveAuthorizationRole of a system role")

    # --- removal and REST ---------------------------------------------------
    admin.call("RemoveEntityPermission", am, ("entity", vm_b), ("user", DEPLOYER), ("isGroup", False))
    got = parse_availability(dep.call("HasPrivilegeOnEntities", am, ("entity", [vm_b]), ("sessionId", key),
                                      ("privId", ["VirtualMachine.Interact.PowerOn"])))
    check(got.get(vm_b) == {"VirtualMachine.Interact.PowerOn": True}, "after removing the user's permission the group's Admin applies")
    dep.call("Logout", dep.content["sessionManager"])

    u = urllib.parse.urlsplit(state["url"])
    for pw, code in ((dep_pw, 200), (dep_pw + "x", 401)):
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=dep.ctx, timeout=30)
        auth = base64.b64encode(f"{DEPLOYER}:{pw}".encode()).decode()
        conn.request("POST", "/rest/com/vmware/cis/session", headers={"Authorization": "Basic " + auth})
        status = conn.getresponse().status
        conn.close()
        check(status == code, f"REST session login for the deployer -> {status} (want {code})")

    print(f"\n{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


def diff(got, want):
    if got == want:
        return "as expected"
    if got is None:
        return "entity missing from the answer"
    return ", ".join(f"{k}={got.get(k)} (want {v})" for k, v in want.items() if got.get(k) != v)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Fault, RuntimeError, OSError) as e:
        print(f"FAIL unexpected error: {e}")
        sys.exit(1)
