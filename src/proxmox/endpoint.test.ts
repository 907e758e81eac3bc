import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { endpointTemplate } from "./endpoint.ts";

describe("endpointTemplate", () => {
  const cases: [string, string][] = [
    ["/version", "/version"],
    ["/nodes", "/nodes"],
    ["/nodes/pve1/status", "/nodes/{node}/status"],
    ["/nodes/pve1/qemu", "/nodes/{node}/qemu"],
    ["/nodes/pve1/qemu/101/status/start", "/nodes/{node}/qemu/{vmid}/status/start"],
    ["/nodes/pve1/storage", "/nodes/{node}/storage"],
    ["/nodes/pve1/storage/local/content/local:iso/x.iso", "/nodes/{node}/storage/{storage}/content/{volume}"],
    ["/nodes/pve1/storage/local/content/local%3Aiso%2Fx.iso", "/nodes/{node}/storage/{storage}/content/{volume}"],
    ["/nodes/pve1/storage/local/upload", "/nodes/{node}/storage/{storage}/upload"],
    ["/nodes/pve1/tasks/UPID%3Apve1%3A1/status", "/nodes/{node}/tasks/{upid}/status"],
    ["/cluster/resources", "/cluster/resources"],
    ["/cluster/ha/resources/vm%3A101", "/cluster/ha/resources/{sid}"],
    ["/cluster/ha/rules/r1", "/cluster/ha/rules/{rule}"],
    ["/cluster/mapping/pci/gpu0", "/cluster/mapping/pci/{id}"],
    ["/storage", "/storage"],
  ];
  for (const [path, template] of cases) it(path, () => assert.equal(endpointTemplate(path), template));
});
