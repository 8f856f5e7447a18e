#!/usr/bin/env python3
"""Demo set-up over the simulator's SOAP API: a deployed Arc resource bridge
gone wrong. Deploys the appliance VM `arc-bridge-appliance` from TEMPLATE
into /DC0/vm/Arc (as `az arcappliance deploy` does), powers it on and makes
VMware Tools report ADDRESSES (comma-separated: node address first, then the
control-plane virtual IP if it still holds it). Only loopback addresses.

usage: VCSIM_PASSWORD=... python3 mocks/vcsim/demo_bridge.py STATE_JSON TEMPLATE ADDRESSES
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from features_smoke import Session  # noqa: E402
from smoke import NS, escape, moref  # noqa: E402


def task(s, method, this, body=""):
    t = s.call(method, moref("VirtualMachine", this) + body).findtext("vim:returnval", namespaces=NS)
    if s.wait(t) != "success":
        raise SystemExit("demo_bridge: %s failed" % method)
    return s.get("Task", t, ["info.result"]).get("info.result")


def main():
    state_file, template, addresses = sys.argv[1:4]
    if not all(a.strip().startswith("127.") for a in addresses.split(",")):
        raise SystemExit("demo_bridge: loopback addresses only")
    s = Session(state_file)
    tpl = s.by_name("VirtualMachine", template)
    folder = s.by_name("Folder", "Arc")
    cluster = s.by_name("ClusterComputeResource", "DC0_C0")
    pool = s.get("ClusterComputeResource", cluster, ["resourcePool"])["resourcePool"].text
    vm = task(s, "CloneVM_Task", tpl,
              '<folder type="Folder">%s</folder><name>arc-bridge-appliance</name>'
              '<spec><location><pool type="ResourcePool">%s</pool></location>'
              "<template>false</template><powerOn>false</powerOn></spec>" % (folder, pool)).text
    task(s, "PowerOnVM_Task", vm)
    task(s, "ReconfigVM_Task", vm,
         "<spec>"
         '<extraConfig xsi:type="OptionValue"><key>SET.guest.ipAddress</key>'
         '<value xsi:type="xsd:string">%s</value></extraConfig>'
         '<extraConfig xsi:type="OptionValue"><key>SET.guest.toolsRunningStatus</key>'
         '<value xsi:type="xsd:string">guestToolsRunning</value></extraConfig>'
         "</spec>" % escape(addresses))
    print("deployed arc-bridge-appliance (%s) from %s; Tools report %s" % (vm, template, addresses))


if __name__ == "__main__":
    sys.exit(main())
