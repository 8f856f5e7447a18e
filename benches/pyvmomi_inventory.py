#!/usr/bin/env python3
"""The peer in benches/scale.sh: vaudit's inventory collection written the way
an experienced pyVmomi scripter would write it.

One ContainerView over the root folder, one PropertyCollector
RetrievePropertiesEx with the same types and pathSets vaudit reads for a
saved snapshot (the whole inventory, src/inventory/facet.rs), paged with ContinueRetrievePropertiesEx at the
same maxObjects, DestroyView, Logout. Each object becomes a dict, and the
script builds what `vaudit folders`/`pools`/`templates` need from it: the
inventory path of every entity (memoised, linear), the folders with their
kind, the pools with their owner, the templates.

    VAUDIT_PASSWORD=... python3 pyvmomi_inventory.py --url https://127.0.0.1:PORT/sdk \
        --ca-file ca.pem [--username administrator@vsphere.local] [--page-size 1000]

Prints one JSON line to stdout: objects, pages, SOAP calls, seconds.
"""

import argparse
import json
import os
import ssl
import sys
import time
from urllib.parse import urlparse

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import SoapAdapter, vim, vmodl

# Counts every SOAP call pyVmomi makes (SmartConnect's, the collector's,
# Logout): the figure vaudit's `calls=N` is compared with.
SOAP_CALLS = [0]
_invoke = SoapAdapter.SoapStubAdapter.InvokeMethod


def _counted(self, *args, **kwargs):
    SOAP_CALLS[0] += 1
    return _invoke(self, *args, **kwargs)


SoapAdapter.SoapStubAdapter.InvokeMethod = _counted

# The same types and pathSets as vaudit's whole-inventory read
# (`Facets::all()` in src/inventory/facet.rs, which `--save` collects in one
# pass; a unit test there keeps the two in step). HA comes whole from
# `configurationEx`, as vaudit reads it, with the deprecated
# `configuration.dasConfig.enabled` beside it for older servers.
SPECS = [
    (vim.Folder, ["name", "parent", "childType"]),
    (vim.Datacenter, ["name", "parent"]),
    (vim.ComputeResource, ["name", "parent", "host"]),
    (
        vim.ClusterComputeResource,
        ["name", "parent", "host", "configurationEx", "configuration.dasConfig.enabled"],
    ),
    (
        vim.HostSystem,
        [
            "name",
            "parent",
            "runtime.connectionState",
            "runtime.inMaintenanceMode",
            "config.product.version",
            "summary.hardware.cpuMhz",
        ],
    ),
    (
        vim.ResourcePool,
        [
            "name",
            "parent",
            "owner",
            "runtime.memory.unreservedForVm",
            "runtime.cpu.unreservedForVm",
        ],
    ),
    (
        vim.VirtualApp,
        [
            "name",
            "parent",
            "owner",
            "parentFolder",
            "runtime.memory.unreservedForVm",
            "runtime.cpu.unreservedForVm",
        ],
    ),
    (
        vim.VirtualMachine,
        [
            "name",
            "parent",
            "parentVApp",
            "resourcePool",
            "config.template",
            "config.createDate",
            "config.uuid",
            "summary.config.vmPathName",
            "runtime.powerState",
        ],
    ),
    (
        vim.Datastore,
        ["name", "parent", "summary.freeSpace", "summary.capacity", "summary.url", "host"],
    ),
    (vim.Network, ["name", "parent"]),
    (vim.DistributedVirtualSwitch, ["name", "parent"]),
]


def collect(si, page_size):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(
        content.rootFolder, [t for t, _ in SPECS], True
    )
    pc = content.propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[
            vmodl.query.PropertyCollector.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[
                    vmodl.query.PropertyCollector.TraversalSpec(
                        name="view", type=vim.view.ContainerView, path="view", skip=False
                    )
                ],
            )
        ],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=paths)
            for t, paths in SPECS
        ],
    )
    opts = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
    objects = {}
    pages = 0
    try:
        result = pc.RetrievePropertiesEx([spec], opts)
        while result is not None:
            pages += 1
            for oc in result.objects:
                props = {p.name: p.val for p in oc.propSet}
                props["_type"] = type(oc.obj).__name__
                objects[oc.obj._moId] = props
            if not result.token:
                break
            result = pc.ContinueRetrievePropertiesEx(result.token)
    finally:
        view.DestroyView()
    return objects, pages


def summarise(objects):
    """What the three inventory audits derive: paths, folders, pools, templates."""
    paths = {}

    def path_of(moid):
        if moid in paths:
            return paths[moid]
        chain = []
        cur = moid
        while cur is not None and cur in objects and cur not in paths:
            chain.append(cur)
            o = objects[cur]
            parent = o.get("parent") or o.get("parentVApp") or o.get("parentFolder")
            cur = parent._moId if parent is not None else None
        base = paths.get(cur, "") if cur is not None else ""
        for m in reversed(chain):
            base = base + "/" + objects[m].get("name", m)
            paths[m] = base
        return paths[moid]

    folders, pools, templates = [], [], []
    for moid, o in objects.items():
        p = path_of(moid)
        if o["_type"] == "vim.Folder":
            folders.append((p, list(o.get("childType", []))))
        elif o["_type"] in ("vim.ResourcePool", "vim.VirtualApp"):
            owner = o.get("owner")
            pools.append((p, owner._moId if owner is not None else None))
        elif o["_type"] == "vim.VirtualMachine" and o.get("config.template"):
            created = o.get("config.createDate")
            templates.append((p, created.isoformat() if created else None))
    return len(folders), len(pools), len(templates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--ca-file", required=True)
    ap.add_argument("--username", default="administrator@vsphere.local")
    ap.add_argument("--page-size", type=int, default=1000)
    a = ap.parse_args()
    password = os.environ.get("VAUDIT_PASSWORD")
    if not password:
        sys.exit("VAUDIT_PASSWORD must be set")
    u = urlparse(a.url)
    ctx = ssl.create_default_context(cafile=a.ca_file)
    started = time.monotonic()
    si = SmartConnect(
        host=u.hostname, port=u.port or 443, user=a.username, pwd=password, sslContext=ctx
    )
    try:
        objects, pages = collect(si, a.page_size)
        nf, np, nt = summarise(objects)
    finally:
        Disconnect(si)
    print(
        json.dumps(
            {
                "objects": len(objects),
                "pages": pages,
                "soap_calls": SOAP_CALLS[0],
                "folders": nf,
                "pools": np,
                "templates": nt,
                "seconds": round(time.monotonic() - started, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
