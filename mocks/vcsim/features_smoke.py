#!/usr/bin/env python3
"""Smoke checks of the simulator's opt-in vCenter behaviour, raw SOAP, stdlib only.

    VCSIM_PASSWORD=... python3 mocks/vcsim/features_smoke.py STATE_DIR/state.json FEATURE...

Each FEATURE expects the simulator to run with the flags named below (see
features_smoke.sh, which starts one simulator per feature and runs them all):

  guest        (no flags)   guest IPs via ReconfigVM_Task SET.guest.ipAddress,
                            FindAllByIp/FindByIp, power off/on
  ha           (no flags)   cluster HA in configurationEx and configuration
  ha-off       -ha=false
  placement    -datastore 2 -datastore-standalone-only LocalDS_1
               -host-names 127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8
               -vc-version 7.0.3 -esxi-version 6.7.0,DC0_C0_H1=7.0.3
               -host-memory-gib 4 -pool-reservation-mib 6144 -pool-expandable=false
  perf         -datastore 2 -datastore-standalone-only LocalDS_1
               -datastore-latency-ms LocalDS_0=15,DC0_C0_H1/LocalDS_0=25
  perf-off     -perf-stats=false
  filter-view  -filter-view -users FILE (viewer@vsphere.local, password from env
               VCSIM_VIEWER_PASSWORD)
  tags         (no flags)   tag privileges in privilegeList, grantable in roles
  events       -bad-logins 127.0.0.30=2,arc@vsphere.local@127.0.0.31=1
  ...
Exits non-zero on the first failure.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smoke import NS, XSI_TYPE, Client, SoapFault, check, escape, moref, props, txt, view_spec  # noqa: E402


class Session:
    def __init__(self, state_file):
        state = json.load(open(state_file))
        self.state = state
        self.password = os.environ.get("VCSIM_PASSWORD") or sys.exit("VCSIM_PASSWORD must be set")
        self.c = Client(state["url"], state["ca_file"])
        sc = self.c.call("RetrieveServiceContent", moref("ServiceInstance", "ServiceInstance")).find("vim:returnval", NS)
        self.sc = sc
        self.pc, self.root = txt(sc, "vim:propertyCollector"), txt(sc, "vim:rootFolder")
        self.sm, self.vmgr = txt(sc, "vim:sessionManager"), txt(sc, "vim:viewManager")
        self.si, self.em = txt(sc, "vim:searchIndex"), txt(sc, "vim:eventManager")
        self.perf = txt(sc, "vim:perfManager")
        self.login(state["username"], self.password)

    def login(self, user, password):
        self.c.cookie = None
        self.c.call("Login", moref("SessionManager", self.sm)
                    + "<userName>%s</userName><password>%s</password>" % (escape(user), escape(password)))

    def call(self, method, body):
        return self.c.call(method, body)

    def view(self, typ):
        r = self.call("CreateContainerView", moref("ViewManager", self.vmgr)
                      + '<container type="Folder">%s</container><type>%s</type><recursive>true</recursive>'
                      % (self.root, typ))
        return r.findtext("vim:returnval", namespaces=NS)

    def all(self, typ, paths):
        """{moref: {path: val element}} of every object of typ."""
        r = self.call("RetrievePropertiesEx", view_spec(self.view(typ), typ, paths) % self.pc)
        rv = r.find("vim:returnval", NS)
        return {} if rv is None else dict(props(o) for o in rv.findall("vim:objects", NS))

    def get(self, typ, ref, paths):
        ps = "".join("<pathSet>%s</pathSet>" % p for p in paths)
        spec = ('<_this type="PropertyCollector">%s</_this><specSet><propSet><type>%s</type>%s</propSet>'
                '<objectSet><obj type="%s">%s</obj></objectSet></specSet><options/>') % (
                    self.pc, typ, ps, typ, escape(ref))
        o = self.call("RetrievePropertiesEx", spec).find("vim:returnval/vim:objects", NS)
        return props(o)[1]

    def by_name(self, typ, name):
        for ref, p in self.all(typ, ["name"]).items():
            if p["name"].text == name:
                return ref
        raise SystemExit("FAIL: no %s named %s" % (typ, name))

    def wait(self, task):
        for _ in range(200):
            p = self.get("Task", task, ["info.state", "info.error"])
            if p["info.state"].text in ("success", "error"):
                return p["info.state"].text
            time.sleep(0.05)
        return "timeout"


def text(val):
    return None if val is None else val.text


def strings(val):
    """ArrayOfString / ArrayOfManagedObjectReference val -> list of texts."""
    return [] if val is None else [e.text for e in val]


# --- issue 16: guest IPs, power ---------------------------------------------

def feature_guest(s):
    vm = s.by_name("VirtualMachine", "DC0_C0_RP0_VM0")
    spec = ("<spec>"
            '<extraConfig xsi:type="OptionValue"><key>SET.guest.ipAddress</key>'
            '<value xsi:type="xsd:string">127.0.0.30,127.0.0.31</value></extraConfig>'
            '<extraConfig xsi:type="OptionValue"><key>SET.guest.toolsRunningStatus</key>'
            '<value xsi:type="xsd:string">guestToolsRunning</value></extraConfig>'
            "</spec>")
    task = s.call("ReconfigVM_Task", moref("VirtualMachine", vm) + spec).findtext("vim:returnval", namespaces=NS)
    check(s.wait(task) == "success", "ReconfigVM_Task SET.guest.ipAddress=127.0.0.30,127.0.0.31 succeeded")
    paths = ["guest.ipAddress", "guest.net", "summary.guest.ipAddress", "guest.toolsRunningStatus", "runtime.powerState"]
    p = s.get("VirtualMachine", vm, paths)
    check(text(p.get("guest.ipAddress")) == "127.0.0.30", "guest.ipAddress = first address")
    check(text(p.get("summary.guest.ipAddress")) == "127.0.0.30", "summary.guest.ipAddress = first address")
    nic_ips = [a.text for a in p["guest.net"].findall("vim:GuestNicInfo/vim:ipAddress", NS)]
    check(nic_ips == ["127.0.0.30", "127.0.0.31"], "guest.net[0].ipAddress = both addresses (%s)" % nic_ips)
    check(text(p.get("guest.toolsRunningStatus")) == "guestToolsRunning", "SET.guest.toolsRunningStatus (stock) applies")

    def find_all(ip, vm_search, dc=None):
        dcarg = '<datacenter type="Datacenter">%s</datacenter>' % dc if dc else ""
        r = s.call("FindAllByIp", moref("SearchIndex", s.si) + "%s<ip>%s</ip><vmSearch>%s</vmSearch>"
                   % (dcarg, ip, "true" if vm_search else "false"))
        return [] if r is None else [e.text for e in r.findall("vim:returnval", NS)]

    dc0 = s.by_name("Datacenter", "DC0")
    check(find_all("127.0.0.30", True) == [vm], "FindAllByIp(127.0.0.30, vmSearch) -> the VM")
    check(find_all("127.0.0.31", True, dc0) == [vm], "FindAllByIp(127.0.0.31 = a guest.net address, DC0) -> the VM")
    check(find_all("127.0.0.99", True) == [], "FindAllByIp(unknown) -> nothing")
    r = s.call("FindByIp", moref("SearchIndex", s.si) + "<ip>127.0.0.31</ip><vmSearch>true</vmSearch>")
    check(r.findtext("vim:returnval", namespaces=NS) == vm, "FindByIp(127.0.0.31) -> the VM")
    hosts = s.all("HostSystem", ["name"])
    check(sorted(find_all("127.0.0.1", False)) == sorted(hosts), "FindAllByIp(127.0.0.1, hosts) -> every host (stock vNIC address)")

    task = s.call("PowerOffVM_Task", moref("VirtualMachine", vm)).findtext("vim:returnval", namespaces=NS)
    check(s.wait(task) == "success", "PowerOffVM_Task succeeded")
    p = s.get("VirtualMachine", vm, paths)
    check(text(p["runtime.powerState"]) == "poweredOff", "runtime.powerState = poweredOff")
    nic_ips = [a.text for a in p["guest.net"].findall("vim:GuestNicInfo/vim:ipAddress", NS)]
    check("guest.ipAddress" not in p and not nic_ips, "powered off: no guest addresses (as vCenter without Tools)")
    check(text(p.get("guest.toolsRunningStatus")) == "guestToolsNotRunning", "powered off: guestToolsNotRunning")
    check(find_all("127.0.0.30", True) == [], "powered off: FindAllByIp finds nothing")
    task = s.call("PowerOnVM_Task", moref("VirtualMachine", vm)).findtext("vim:returnval", namespaces=NS)
    check(s.wait(task) == "success", "PowerOnVM_Task succeeded")
    p = s.get("VirtualMachine", vm, paths)
    check(text(p.get("guest.ipAddress")) == "127.0.0.30" and text(p["runtime.powerState"]) == "poweredOn",
          "powered on again: guest addresses are back")
    check(text(p.get("guest.toolsRunningStatus")) == "guestToolsRunning", "powered on again: guestToolsRunning")


# --- issue 17: HA -----------------------------------------------------------

def ha_flags(s):
    out = {}
    for ref, p in s.all("ClusterComputeResource", ["configurationEx", "configuration.dasConfig.enabled"]).items():
        ex = p["configurationEx"]
        check(ex.get(XSI_TYPE) == "ClusterConfigInfoEx", "configurationEx is a ClusterConfigInfoEx")
        out[ref] = (txt(ex, "vim:dasConfig/vim:enabled"), text(p.get("configuration.dasConfig.enabled")))
    return out


def feature_ha(s):
    flags = ha_flags(s)
    check(flags and all(v == ("true", "true") for v in flags.values()),
          "every cluster: configurationEx.dasConfig.enabled = configuration.dasConfig.enabled = true (%s)" % flags)


def feature_ha_off(s):
    flags = ha_flags(s)
    check(flags and all(v == ("false", "false") for v in flags.values()),
          "-ha=false: both dasConfig.enabled = false (%s)" % flags)


# --- issue 15: placement ----------------------------------------------------

MIB = 1 << 20


def pool_runtime(s, ref):
    p = s.get("ResourcePool", ref, ["runtime.memory.unreservedForVm", "runtime.cpu.unreservedForVm",
                                     "runtime.memory.reservationUsed", "summary.runtime.memory.unreservedForVm"])
    return (int(text(p["runtime.memory.unreservedForVm"])) // MIB, int(text(p["runtime.cpu.unreservedForVm"])),
            int(text(p["runtime.memory.reservationUsed"])) // MIB, int(text(p["summary.runtime.memory.unreservedForVm"])) // MIB)


def feature_placement(s):
    about = s.sc.find("vim:about", NS)
    check((txt(about, "vim:version"), txt(about, "vim:apiVersion")) == ("7.0.3", "7.0.3.0"),
          "-vc-version 7.0.3: about.version 7.0.3, apiVersion 7.0.3.0")
    hosts = s.all("HostSystem", ["name", "datastore", "parent", "config.product.version",
                                 "summary.config.product.version", "summary.hardware.memorySize"])
    names = {ref: p["name"].text for ref, p in hosts.items()}
    check(sorted(names.values()) == ["127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8"],
          "-host-names: hosts named %s" % sorted(names.values()))
    by_name = {v: k for k, v in names.items()}
    standalone = by_name["127.0.0.5"]
    check(hosts[standalone]["parent"].get("type") == "ComputeResource", "first name went to the standalone host (creation order)")
    cr = s.get("ComputeResource", hosts[standalone]["parent"].text, ["name"])
    check(text(cr["name"]) == "127.0.0.5", "the standalone host's ComputeResource carries its name")
    versions = {names[r]: (text(p["config.product.version"]), text(p["summary.config.product.version"])) for r, p in hosts.items()}
    check(versions == {"127.0.0.5": ("6.7.0", "6.7.0"), "127.0.0.6": ("6.7.0", "6.7.0"),
                       "127.0.0.7": ("7.0.3", "7.0.3"), "127.0.0.8": ("6.7.0", "6.7.0")},
          "-esxi-version 6.7.0,DC0_C0_H1=7.0.3: config/summary product versions %s" % versions)
    r = s.call("FindAllByIp", moref("SearchIndex", s.si) + "<ip>127.0.0.6</ip><vmSearch>false</vmSearch>")
    check([e.text for e in r.findall("vim:returnval", NS)] == [by_name["127.0.0.6"]],
          "FindAllByIp(127.0.0.6, hosts) -> that host (vmk0 address = IP-literal name)")

    dss = s.all("Datastore", ["name", "host"])
    ds_by_name = {p["name"].text: ref for ref, p in dss.items()}
    mounts = {p["name"].text: sorted(k.text for k in p["host"].findall("vim:DatastoreHostMount/vim:key", NS))
              for p in dss.values()}
    check(mounts["LocalDS_0"] == sorted(hosts), "LocalDS_0: Datastore.host[] lists every host (stock: only the last)")
    check(mounts["LocalDS_1"] == [standalone], "-datastore-standalone-only LocalDS_1: host[] = the standalone host only")
    for ref, p in hosts.items():
        mounted = sorted(x.text for x in p["datastore"])
        want = sorted(d for d, m in ((ds_by_name[n], m) for n, m in mounts.items()) if ref in m)
        check(mounted == want, "%s: HostSystem.datastore agrees with Datastore.host[]" % names[ref])
    clusters = s.all("ClusterComputeResource", ["datastore", "resourcePool", "host"])
    (cref, cluster), = clusters.items()
    check(ds_by_name["LocalDS_1"] not in strings(cluster["datastore"]), "the cluster's datastore list lacks LocalDS_1")
    folder_children = [r for p in s.all("Folder", ["childEntity"]).values() for r in strings(p.get("childEntity"))]
    check(len(folder_children) == len(set(folder_children)), "no folder lists a child twice (stock: once per host)")
    check(int(text(hosts[standalone]["summary.hardware.memorySize"])) == 4 << 30, "-host-memory-gib 4")

    # Pools: 3 cluster hosts x 4 GiB = 12288 MiB; DC0_C0_RP1 reserves 6144 MiB,
    # not expandable (-pool-reservation-mib 6144 -pool-expandable=false).
    root = cluster["resourcePool"].text
    rp1 = s.by_name("ResourcePool", "DC0_C0_RP1")
    check(pool_runtime(s, root)[:3] == (6144, 110112, 6144),
          "root pool: unreservedForVm 6144 MiB = 12288 - 6144 reserved by RP1; cpu 3 x 16 x 2294 MHz (%s)" % (pool_runtime(s, root),))
    check(pool_runtime(s, rp1) == (6144, 0, 0, 6144), "RP1 (6144 MiB, not expandable): unreservedForVm 6144 MiB, cpu 0 (%s)" % (pool_runtime(s, rp1),))

    def alloc(mem, exp, cpu=0):
        a = "<reservation>%d</reservation><expandableReservation>%s</expandableReservation><limit>-1</limit>" \
            "<shares><shares>0</shares><level>normal</level></shares>"
        return "<cpuAllocation>%s</cpuAllocation><memoryAllocation>%s</memoryAllocation>" % (
            a % (cpu, "true"), a % (mem, "true" if exp else "false"))

    r = s.call("CreateResourcePool", moref("ResourcePool", rp1) + "<name>smoke-child</name><spec>%s</spec>" % alloc(2048, True))
    child = r.findtext("vim:returnval", namespaces=NS)
    check(pool_runtime(s, rp1)[:3] == (4096, 0, 2048), "RP1 after a 2048 MiB child: unreservedForVm 4096 MiB (%s)" % (pool_runtime(s, rp1),))
    check(pool_runtime(s, child)[0] == 2048 + 4096, "expandable child: own 2048 + parent's 4096 MiB")
    s.call("UpdateConfig", moref("ResourcePool", child) + "<config>%s</config>" % alloc(4096, True))
    check(pool_runtime(s, rp1)[:3] == (2048, 0, 4096), "UpdateConfig child 4096 MiB: RP1 unreservedForVm 2048 MiB (%s)" % (pool_runtime(s, rp1),))
    check(pool_runtime(s, child)[0] == 4096 + 2048, "child: own 4096 + RP1's 2048 MiB")
    check(pool_runtime(s, root)[0] == 6144, "root unchanged: RP1 is not expandable, it reserves exactly 6144 MiB")
    s.call("UpdateConfig", moref("ResourcePool", rp1) + "<config>%s</config>" % alloc(8192, False))
    check(pool_runtime(s, root)[0] == 4096, "UpdateConfig RP1 8192 MiB: root unreservedForVm 12288 - 8192 = 4096 MiB")
    check(pool_runtime(s, rp1)[0] == 4096, "RP1: 8192 - 4096 (child) = 4096 MiB")
    task = s.call("Destroy_Task", moref("ResourcePool", child)).findtext("vim:returnval", namespaces=NS)
    s.wait(task)


# --- issue 16: datastore latency --------------------------------------------

def perf_setup(s):
    hosts = {p["name"].text: ref for ref, p in s.all("HostSystem", ["name"]).items()}
    dss = {p["name"].text: p["summary.url"].text.rstrip("/").rsplit("/", 1)[-1]
           for p in s.all("Datastore", ["name", "summary.url"]).values()}
    return hosts, dss


def query_perf(s, specs):
    body = moref("PerformanceManager", s.perf) + "".join(specs)
    r = s.call("QueryPerf", body)
    out = {}
    for em in ([] if r is None else r.findall("vim:returnval", NS)):
        times = [txt(i, "vim:timestamp") for i in em.findall("vim:sampleInfo", NS)]
        series = {(txt(v, "vim:id/vim:counterId"), txt(v, "vim:id/vim:instance") or ""): [int(x.text) for x in v.findall("vim:value", NS)]
                  for v in em.findall("vim:value", NS)}
        out[txt(em, "vim:entity")] = (times, series)
    return out


def perf_spec(host, instance, start=True, counter=183, interval=20):
    # An hour ending on a 5-minute boundary in the past: a whole number of
    # samples at 20 s and at 300 s, whatever the clock says.
    end = int(time.time()) // 300 * 300 - 300
    fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    st = "<startTime>%s</startTime><endTime>%s</endTime>" % (fmt(end - 3600), fmt(end)) if start else ""
    return ('<querySpec><entity type="HostSystem">%s</entity>%s<metricId><counterId>%d</counterId>'
            "<instance>%s</instance></metricId><intervalId>%d</intervalId></querySpec>") % (host, st, counter, escape(instance), interval)


def feature_perf(s):
    hosts, dss = perf_setup(s)
    pm = s.get("PerformanceManager", s.perf, ["perfCounter", "historicalInterval"])
    counters = {}
    for c in pm["perfCounter"].findall("vim:PerfCounterInfo", NS):
        name = "%s.%s.%s" % (txt(c, "vim:groupInfo/vim:key"), txt(c, "vim:nameInfo/vim:key"), txt(c, "vim:rollupType"))
        counters[name] = (txt(c, "vim:key"), txt(c, "vim:unitInfo/vim:key"), txt(c, "vim:level"))
    check(counters.get("datastore.totalWriteLatency.average") == ("183", "millisecond", "1"),
          "perfCounter: datastore.totalWriteLatency.average = key 183, millisecond, level 1")
    check(counters.get("datastore.totalReadLatency.average", ("",))[0] == "182"
          and counters.get("datastore.maxTotalLatency.latest", ("",))[0] == "184", "read latency 182, maxTotalLatency 184")
    enabled = [txt(i, "vim:enabled") for i in pm["historicalInterval"].findall("vim:PerfInterval", NS)]
    check(enabled == ["true"] * 4, "historicalInterval: 4 intervals, enabled")
    r = s.call("QueryPerfCounter", moref("PerformanceManager", s.perf) + "<counterId>183</counterId>")
    check(txt(r, "vim:returnval/vim:nameInfo/vim:key") == "totalWriteLatency", "QueryPerfCounter(183)")

    h0, h1, sa = hosts["DC0_C0_H0"], hosts["DC0_C0_H1"], hosts["DC0_H0"]
    r = s.call("QueryAvailablePerfMetric", moref("PerformanceManager", s.perf)
               + '<entity type="HostSystem">%s</entity><intervalId>20</intervalId>' % sa)
    avail = {(txt(m, "vim:counterId"), txt(m, "vim:instance")) for m in r.findall("vim:returnval", NS)}
    check({("183", dss["LocalDS_0"]), ("183", dss["LocalDS_1"])} <= avail,
          "QueryAvailablePerfMetric(standalone host): 183 for each mounted datastore (instance = volume UUID)")
    r = s.call("QueryAvailablePerfMetric", moref("PerformanceManager", s.perf)
               + '<entity type="HostSystem">%s</entity><intervalId>20</intervalId>' % h0)
    avail = {(txt(m, "vim:counterId"), txt(m, "vim:instance")) for m in r.findall("vim:returnval", NS)}
    check(("183", dss["LocalDS_0"]) in avail and ("183", dss["LocalDS_1"]) not in avail,
          "cluster host: LocalDS_0 only (LocalDS_1 is standalone-only)")

    ds0 = dss["LocalDS_0"]
    res = query_perf(s, [perf_spec(hosts[n], ds0) for n in sorted(hosts)])
    check(sorted(res) == sorted(hosts.values()), "one batched QueryPerf answers for every host")
    for name, ref in hosts.items():
        times, series = res[ref]
        want = 25 if name == "DC0_C0_H1" else 15
        vals = series.get(("183", ds0))
        check(len(times) == 180 and vals == [want] * 180,
              "%s: last hour at 20 s = 180 samples of %d ms (got %d, %s)" % (name, want, len(times), vals and vals[:2]))
        check(times == sorted(times), "%s: samples oldest first" % name)
    res = query_perf(s, [perf_spec(sa, dss["LocalDS_1"], start=False)])
    check(res[sa][1] == {("183", dss["LocalDS_1"]): [2]}, "no startTime/maxSample: the latest sample; unnamed datastore = default 2 ms")
    res = query_perf(s, [perf_spec(h1, "*")])
    check(res[h1][1] == {("183", ds0): [25] * 180}, "instance * on a cluster host: its mounted datastores only")
    res = query_perf(s, [perf_spec(h0, dss["LocalDS_1"])])
    check(res[h0][1] == {}, "a datastore the host does not mount: no series")
    res = query_perf(s, [perf_spec(h1, "", counter=184, interval=300)])
    check(res[h1][1] == {("184", ""): [25] * 12}, "maxTotalLatency.latest (aggregate), 5-minute interval: 12 samples")


def feature_perf_off(s):
    hosts, dss = perf_setup(s)
    pm = s.get("PerformanceManager", s.perf, ["historicalInterval"])
    enabled = [txt(i, "vim:enabled") for i in pm["historicalInterval"].findall("vim:PerfInterval", NS)]
    check(enabled == ["false"] * 4, "-perf-stats=false: historical intervals disabled")
    h = hosts["DC0_C0_H0"]
    r = s.call("QueryAvailablePerfMetric", moref("PerformanceManager", s.perf)
               + '<entity type="HostSystem">%s</entity><intervalId>20</intervalId>' % h)
    check(r is None or not r.findall("vim:returnval", NS), "QueryAvailablePerfMetric(host): empty")
    check(query_perf(s, [perf_spec(h, dss["LocalDS_0"])]) == {}, "QueryPerf(host): no PerfEntityMetric")


# --- issue 16: failed logins in the event history ---------------------------

def bad_login_events(s):
    r = s.call("QueryEvents", moref("EventManager", s.em)
               + "<filter><maxCount>1000</maxCount><eventTypeId>BadUsernameSessionEvent</eventTypeId></filter>")
    evs = [] if r is None else r.findall("vim:returnval", NS)
    for e in evs:
        check(e.get(XSI_TYPE) == "BadUsernameSessionEvent", "event typed BadUsernameSessionEvent")
    return sorted((txt(e, "vim:userName"), txt(e, "vim:ipAddress")) for e in evs)


def feature_events(s):
    import http.client
    import urllib.parse
    user = s.state["username"]
    got = bad_login_events(s)
    check(got == sorted([(user, "127.0.0.30")] * 2 + [("arc@vsphere.local", "127.0.0.31")]),
          "-bad-logins 127.0.0.30=2,arc@vsphere.local@127.0.0.31=1: %s" % got)
    # A failed SOAP Login from 127.0.0.32 (the client binds its source address).
    u = urllib.parse.urlsplit(s.state["url"])
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=s.c.ctx, source_address=("127.0.0.32", 0), timeout=30)
    env = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="%s" xmlns="urn:vim25">'
           '<soapenv:Body><Login><_this type="SessionManager">%s</_this><userName>intruder@vsphere.local</userName>'
           "<password>wrong</password></Login></soapenv:Body></soapenv:Envelope>") % (NS["soapenv"], s.sm)
    conn.request("POST", u.path, env.encode(), {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/6.5"})
    resp = conn.getresponse()
    body = resp.read().decode()
    check(resp.status == 500 and "InvalidLogin" in body, "wrong password from 127.0.0.32 -> InvalidLogin")
    got2 = bad_login_events(s)
    check(sorted(set(got2) - set(got)) == [("intruder@vsphere.local", "127.0.0.32")] and len(got2) == len(got) + 1,
          "the failed Login posted BadUsernameSessionEvent(userName=intruder@vsphere.local, ipAddress=127.0.0.32)")


# --- issue 13: tag privileges -------------------------------------------------

TAG_PRIVS = ["InventoryService.Tagging.AttachTag", "InventoryService.Tagging.ObjectAttachable",
             "InventoryService.Tagging.CreateTag", "InventoryService.Tagging.CreateCategory"]


def feature_tags(s):
    am = txt(s.sc, "vim:authorizationManager")
    p = s.get("AuthorizationManager", am, ["privilegeList"])
    ids = {txt(x, "vim:privId") for x in p["privilegeList"].findall("vim:AuthorizationPrivilege", NS)}
    check(set(TAG_PRIVS) <= ids, "privilegeList has the InventoryService.Tagging.* privileges")
    privs = "".join("<privIds>%s</privIds>" % x for x in TAG_PRIVS)
    r = s.call("AddAuthorizationRole", moref("AuthorizationManager", am) + "<name>smoke-tagger-%d</name>%s" % (os.getpid(), privs))
    role = r.findtext("vim:returnval", namespaces=NS)
    roles = s.get("AuthorizationManager", am, ["roleList"])["roleList"]
    got = [set(x.text for x in r2.findall("vim:privilege", NS)) for r2 in roles.findall("vim:AuthorizationRole", NS)
           if txt(r2, "vim:roleId") == role]
    check(got and set(TAG_PRIVS) <= got[0], "a role granting them is saved with them (roleId %s)" % role)


# --- issue 13: partial visibility -------------------------------------------

def feature_filter_view(s):
    viewer = "viewer@vsphere.local"
    pw = os.environ.get("VCSIM_VIEWER_PASSWORD") or sys.exit("VCSIM_VIEWER_PASSWORD must be set")
    am = txt(s.sc, "vim:authorizationManager")
    cluster = s.by_name("ClusterComputeResource", "DC0_C0")
    s.call("SetEntityPermissions", moref("AuthorizationManager", am)
           + '<entity type="ClusterComputeResource">%s</entity><permission><principal>%s</principal>'
             "<group>false</group><roleId>-2</roleId><propagate>true</propagate></permission>" % (cluster, viewer))
    admin_hosts = s.all("HostSystem", ["name"])
    admin_vms = s.all("VirtualMachine", ["name", "resourcePool"])
    s.login(viewer, pw)
    hosts = sorted(p["name"].text for p in s.all("HostSystem", ["name"]).values())
    check(hosts == ["DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2"] and len(admin_hosts) == 4,
          "viewer (ReadOnly on DC0_C0): sees the cluster's hosts only (%s)" % hosts)
    vms = sorted(p["name"].text for p in s.all("VirtualMachine", ["name"]).values())
    check(vms and all(v.startswith("DC0_C0_") for v in vms) and len(vms) < len(admin_vms),
          "viewer sees the cluster's VMs (through their pool), not the standalone host's (%s)" % vms)
    dcs = [p["name"].text for p in s.all("Datacenter", ["name"]).values()]
    check(dcs == ["DC0"], "the datacenter above is visible (an ancestor)")
    r = s.call("RetrievePropertiesEx", view_spec(s.view("VirtualMachine"), "VirtualMachine", ["name"], 1) % s.pc)
    seen, token = len(r.findall("vim:returnval/vim:objects", NS)), r.findtext("vim:returnval/vim:token", namespaces=NS)
    while token:
        r = s.call("ContinueRetrievePropertiesEx", moref("PropertyCollector", s.pc) + "<token>%s</token>" % token)
        seen += len(r.findall("vim:returnval/vim:objects", NS))
        token = r.findtext("vim:returnval/vim:token", namespaces=NS)
    check(seen == len(vms), "paging (maxObjects=1) pages the filtered list: %d" % seen)

    def find(path):
        r = s.call("FindByInventoryPath", moref("SearchIndex", s.si) + "<inventoryPath>%s</inventoryPath>" % path)
        return None if r is None else r.findtext("vim:returnval", namespaces=NS)
    check(find("DC0/host/DC0_C0") == cluster, "FindByInventoryPath DC0/host/DC0_C0 -> the cluster")
    check(find("DC0/host/DC0_H0") is None, "FindByInventoryPath DC0/host/DC0_H0 -> not found for the viewer")
    s.login(s.state["username"], s.password)
    check(find("DC0/host/DC0_H0") is not None, "the administrator still finds it")


FEATURES = {
    "guest": feature_guest,
    "ha": feature_ha,
    "ha-off": feature_ha_off,
    "placement": feature_placement,
    "perf": feature_perf,
    "perf-off": feature_perf_off,
    "events": feature_events,
    "tags": feature_tags,
    "filter-view": feature_filter_view,
}


def main():
    if len(sys.argv) < 3 or any(f not in FEATURES for f in sys.argv[2:]):
        sys.exit("usage: VCSIM_PASSWORD=... features_smoke.py STATE_JSON FEATURE... (features: %s)"
                 % " ".join(FEATURES))
    s = Session(sys.argv[1])
    for f in sys.argv[2:]:
        print("--", f)
        FEATURES[f](s)
    print("features_smoke: %s passed" % " ".join(sys.argv[2:]))


if __name__ == "__main__":
    main()
