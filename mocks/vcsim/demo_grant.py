#!/usr/bin/env python3
"""Demo set-up over the simulator's SOAP API: a role with every Arc privilege
but three, granted at the root to the deploying user, so `vaudit privileges`
has something real to find.

usage: VCSIM_PASSWORD=... python3 mocks/vcsim/demo_grant.py STATE_JSON USER
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from authz_smoke import ARC_PRIVILEGES, Client, perm  # noqa: E402

LEFT_OUT = [
    "VirtualMachine.Config.AddNewDisk",
    "VirtualMachine.Provisioning.DeployTemplate",
    "Datastore.AllocateSpace",
]


def main():
    state = json.load(open(sys.argv[1]))
    user = sys.argv[2]
    admin = Client(state["url"], state["ca_file"])
    admin.login(state["username"], os.environ["VCSIM_PASSWORD"])
    am = admin.content["authorizationManager"]
    privs = [p for p in ARC_PRIVILEGES if p not in LEFT_OUT] + ["System.View", "System.Read"]
    role = int(admin.call("AddAuthorizationRole", am, ("name", "ArcDeployer"), ("privIds", privs))[0].text)
    root = admin.content["rootFolder"]
    admin.call("SetEntityPermissions", am, ("entity", root), ("permission", [perm(root, user, role, True)]))
    print(f"granted role ArcDeployer ({len(privs)} privileges, without {', '.join(LEFT_OUT)}) to {user} at the root")


if __name__ == "__main__":
    sys.exit(main())
