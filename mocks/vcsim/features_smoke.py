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
               -vc-version 7.0.3 -esxi-version 6.7.0 -pool-reservation-mib 4096
  perf         -datastore-latency-ms LocalDS_0=15,DC0_C0_H1/LocalDS_0=25
  perf-off     -perf-stats=false
  events       -bad-logins 127.0.0.30=2
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


FEATURES = {
    "guest": feature_guest,
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
