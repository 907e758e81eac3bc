import assert from "node:assert/strict";
import { test } from "node:test";
import { findPermissionGaps, privilegesAt, pveumCommands, requirementsFor } from "./requirements.ts";

const matrix = {
  nodes: ["foxtrot", "golf", "hotel"],
  diskStorages: ["vm_ssd"],
  isoStorages: ["local"],
  cidataStorages: ["local"],
  bridges: [{ bridge: "vmbr0" }],
  pools: [],
  pciMappings: [],
  usbMappings: [],
  ha: false,
};

const all = (privs: string[]) => Object.fromEntries(privs.map((p) => [p, 1]));

test("a token with the documented role has no gaps", () => {
  const reqs = requirementsFor(matrix);
  const effective = {
    "/nodes": all(["Sys.Audit", "Sys.AccessNetwork"]),
    "/vms": all(reqs.find((r) => r.path === "/vms")?.allOf ?? []),
    "/storage": all(["Datastore.AllocateSpace", "Datastore.Audit", "Datastore.AllocateTemplate", "Datastore.Allocate"]),
    "/sdn/zones/localnetwork": all(["SDN.Use"]),
  };
  assert.deepEqual(findPermissionGaps(effective, reqs), []);
});

test("a missing VM.Allocate is reported on its path with the reason", () => {
  const reqs = requirementsFor(matrix);
  const vm = reqs.find((r) => r.path === "/vms")?.allOf.filter((p) => p !== "VM.Allocate") ?? [];
  const gaps = findPermissionGaps(
    {
      "/": all([
        "Sys.Audit",
        "Sys.AccessNetwork",
        "SDN.Use",
        "Datastore.AllocateSpace",
        "Datastore.Audit",
        "Datastore.AllocateTemplate",
        "Datastore.Allocate",
      ]),
      "/vms": all(vm),
    },
    reqs,
  );
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0]?.requirement.path, "/vms");
  assert.deepEqual(gaps[0]?.missing, ["VM.Allocate"]);
});

test("a deeper ACL replaces the inherited one; download-url accepts Sys.Audit + Sys.Modify on /", () => {
  assert.deepEqual([...privilegesAt({ "/": all(["A"]), "/vms/100": all(["B"]) }, "/vms/100")], ["B"]);
  assert.deepEqual([...privilegesAt({ "/": all(["A"]) }, "/vms/100")], ["A"]);
  const reqs = requirementsFor({ ...matrix, nodes: ["golf"] }).filter(
    (r) => r.feature === "images" && r.path.startsWith("/nodes"),
  );
  assert.deepEqual(findPermissionGaps({ "/": all(["Sys.Audit", "Sys.Modify"]) }, reqs), []);
});

test("pveum commands grant the role on every path for user and token", () => {
  const cmds = pveumCommands(requirementsFor(matrix), { user: "omni@pve", token: "provider", role: "OmniProvider" });
  assert.match(cmds[0] ?? "", /^pveum role add OmniProvider -privs ".*VM\.Allocate.*"$/);
  assert.ok(cmds.includes("pveum acl modify /vms -token 'omni@pve!provider' -role OmniProvider"));
});
