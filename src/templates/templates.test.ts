import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Diagnostic, formatDiagnostic, hasErrors } from "./diagnostics.ts";
import {
  detectYamlKind,
  parseClusterTemplate,
  parseMachineClass,
  parseMachineClasses,
  providerDataFileLine,
  resolveMachineClasses,
  versionWithoutV,
} from "./templates.ts";

const examples = join(import.meta.dirname, "../../examples");
const read = (rel: string): string => readFileSync(join(examples, rel), "utf8");

function only(diagnostics: Diagnostic[], severity: "error" | "warning" = "error"): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === severity);
}

describe("parseClusterTemplate", () => {
  it("reads the seed's talos-prod-01 template", () => {
    const { value, diagnostics } = parseClusterTemplate(read("clusters/talos-prod-01.yaml"), "talos-prod-01.yaml");
    assert.deepEqual(diagnostics, []);
    assert.ok(value);
    assert.equal(value.name, "talos-prod-01");
    assert.equal(value.kubernetesVersion, "v1.34.3");
    assert.equal(versionWithoutV(value.talosVersion), "1.11.6");
    assert.equal(value.patches[0]?.name, "disable-default-cni");
    assert.deepEqual(value.patches[0]?.inline, {
      cluster: { network: { cni: { name: "none" } }, proxy: { disabled: true } },
    });
    assert.equal(value.controlPlane.machineSetId, "talos-prod-01-control-planes");
    assert.deepEqual(value.controlPlane.machineClass, {
      name: "matrix-control-plane",
      size: 3,
      line: 20,
      nameLine: 21,
      sizeLine: 22,
    });
    assert.deepEqual(value.controlPlane.systemExtensions, ["siderolabs/qemu-guest-agent", "siderolabs/iscsi-tools"]);
    assert.equal(value.workers.length, 1);
    assert.equal(value.workers[0]?.machineSetId, "talos-prod-01-workers");
    assert.equal(value.workers[0]?.machineClass?.size, 2);
  });

  it("tells the single-document nested form to use separate documents", () => {
    const text = [
      "kind: Cluster",
      "name: c1",
      "kubernetes:",
      "  version: v1.34.3",
      "talos:",
      "  version: v1.11.6",
      "controlPlane:",
      "  machineClass:",
      "    name: cp",
      "    size: 3",
      "workers:",
      "  machineClass:",
      "    name: w",
      "    size: 2",
    ].join("\n");
    const { value, diagnostics } = parseClusterTemplate(text, "single.yaml");
    assert.equal(value, undefined);
    const nested = diagnostics.filter((d) => d.code === "nested_machine_set");
    assert.deepEqual(
      nested.map((d) => [d.path, d.line]),
      [
        ["Cluster.controlPlane", 7],
        ["Cluster.workers", 11],
      ],
    );
    assert.match(nested[0]?.message ?? "", /kind: ControlPlane/);
    assert.match(nested[0]?.message ?? "", /---/);
    // The nested-form finding already covers the missing ControlPlane document.
    assert.ok(!diagnostics.some((d) => d.code === "missing_document"));
  });

  it("reports malformed versions, missing class names, bad sizes with their lines", () => {
    const text = [
      "kind: Cluster",
      "name: c1",
      "kubernetes:",
      "  version: 1.34", // float, not a string
      "talos:",
      "  version: v1.11",
      "---",
      "kind: ControlPlane",
      "machineClass:",
      "  size: 3",
      "---",
      "kind: Workers",
      "machineClass:",
      "  name: w",
      "  size: -1",
    ].join("\n");
    const { value, diagnostics } = parseClusterTemplate(text, "bad.yaml");
    assert.equal(value, undefined);
    const got = only(diagnostics).map((d) => `${d.line}:${d.path}:${d.code}`);
    assert.deepEqual(got, [
      "4:Cluster.kubernetes.version:bad_version",
      "6:Cluster.talos.version:bad_version",
      "9:ControlPlane.machineClass.name:missing_field",
      "15:Workers.machineClass.size:bad_size",
    ]);
    assert.equal(
      formatDiagnostic(only(diagnostics)[1] as Diagnostic),
      'bad.yaml:6: error: Cluster.talos.version: "v1.11" is not a Talos version; write it as vMAJOR.MINOR.PATCH, e.g. v1.11.6',
    );
  });

  it("warns (not errors) on an even control-plane count", () => {
    const text = read("clusters/talos-prod-01.yaml").replace("size: 3", "size: 4");
    const { value, diagnostics } = parseClusterTemplate(text, "t.yaml");
    assert.ok(value);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.path, d.line]),
      [["warning", "even_control_planes", "ControlPlane.machineClass.size", 22]],
    );
  });

  it("rejects unknown kinds with a suggestion, duplicate documents and broken patches", () => {
    const text = [
      "kind: Cluster",
      "name: c1",
      "kubernetes: {version: v1.34.3}",
      "talos: {version: v1.11.6}",
      "patches:",
      "  - name: p",
      "    inline: 'machine: {}'",
      "  - name: q",
      "---",
      "kind: Controlplane",
      "---",
      "kind: ControlPlane",
      "machineClass: {name: cp, size: 1}",
      "---",
      "kind: Workers",
      "name: gpu",
      "machineClass: {name: g, size: unlimited}",
      "---",
      "kind: Workers",
      "name: gpu",
      "machineClass: {name: g, size: 1}",
    ].join("\n");
    const { diagnostics } = parseClusterTemplate(text, "t.yaml");
    const got = only(diagnostics).map((d) => `${d.line}:${d.path}:${d.code}`);
    assert.deepEqual(got, [
      "7:Cluster.patches[0].inline:bad_patch",
      "8:Cluster.patches[1]:bad_patch",
      "10:documents[1].kind:unknown_kind",
      "19:Workers(gpu):duplicate_document",
    ]);
    assert.match(only(diagnostics)[2]?.message ?? "", /"ControlPlane"/);
  });

  it("reports YAML syntax errors with a line", () => {
    const { value, diagnostics } = parseClusterTemplate("kind: Cluster\nname: [a\n", "t.yaml");
    assert.equal(value, undefined);
    assert.equal(diagnostics[0]?.code, "yaml_syntax");
    assert.ok((diagnostics[0]?.line ?? 0) >= 2);
  });

  it("resolves machine class references and names the missing one", () => {
    const template = parseClusterTemplate(read("clusters/talos-prod-01.yaml"), "t.yaml").value;
    const cp = parseMachineClass(read("machine-classes/matrix-control-plane.yaml"), "cp.yaml").value;
    const worker = parseMachineClass(read("machine-classes/matrix-worker.yaml"), "w.yaml").value;
    assert.ok(template && cp && worker);
    assert.deepEqual(resolveMachineClasses(template, [cp, worker]), []);
    const missing = resolveMachineClasses(template, [cp]);
    assert.equal(missing.length, 1);
    assert.equal(missing[0]?.path, "Workers.machineClass.name");
    assert.equal(missing[0]?.line, 29);
    assert.match(missing[0]?.message ?? "", /"matrix-worker" is not defined/);
  });
});

describe("parseMachineClass", () => {
  for (const file of [
    "matrix-control-plane.yaml",
    "matrix-worker.yaml",
    "machineclass-ceph.yaml",
    "machineclass-local.yaml",
  ]) {
    it(`accepts examples/machine-classes/${file}`, () => {
      const { value, diagnostics } = parseMachineClass(read(`machine-classes/${file}`), file);
      assert.deepEqual(diagnostics, []);
      assert.equal(value?.autoProvision?.providerId, "matrix-cluster");
      assert.equal(detectYamlKind(read(`machine-classes/${file}`)), "machine-class");
    });
  }

  it("keeps providerdata verbatim and knows where it starts", () => {
    const { value } = parseMachineClass(read("machine-classes/matrix-worker.yaml"), "w.yaml");
    assert.equal(value?.id, "matrix-worker");
    assert.match(value?.autoProvision?.providerData ?? "", /^cores: 4\nsockets: 1\nmemory: 16384\n/);
    assert.equal(value?.autoProvision?.providerDataLine, 11);
    const auto = value?.autoProvision;
    assert.ok(auto);
    const selectorLine = auto.providerData.split("\n").findIndex((l) => l.startsWith("storage_selector")) + 1;
    const fileLines = read("machine-classes/matrix-worker.yaml").split("\n");
    assert.match(
      fileLines[providerDataFileLine(auto, selectorLine) - 1] ?? "",
      /^\s+storage_selector: name == "vm_ssd"/,
    );
    assert.equal(value?.autoProvision?.grpcTunnel, "UNSET");
  });

  it("reads Omni's kernelargs, metavalues and grpctunnel", () => {
    const text = [
      "metadata: {namespace: default, type: MachineClasses.omni.sidero.dev, id: c}",
      "spec:",
      "  autoprovision:",
      "    providerid: p",
      "    providerdata: 'cores: 1'",
      "    kernelargs: [console=ttyS0]",
      "    metavalues:",
      "      - {key: 10, value: hello}",
      "    grpctunnel: 1",
    ].join("\n");
    const { value, diagnostics } = parseMachineClass(text, "c.yaml");
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(value?.autoProvision?.kernelArgs, ["console=ttyS0"]);
    assert.deepEqual(value?.autoProvision?.metaValues, [{ key: 10, value: "hello" }]);
    assert.equal(value?.autoProvision?.grpcTunnel, "ENABLED");
    assert.equal(value?.autoProvision?.providerDataLine, 5);
  });

  it("rejects broken classes with the key path and line", () => {
    const cases: [string, string, string][] = [
      [
        "metadata: {type: MachineClass, id: c}\nspec: {autoprovision: {providerid: p}}",
        "1:metadata.type:wrong_resource_type",
        "MachineClasses.omni.sidero.dev",
      ],
      [
        "metadata: {type: MachineClasses.omni.sidero.dev, id: c}\nspec:\n  autoprovision:\n    providerId: p\n",
        "4:spec.autoprovision.providerId:unknown_field",
        'did you mean "providerid"',
      ],
      [
        "metadata: {type: MachineClasses.omni.sidero.dev}\nspec: {autoprovision: {providerid: p}}",
        "1:metadata.id:missing_field",
        "required",
      ],
      [
        "metadata: {type: MachineClasses.omni.sidero.dev, id: c}\nspec:\n  autoprovision:\n    providerid: p\n    metavalues: [{key: 300, value: x}]\n",
        "5:spec.autoprovision.metavalues[0].key:bad_meta_value",
        "0–255",
      ],
      [
        "metadata: {type: MachineClasses.omni.sidero.dev, id: c}\nspec:\n  autoprovision:\n    providerid: p\n    grpctunnel: sometimes\n",
        "5:spec.autoprovision.grpctunnel:bad_grpc_tunnel",
        "ENABLED",
      ],
      ["metadata: {type: MachineClasses.omni.sidero.dev, id: c}\nspec: {}\n", "2:spec:missing_field", "autoprovision"],
    ];
    for (const [text, expected, messagePart] of cases) {
      const { value, diagnostics } = parseMachineClass(text, "c.yaml");
      assert.equal(value, undefined, expected);
      const errors = only(diagnostics);
      assert.ok(hasErrors(diagnostics));
      assert.equal(`${errors[0]?.line}:${errors[0]?.path}:${errors[0]?.code}`, expected);
      assert.ok(errors[0]?.message.includes(messagePart), errors[0]?.message);
    }
  });

  it("parses multi-document class files and refuses them in the single form", () => {
    const one = read("machine-classes/matrix-worker.yaml");
    const two = `${one}\n---\n${read("machine-classes/matrix-control-plane.yaml")}`;
    assert.deepEqual(
      parseMachineClasses(two, "two.yaml").value?.map((c) => c.id),
      ["matrix-worker", "matrix-control-plane"],
    );
    assert.equal(parseMachineClass(two, "two.yaml").diagnostics[0]?.code, "multiple_documents");
  });

  it("detects templates", () => {
    assert.equal(detectYamlKind(read("clusters/talos-prod-01.yaml")), "cluster-template");
    assert.equal(detectYamlKind("foo: bar"), "unknown");
  });
});
