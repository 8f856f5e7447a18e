#!/usr/bin/env python3
"""Smoke test for a running vcsim-arc, raw SOAP over the stdlib only.

    VCSIM_PASSWORD=... python3 mocks/vcsim/smoke.py STATE_DIR/state.json

Checks TLS trust (ca.pem), Login (bad password -> InvalidLogin, good -> cookie),
paging (RetrievePropertiesEx maxObjects + Continue/Cancel, bad-token faults),
config.createDate, templates (config.template, absent from ResourcePool.vm),
deploy events (QueryEvents), a SOAP clone from a template posting
VmDeployedEvent, and REST session auth. Exits non-zero on the first failure.
"""
import base64
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

NS = {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "vim": "urn:vim25",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xsd": "http://www.w3.org/2001/XMLSchema",
}
XSI_TYPE = "{%s}type" % NS["xsi"]
V = "{urn:vim25}"


class SoapFault(Exception):
    def __init__(self, fault_type, message, detail):
        super().__init__("%s: %s" % (fault_type, message))
        self.fault_type = fault_type
        self.detail = detail


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        sys.exit(1)
    print("ok  ", msg)


def moref(typ, val):
    return '<_this type="%s">%s</_this>' % (typ, escape(val))


class Client:
    def __init__(self, url, ca_file):
        self.url = url
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.cookie = None

    def call(self, method, body):
        env = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="%s" xmlns:xsi="%s" xmlns:xsd="%s" xmlns="urn:vim25">'
            "<soapenv:Body><%s>%s</%s></soapenv:Body></soapenv:Envelope>"
            % (NS["soapenv"], NS["xsi"], NS["xsd"], method, body, method)
        )
        req = urllib.request.Request(self.url, data=env.encode(), method="POST")
        req.add_header("Content-Type", "text/xml; charset=utf-8")
        req.add_header("SOAPAction", "urn:vim25/6.5")
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
                data, headers = resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            data, headers = e.read(), e.headers
            if e.code != 500:
                raise
        for c in headers.get_all("Set-Cookie") or []:
            if c.startswith("vmware_soap_session="):
                self.cookie = c.split(";", 1)[0]
        root = ET.fromstring(data)
        fault = root.find(".//soapenv:Fault", NS)
        if fault is not None:
            detail = fault.find("detail")
            ftype = None
            if detail is not None and len(detail):
                ftype = detail[0].get(XSI_TYPE) or detail[0].tag
            raise SoapFault(ftype, fault.findtext("faultstring"), detail)
        return root.find(".//vim:%sResponse" % method, NS)


def txt(el, path):
    return el.findtext(path, namespaces=NS)


def props(obj):
    """ObjectContent -> (moref value, {name: val element})."""
    out = {}
    for p in obj.findall("vim:propSet", NS):
        out[txt(p, "vim:name")] = p.find("vim:val", NS)
    return obj.find("vim:obj", NS).text, out


def view_spec(view, typ, paths, max_objects=None):
    ps = "".join("<pathSet>%s</pathSet>" % p for p in paths)
    opts = "<maxObjects>%d</maxObjects>" % max_objects if max_objects else ""
    return (
        '<_this type="PropertyCollector">%s</_this>'
        "<specSet><propSet><type>%s</type>%s</propSet>"
        '<objectSet><obj type="ContainerView">%s</obj><skip>true</skip>'
        '<selectSet xsi:type="TraversalSpec"><name>v</name><type>ContainerView</type>'
        "<path>view</path><skip>false</skip></selectSet></objectSet></specSet>"
        "<options>%s</options>"
    ) % ("%s", typ, ps, view, opts)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: VCSIM_PASSWORD=... smoke.py STATE_DIR/state.json")
    state = json.load(open(sys.argv[1]))
    password = os.environ.get("VCSIM_PASSWORD")
    if not password:
        sys.exit("VCSIM_PASSWORD must be set")
    c = Client(state["url"], state["ca_file"])

    sc = c.call("RetrieveServiceContent", moref("ServiceInstance", "ServiceInstance"))
    sc = sc.find("vim:returnval", NS)
    pc, root = txt(sc, "vim:propertyCollector"), txt(sc, "vim:rootFolder")
    sm, vmgr, em = txt(sc, "vim:sessionManager"), txt(sc, "vim:viewManager"), txt(sc, "vim:eventManager")
    check(pc and root and sm, "RetrieveServiceContent over TLS trusting ca_file")

    user = state["username"]
    login = moref("SessionManager", sm) + "<userName>%s</userName><password>%s</password>"
    try:
        c.call("Login", login % (escape(user), escape(password + "-wrong")))
        check(False, "Login with a wrong password must fail")
    except SoapFault as f:
        check(f.fault_type == "InvalidLogin", "wrong password -> InvalidLogin (got %s)" % f.fault_type)
    c.call("Login", login % (escape(user), escape(password)))
    check(c.cookie is not None, "Login sets vmware_soap_session cookie")

    def container(typ):
        r = c.call(
            "CreateContainerView",
            moref("ViewManager", vmgr)
            + '<container type="Folder">%s</container><type>%s</type><recursive>true</recursive>' % (root, typ),
        )
        return r.findtext("vim:returnval", namespaces=NS)

    def retrieve(view, typ, paths, max_objects=None):
        r = c.call("RetrievePropertiesEx", view_spec(view, typ, paths, max_objects) % pc)
        rv = r.find("vim:returnval", NS)
        if rv is None:
            return [], None
        return rv.findall("vim:objects", NS), rv.findtext("vim:token", namespaces=NS)

    def cont(token):
        r = c.call("ContinueRetrievePropertiesEx", moref("PropertyCollector", pc) + "<token>%s</token>" % token)
        rv = r.find("vim:returnval", NS)
        return rv.findall("vim:objects", NS), rv.findtext("vim:token", namespaces=NS)

    # --- paging -------------------------------------------------------------
    vmview = container("VirtualMachine")
    paths = ["name", "config.template", "config.createDate", "resourcePool"]
    everything, token = retrieve(vmview, "VirtualMachine", paths)
    check(token is None, "no maxObjects -> no token")
    total = len(everything)
    check(total >= 2, "container view lists %d VMs" % total)
    page = 3 if total > 3 else 1
    objs, token = retrieve(vmview, "VirtualMachine", paths, page)
    check(len(objs) == page and token, "maxObjects=%d -> %d objects + token %r" % (page, len(objs), token))
    seen = [props(o)[0] for o in objs]
    while token:
        more, token = cont(token)
        check(0 < len(more) <= page, "ContinueRetrievePropertiesEx page of %d" % len(more))
        seen += [props(o)[0] for o in more]
    check(sorted(seen) == sorted(props(o)[0] for o in everything) and len(set(seen)) == total,
          "paging returned every VM exactly once (%d)" % total)

    objs, token = retrieve(vmview, "VirtualMachine", paths, 1)
    c.call("CancelRetrievePropertiesEx", moref("PropertyCollector", pc) + "<token>%s</token>" % token)
    check(True, "CancelRetrievePropertiesEx accepted")
    for what, fn in (("Continue after Cancel", lambda: cont(token)),
                     ("Continue unknown token", lambda: cont("no-such-token")),
                     ("Cancel unknown token", lambda: c.call(
                         "CancelRetrievePropertiesEx", moref("PropertyCollector", pc) + "<token>nope</token>"))):
        try:
            fn()
            check(False, what + " must fault")
        except SoapFault as f:
            check(f.fault_type == "InvalidArgument", "%s -> %s" % (what, f.fault_type))

    # --- createDate and templates -------------------------------------------
    vms = dict(props(o) for o in everything)
    names = {ref: p["name"].text for ref, p in vms.items()}
    check(all("config.createDate" in p for p in vms.values()), "every VM has config.createDate")
    dates = [p["config.createDate"].text for p in vms.values()]
    check(all(d < time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) for d in dates), "createDates are in the past")
    templates = {ref for ref, p in vms.items() if p["config.template"].text == "true"}
    tnames = sorted(names[t] for t in templates)
    print("     templates:", tnames)
    poolview = container("ResourcePool")
    pools, _ = retrieve(poolview, "ResourcePool", ["vm"])
    in_pools = {v.text for o in pools for val in [props(o)[1].get("vm")] if val is not None
                for v in val.findall("vim:ManagedObjectReference", NS)}
    check(not (templates & in_pools), "templates are not listed in any ResourcePool.vm")
    check(all("resourcePool" not in vms[t] for t in templates), "templates have no resourcePool")
    check(set(vms) - templates <= in_pools, "every non-template VM is in some pool's vm")

    # --- events -------------------------------------------------------------
    def query_events(types):
        ids = "".join("<eventTypeId>%s</eventTypeId>" % t for t in types)
        r = c.call("QueryEvents", moref("EventManager", em) + "<filter><maxCount>1000</maxCount>%s</filter>" % ids)
        return [] if r is None else r.findall("vim:returnval", NS)

    deployed = query_events(["VmDeployedEvent"])
    being = query_events(["VmBeingDeployedEvent"])
    removed = query_events(["VmRemovedEvent"])
    print("     VmDeployedEvent: %d, VmBeingDeployedEvent: %d" % (len(deployed), len(being)))
    for e in deployed:
        check(e.get(XSI_TYPE, "").endswith("VmDeployedEvent"), "event typed VmDeployedEvent")
        src = txt(e, "vim:srcTemplate/vim:name")
        vm = txt(e, "vim:vm/vim:name")
        check(src and src.startswith("arc-template-") and txt(e, "vim:srcTemplate/vim:vm"),
              "VmDeployedEvent srcTemplate=%s vm=%s" % (src, vm))
        check(txt(e, "vim:userName") == user and txt(e, "vim:createdTime") and txt(e, "vim:datacenter/vim:name"),
              "VmDeployedEvent has userName, createdTime, datacenter")
    appliances = {txt(e, "vim:vm/vim:name") for e in deployed}
    check(len(being) == len(deployed), "one VmBeingDeployedEvent per VmDeployedEvent")
    check(all(any(txt(r, "vim:vm/vim:name") == a for r in removed) for a in appliances),
          "every deployed appliance has a VmRemovedEvent")

    # --- SOAP clone from a template must post VmDeployedEvent ----------------
    if templates:
        tref = next(t for t in templates if names[t].endswith("-0"))
        folder_view = container("Folder")
        folders, _ = retrieve(folder_view, "Folder", ["name"])
        arc = next(props(o)[0] for o in folders if props(o)[1]["name"].text == "Arc")
        pool = next(props(o)[0] for o in pools)
        new = "smoke-clone-%d" % os.getpid()
        r = c.call("CloneVM_Task", moref("VirtualMachine", tref)
                   + '<folder type="Folder">%s</folder><name>%s</name>' % (arc, new)
                   + '<spec><location><pool type="ResourcePool">%s</pool></location>'
                     "<template>false</template><powerOn>false</powerOn></spec>" % pool)
        task = r.findtext("vim:returnval", namespaces=NS)
        spec = ('<_this type="PropertyCollector">%s</_this><specSet><propSet><type>Task</type>'
                "<pathSet>info.state</pathSet><pathSet>info.result</pathSet></propSet>"
                '<objectSet><obj type="Task">%s</obj></objectSet></specSet><options/>') % (pc, task)
        for _ in range(100):
            o = c.call("RetrievePropertiesEx", spec).find("vim:returnval/vim:objects", NS)
            p = props(o)[1]
            if p["info.state"].text in ("success", "error"):
                break
            time.sleep(0.05)
        check(p["info.state"].text == "success", "CloneVM_Task from template succeeded")
        clone = p["info.result"].text
        ev = [e for e in query_events(["VmDeployedEvent"]) if txt(e, "vim:vm/vim:vm") == clone]
        check(len(ev) == 1 and txt(ev[0], "vim:srcTemplate/vim:vm") == tref and txt(ev[0], "vim:userName") == user,
              "SOAP clone from template posted VmDeployedEvent (srcTemplate, vm, userName)")
        c.call("Destroy_Task", moref("VirtualMachine", clone))

    # --- REST --------------------------------------------------------------
    rest = state["url"].rsplit("/sdk", 1)[0] + "/rest/com/vmware/cis/session"

    def rest_login(pw):
        req = urllib.request.Request(rest, data=b"", method="POST")
        req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode())
        try:
            with urllib.request.urlopen(req, context=c.ctx, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    check(rest_login(password) == 200, "REST session login with the right password")
    check(rest_login(password + "x") == 401, "REST session login with a wrong password -> 401")

    c.call("Logout", moref("SessionManager", sm))
    print("smoke: all checks passed")


if __name__ == "__main__":
    main()
