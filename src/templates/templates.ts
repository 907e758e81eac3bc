/**
 * Omni's cluster template and MachineClass models: YAML text → typed objects with line numbers, plus the
 * findings `omni-proxmox validate` prints. Pure (no I/O): callers read the files.
 */
import { type Diagnostic, hasErrors, type ParseResult } from "./diagnostics.ts";
import { closest, type NodeReader, readYamlDocuments } from "./yaml-reader.ts";

export const MACHINE_CLASS_TYPE = "MachineClasses.omni.sidero.dev";

/** A Talos config patch from a template (`inline` YAML or a `file` path relative to the template). */
export interface TemplatePatch {
  name?: string;
  idOverride?: string;
  file?: string;
  inline?: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  line: number;
}

export type MachineSetKind = "ControlPlane" | "Workers";

/** `machineClass:` of a machine set, with the lines of its keys for later findings. */
export interface MachineClassRef {
  name: string;
  size: number | "unlimited";
  line: number;
  nameLine: number;
  sizeLine: number;
}

/** A ControlPlane or Workers document. */
export interface MachineSetTemplate {
  kind: MachineSetKind;
  /** `control-planes` for the control plane, `workers` or the document's `name` for workers. */
  name: string;
  /** Omni's machine set ID (and machine request set ID): `<cluster>-<name>`. */
  machineSetId: string;
  machineClass?: MachineClassRef;
  /** Machine UUIDs allocated by hand (the alternative to a machine class). */
  machines: string[];
  systemExtensions: string[];
  kernelArgs: string[];
  patches: TemplatePatch[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  line: number;
}

export interface ClusterTemplate {
  file: string;
  name: string;
  /** As written (`v1.34.3`). */
  kubernetesVersion: string;
  /** As written (`v1.11.6`); see {@link versionWithoutV} for MachineRequest form. */
  talosVersion: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  features: Record<string, unknown>;
  patches: TemplatePatch[];
  systemExtensions: string[];
  kernelArgs: string[];
  controlPlane: MachineSetTemplate;
  workers: MachineSetTemplate[];
  /** Names of `kind: Machine` documents. */
  machines: string[];
  line: number;
}

export type GrpcTunnelSetting = "UNSET" | "ENABLED" | "DISABLED";

export interface MetaValue {
  key: number;
  value: string;
}

/** `spec.autoprovision` of a MachineClass: what Omni copies into each MachineRequest it creates. */
export interface AutoProvision {
  providerId: string;
  /** The providerdata text exactly as written (the provider parses it). */
  providerData: string;
  /** Line where the providerdata text starts, to map positions inside it back to the file. */
  providerDataLine: number;
  kernelArgs: string[];
  metaValues: MetaValue[];
  grpcTunnel: GrpcTunnelSetting;
  line: number;
}

export interface MachineClass {
  file: string;
  id: string;
  namespace: string;
  /** Label selectors for manually allocated classes (the alternative to autoprovision). */
  matchLabels: string[];
  autoProvision?: AutoProvision;
  line: number;
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]+$/;
const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const EXTENSION_NAME = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;
const KINDS = ["Cluster", "ControlPlane", "Workers", "Machine"] as const;
const PATCH_KEYS = ["name", "idOverride", "labels", "annotations", "file", "inline"];
const CLUSTER_KEYS = [
  "kind",
  "name",
  "labels",
  "annotations",
  "kubernetes",
  "talos",
  "features",
  "patches",
  "systemExtensions",
  "kernelArgs",
];
const MACHINE_SET_KEYS = [
  "kind",
  "name",
  "labels",
  "annotations",
  "machines",
  "machineClass",
  "patches",
  "systemExtensions",
  "kernelArgs",
  "updateStrategy",
  "deleteStrategy",
  "bootstrapSpec",
];
/** Keys people nest inside the Cluster document when they mean a separate document. */
const NESTED_SET_KEYS: Record<string, MachineSetKind> = {
  controlPlane: "ControlPlane",
  controlplane: "ControlPlane",
  ControlPlane: "ControlPlane",
  control_plane: "ControlPlane",
  workers: "Workers",
  Workers: "Workers",
  worker: "Workers",
};

/** `v1.11.6` → `1.11.6` (MachineRequests carry the version without the `v`). */
export function versionWithoutV(version: string): string {
  return version.replace(/^v+/, "");
}

/**
 * Parses an Omni cluster template (Cluster / ControlPlane / Workers / Machine documents).
 *
 * @example
 * const { value, diagnostics } = parseClusterTemplate(readFileSync(path, "utf8"), path);
 * if (value) console.log(value.controlPlane.machineClass?.size); // 3
 */
export function parseClusterTemplate(text: string, fileName: string): ParseResult<ClusterTemplate> {
  const { documents, diagnostics } = readYamlDocuments(text, fileName);
  if (documents.length === 0) {
    diagnostics.push(fileFinding(fileName, "empty_file", "the file holds no YAML document"));
    return { diagnostics };
  }
  let cluster: Omit<ClusterTemplate, "controlPlane" | "workers" | "machines"> | undefined;
  let controlPlane: MachineSetTemplate | undefined;
  const workers: MachineSetTemplate[] = [];
  const machines: string[] = [];
  // Machine sets are named after the cluster, which may come later in the file: resolve IDs at the end.
  for (const { root, index } of documents) {
    if (!root.isMapping) {
      root.withPath(`documents[${index}]`).error("not_a_mapping", "each template document must be a mapping");
      continue;
    }
    const kind = root.child("kind").withPath(`documents[${index}].kind`).string({ required: true });
    if (kind === undefined) continue;
    if (!(KINDS as readonly string[]).includes(kind)) {
      const hint = closest(kind, KINDS);
      root
        .child("kind")
        .withPath(`documents[${index}].kind`)
        .error("unknown_kind", `unknown kind "${kind}"; use ${hint ? `"${hint}"` : KINDS.join(", ")}`);
      continue;
    }
    if (kind === "Cluster") {
      if (cluster) {
        root.withPath("Cluster").error("duplicate_document", "a template holds exactly one Cluster document");
        continue;
      }
      cluster = readClusterDocument(root.withPath("Cluster"), fileName);
    } else if (kind === "ControlPlane") {
      if (controlPlane) {
        root.withPath("ControlPlane").error("duplicate_document", "a template holds exactly one ControlPlane document");
        continue;
      }
      controlPlane = readMachineSet(root.withPath("ControlPlane"), "ControlPlane");
    } else if (kind === "Workers") {
      const set = readMachineSet(root.withPath(workersPath(root)), "Workers");
      if (workers.some((w) => w.name === set.name)) {
        root
          .withPath(workersPath(root))
          .error("duplicate_document", `two Workers documents are named "${set.name}"; give each a distinct name`);
        continue;
      }
      workers.push(set);
    } else {
      const name = root.child("name").withPath(`Machine.name`).string({ required: true });
      if (name !== undefined) machines.push(name);
    }
  }
  if (!cluster) {
    diagnostics.push(
      fileFinding(fileName, "missing_document", "no `kind: Cluster` document; start the template with one"),
    );
  }
  // A nested `controlPlane:` already told the user where the ControlPlane document went.
  const nestedControlPlane = diagnostics.some(
    (d) => d.code === "nested_machine_set" && NESTED_SET_KEYS[d.path.split(".")[1] ?? ""] === "ControlPlane",
  );
  if (!controlPlane && !nestedControlPlane) {
    const line = documents[0]?.root.line ?? 1;
    diagnostics.push({
      file: fileName,
      line,
      severity: "error",
      path: "ControlPlane",
      message:
        "no `kind: ControlPlane` document; add one after a `---` line: `kind: ControlPlane` with `machineClass: {name: <machine class>, size: 3}`",
      code: "missing_document",
    });
  }
  checkMachineReferences(fileName, controlPlane, workers, machines, diagnostics);
  if (!cluster || !controlPlane || hasErrors(diagnostics)) return { diagnostics };
  const clusterName = cluster.name;
  const withId = (set: MachineSetTemplate): MachineSetTemplate => ({
    ...set,
    machineSetId: `${clusterName}-${set.name}`,
  });
  return {
    value: { ...cluster, controlPlane: withId(controlPlane), workers: workers.map(withId), machines },
    diagnostics,
  };
}

function workersPath(root: NodeReader): string {
  const name = root.child("name").scalar();
  return typeof name === "string" && name !== "workers" ? `Workers(${name})` : "Workers";
}

function fileFinding(file: string, code: Diagnostic["code"], message: string): Diagnostic {
  return { file, line: 1, severity: "error", path: "", message, code };
}

function readClusterDocument(
  doc: NodeReader,
  file: string,
): Omit<ClusterTemplate, "controlPlane" | "workers" | "machines"> {
  for (const { key } of doc.entries()) {
    const kind = NESTED_SET_KEYS[key];
    if (kind === undefined) continue;
    doc
      .child(key)
      .error(
        "nested_machine_set",
        `\`${key}:\` does not belong inside the Cluster document; a cluster template is several YAML documents: end the Cluster document with a \`---\` line and write \`kind: ${kind}\` followed by its fields (e.g. \`machineClass: {name: ..., size: ...}\`) as a document of its own`,
      );
  }
  doc.checkKeys([...CLUSTER_KEYS, ...Object.keys(NESTED_SET_KEYS)]);
  const nameReader = doc.child("name");
  const name = nameReader.string({ required: true }) ?? "";
  if (name !== "" && !CLUSTER_NAME.test(name)) {
    nameReader.error("bad_name", `"${name}" is not a valid cluster name: use only letters, digits, "-" and "_"`);
  }
  const kubernetesVersion = readVersion(doc.child("kubernetes").child("version"), "Kubernetes", "v1.34.3");
  const talosVersion = readVersion(doc.child("talos").child("version"), "Talos", "v1.11.6");
  const features = doc.child("features");
  if (features.present && !features.isMapping) features.error("wrong_type", "must be a mapping");
  return {
    file,
    name,
    kubernetesVersion,
    talosVersion,
    labels: doc.child("labels").stringMap(),
    annotations: doc.child("annotations").stringMap(),
    features: features.isMapping ? (features.toJS() as Record<string, unknown>) : {},
    patches: readPatches(doc.child("patches")),
    systemExtensions: readExtensions(doc.child("systemExtensions")),
    kernelArgs: doc.child("kernelArgs").stringList(),
    line: doc.line,
  };
}

function readVersion(reader: NodeReader, what: string, example: string): string {
  const raw = reader.scalar();
  if (typeof raw === "number") {
    // `version: 1.34` is a YAML float: the patch level (and any trailing zero) is already lost.
    reader.error(
      "bad_version",
      `${raw} is read as a number, not a ${what} version; write it as a string such as ${example}`,
    );
    return "";
  }
  const version = reader.string({ required: true });
  if (version === undefined) {
    if (reader.present) return "";
    return "";
  }
  if (!VERSION.test(version)) {
    reader.error(
      "bad_version",
      `"${version}" is not a ${what} version; write it as vMAJOR.MINOR.PATCH, e.g. ${example}`,
    );
  }
  return version;
}

function readMachineSet(doc: NodeReader, kind: MachineSetKind): MachineSetTemplate {
  doc.checkKeys(kind === "ControlPlane" ? MACHINE_SET_KEYS : MACHINE_SET_KEYS.filter((k) => k !== "bootstrapSpec"));
  let name = kind === "ControlPlane" ? "control-planes" : "workers";
  const nameReader = doc.child("name");
  if (kind === "Workers" && nameReader.present) {
    const given = nameReader.string();
    if (given !== undefined) {
      if (!CLUSTER_NAME.test(given)) {
        nameReader.error("bad_name", `"${given}" is not a valid machine set name: use letters, digits, "-" and "_"`);
      } else if (given === "control-planes") {
        nameReader.error("bad_name", `"control-planes" is reserved for the ControlPlane document`);
      } else {
        name = given;
      }
    }
  } else if (kind === "ControlPlane" && nameReader.present) {
    nameReader.warn(
      "unknown_field",
      "the ControlPlane document takes no name (its machine set is always <cluster>-control-planes)",
    );
  }
  const machineClass = readMachineClassRef(doc.child("machineClass"), kind);
  const machines = doc.child("machines").stringList();
  const classReader = doc.child("machineClass");
  if (machineClass && machines.length > 0) {
    classReader.error("conflicting_fields", "use either machineClass or machines, not both");
  }
  if (!classReader.present && machines.length === 0 && kind === "ControlPlane") {
    doc.error("missing_field", "needs machineClass (name and size) or a list of machines");
  }
  if (machines.length > 0 && kind === "ControlPlane" && machines.length % 2 === 0) {
    doc
      .child("machines")
      .warn(
        "even_control_planes",
        `${machines.length} control planes: an even count adds no etcd fault tolerance; use an odd count (1, 3, 5)`,
      );
  }
  return {
    kind,
    name,
    machineSetId: "",
    ...(machineClass ? { machineClass } : {}),
    machines,
    systemExtensions: readExtensions(doc.child("systemExtensions")),
    kernelArgs: doc.child("kernelArgs").stringList(),
    patches: readPatches(doc.child("patches")),
    labels: doc.child("labels").stringMap(),
    annotations: doc.child("annotations").stringMap(),
    line: doc.line,
  };
}

function readMachineClassRef(reader: NodeReader, kind: MachineSetKind): MachineClassRef | undefined {
  if (!reader.present) return undefined;
  if (!reader.isMapping) {
    reader.error("wrong_type", "must be a mapping with `name` (the MachineClass ID) and `size`");
    return undefined;
  }
  reader.checkKeys(["name", "size"], "error");
  const nameReader = reader.child("name");
  const name = nameReader.string();
  if (name === undefined && !nameReader.present) {
    nameReader.error("missing_field", "is required: the ID of the MachineClass to take machines from");
  }
  const sizeReader = reader.child("size");
  let size: number | "unlimited" | undefined;
  const raw = sizeReader.scalar();
  if (!sizeReader.present) {
    sizeReader.error("missing_field", "is required: how many machines this set gets");
  } else if (raw === "unlimited" || raw === "Unlimited") {
    if (kind === "ControlPlane") {
      sizeReader.error("bad_size", "a control plane cannot be unlimited; give an odd number such as 3");
    } else {
      size = "unlimited";
    }
  } else if (typeof raw === "number" && Number.isInteger(raw) && raw >= 0) {
    size = raw;
    if (kind === "ControlPlane" && raw === 0) {
      sizeReader.error("bad_size", "a control plane needs at least 1 machine (3 for high availability)");
    } else if (kind === "ControlPlane" && raw % 2 === 0) {
      sizeReader.warn(
        "even_control_planes",
        `${raw} control planes: an even count adds no etcd fault tolerance over ${raw - 1}; use an odd count (1, 3, 5)`,
      );
    }
  } else {
    sizeReader.error("bad_size", `must be a whole number ≥ 0 or "unlimited", found ${JSON.stringify(raw ?? null)}`);
  }
  if (name === undefined || size === undefined) return undefined;
  return { name, size, line: reader.line, nameLine: nameReader.line, sizeLine: sizeReader.line };
}

function readPatches(reader: NodeReader): TemplatePatch[] {
  if (!reader.present) return [];
  const items = reader.items();
  if (items.length === 0 && !reader.scalar()) {
    if (!Array.isArray(reader.toJS())) reader.error("wrong_type", "must be a list of patches");
    return [];
  }
  const out: TemplatePatch[] = [];
  for (const item of items) {
    if (!item.isMapping) {
      item.error("bad_patch", "each patch is a mapping with `name` and either `inline` or `file`");
      continue;
    }
    item.checkKeys(PATCH_KEYS, "error");
    const file = item.child("file").string();
    const inlineReader = item.child("inline");
    if (file !== undefined && inlineReader.present) {
      item.error("bad_patch", "give either `inline` or `file`, not both");
      continue;
    }
    if (file === undefined && !inlineReader.present) {
      item.error("bad_patch", "needs `inline` (a Talos config fragment) or `file` (a path to one)");
      continue;
    }
    let inline: Record<string, unknown> | undefined;
    if (inlineReader.present) {
      if (!inlineReader.isMapping) {
        inlineReader.error("bad_patch", "must be a mapping (a Talos machine config fragment), not a string or list");
        continue;
      }
      inline = inlineReader.toJS() as Record<string, unknown>;
    }
    const name = item.child("name").string();
    const idOverride = item.child("idOverride").string();
    if (inline && name === undefined && idOverride === undefined) {
      item.warn("bad_patch", "an inline patch without `name` gets a generated ID that changes between syncs; name it");
    }
    out.push({
      ...(name !== undefined ? { name } : {}),
      ...(idOverride !== undefined ? { idOverride } : {}),
      ...(file !== undefined ? { file } : {}),
      ...(inline ? { inline } : {}),
      labels: item.child("labels").stringMap(),
      annotations: item.child("annotations").stringMap(),
      line: item.line,
    });
  }
  return out;
}

function readExtensions(reader: NodeReader): string[] {
  const names = reader.stringList();
  for (const [i, name] of names.entries()) {
    if (!EXTENSION_NAME.test(name)) {
      reader
        .items()
        [i]?.warn(
          "bad_extension",
          `"${name}" is not an official extension name; write it as siderolabs/<name>, e.g. siderolabs/qemu-guest-agent`,
        );
    }
  }
  return names;
}

function checkMachineReferences(
  file: string,
  controlPlane: MachineSetTemplate | undefined,
  workers: MachineSetTemplate[],
  machines: string[],
  diagnostics: Diagnostic[],
): void {
  const referenced = new Set([...(controlPlane?.machines ?? []), ...workers.flatMap((w) => w.machines)]);
  for (const name of machines) {
    if (!referenced.has(name)) {
      diagnostics.push({
        file,
        line: 1,
        severity: "error",
        path: `Machine(${name})`,
        message: "this Machine document is not listed under any ControlPlane or Workers `machines`",
        code: "missing_document",
      });
    }
  }
}

/**
 * Checks that every machine class a template names exists among `classes`, and that sets drawing from
 * an auto-provisioning class ask for a fixed number of machines.
 *
 * @example
 * resolveMachineClasses(template, [cpClass, workerClass]); // [] when everything resolves
 */
export function resolveMachineClasses(template: ClusterTemplate, classes: readonly MachineClass[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ids = classes.map((c) => c.id);
  for (const set of [template.controlPlane, ...template.workers]) {
    const ref = set.machineClass;
    if (!ref) continue;
    const path = `${set.kind === "ControlPlane" ? "ControlPlane" : set.name === "workers" ? "Workers" : `Workers(${set.name})`}.machineClass.name`;
    const found = classes.find((c) => c.id === ref.name);
    if (!found) {
      const hint = closest(ref.name, ids);
      out.push({
        file: template.file,
        line: ref.nameLine,
        severity: "error",
        path,
        message: `machine class "${ref.name}" is not defined${hint ? `; did you mean "${hint}"?` : ids.length > 0 ? ` (known: ${ids.join(", ")})` : "; pass its MachineClass file too"}`,
        code: "unresolved_machine_class",
      });
      continue;
    }
    if (found.autoProvision && ref.size === "unlimited") {
      out.push({
        file: template.file,
        line: ref.sizeLine,
        severity: "error",
        path: path.replace(/name$/, "size"),
        message: `machine class "${ref.name}" auto-provisions machines, so the set needs a number, not "unlimited"`,
        code: "bad_size",
      });
    }
  }
  return out;
}

/**
 * Parses one MachineClass resource (`omnictl apply -f` form).
 *
 * @example
 * const { value } = parseMachineClass(text, "matrix-worker.yaml");
 * value?.autoProvision?.providerId; // "matrix-cluster"
 */
export function parseMachineClass(text: string, fileName: string): ParseResult<MachineClass> {
  const result = parseMachineClasses(text, fileName);
  if (result.value && result.value.length > 1) {
    result.diagnostics.push({
      file: fileName,
      line: result.value[1]?.line ?? 1,
      severity: "error",
      path: "",
      message: "expected one MachineClass, found several documents; use parseMachineClasses for multi-document files",
      code: "multiple_documents",
    });
    return { diagnostics: result.diagnostics };
  }
  const first = result.value?.[0];
  return first ? { value: first, diagnostics: result.diagnostics } : { diagnostics: result.diagnostics };
}

/** Parses a file of one or more MachineClass documents. */
export function parseMachineClasses(text: string, fileName: string): ParseResult<MachineClass[]> {
  const { documents, diagnostics } = readYamlDocuments(text, fileName);
  if (documents.length === 0) {
    diagnostics.push(fileFinding(fileName, "empty_file", "the file holds no YAML document"));
    return { diagnostics };
  }
  const classes: MachineClass[] = [];
  for (const { root } of documents) {
    const parsed = readMachineClassDocument(root, fileName);
    if (parsed) classes.push(parsed);
  }
  if (hasErrors(diagnostics)) return { diagnostics };
  return { value: classes, diagnostics };
}

function readMachineClassDocument(root: NodeReader, file: string): MachineClass | undefined {
  if (!root.isMapping) return root.error("not_a_mapping", "a MachineClass document must be a mapping");
  root.checkKeys(["metadata", "spec"], "error");
  const metadata = root.child("metadata");
  if (!metadata.isMapping) return metadata.error("missing_field", "is required (namespace, type, id)");
  metadata.checkKeys([
    "namespace",
    "type",
    "id",
    "version",
    "owner",
    "phase",
    "labels",
    "annotations",
    "created",
    "updated",
    "finalizers",
  ]);
  const typeReader = metadata.child("type");
  const type = typeReader.string({ required: true });
  if (type !== undefined && type !== MACHINE_CLASS_TYPE) {
    typeReader.error("wrong_resource_type", `"${type}" is not a machine class; write type: ${MACHINE_CLASS_TYPE}`);
  }
  const namespaceReader = metadata.child("namespace");
  const namespace = namespaceReader.string() ?? "default";
  if (namespace !== "default") {
    namespaceReader.warn("unknown_field", `Omni keeps machine classes in namespace "default", not "${namespace}"`);
  }
  const idReader = metadata.child("id");
  const id = idReader.string({ required: true });
  if (id !== undefined && !RESOURCE_ID.test(id)) {
    idReader.error("bad_name", `"${id}" is not a valid resource ID: use letters, digits, ".", "-" and "_"`);
  }
  const spec = root.child("spec");
  if (!spec.isMapping) return spec.error("missing_field", "is required (autoprovision or matchlabels)");
  spec.checkKeys(["matchlabels", "autoprovision"], "error");
  const matchLabels = spec.child("matchlabels").stringList();
  const autoReader = spec.child("autoprovision");
  const autoProvision = autoReader.present ? readAutoProvision(autoReader) : undefined;
  if (autoReader.present && matchLabels.length > 0) {
    spec.error("conflicting_fields", "use either autoprovision or matchlabels, not both");
  }
  if (!autoReader.present && matchLabels.length === 0) {
    spec.error("missing_field", "needs autoprovision (providerid, providerdata) or matchlabels");
  }
  if (id === undefined) return undefined;
  return {
    file,
    id,
    namespace,
    matchLabels,
    ...(autoProvision ? { autoProvision } : {}),
    line: root.line,
  };
}

function readAutoProvision(reader: NodeReader): AutoProvision | undefined {
  if (!reader.isMapping) return reader.error("wrong_type", "must be a mapping with providerid and providerdata");
  reader.checkKeys(["providerid", "providerdata", "kernelargs", "metavalues", "grpctunnel", "icon"], "error");
  const providerId = reader.child("providerid").string({ required: true });
  const dataReader = reader.child("providerdata");
  const providerData = dataReader.string() ?? "";
  const metaValues: MetaValue[] = [];
  for (const item of reader.child("metavalues").items()) {
    const key = item.child("key").integer({ required: true });
    const value = item.child("value").string({ required: true });
    if (key !== undefined && (key < 0 || key > 255)) {
      item.child("key").error("bad_meta_value", `${key} is not a Talos META key; use 0–255`);
      continue;
    }
    if (key !== undefined && value !== undefined) metaValues.push({ key, value });
  }
  const metaReader = reader.child("metavalues");
  if (metaReader.present && metaReader.items().length === 0 && !Array.isArray(metaReader.toJS())) {
    metaReader.error("wrong_type", "must be a list of {key, value}");
  }
  const grpcTunnel = readGrpcTunnel(reader.child("grpctunnel"));
  if (providerId === undefined || grpcTunnel === undefined) return undefined;
  return {
    providerId,
    providerData,
    providerDataLine: dataReader.present ? dataReader.contentLine : reader.line,
    kernelArgs: reader.child("kernelargs").stringList(),
    metaValues,
    grpcTunnel,
    line: reader.line,
  };
}

/**
 * The file line of a line inside the providerdata text (1-based), so findings about providerdata
 * (schema, CEL) point into the MachineClass file. Exact for block scalars (`providerdata: |`).
 *
 * @example
 * providerDataFileLine(machineClass.autoProvision, 6); // line of `storage_selector:` in the file
 */
export function providerDataFileLine(
  autoProvision: Pick<AutoProvision, "providerDataLine">,
  innerLine: number,
): number {
  return autoProvision.providerDataLine + Math.max(0, innerLine - 1);
}

const GRPC_TUNNEL_BY_NUMBER: readonly GrpcTunnelSetting[] = ["UNSET", "ENABLED", "DISABLED"];

function readGrpcTunnel(reader: NodeReader): GrpcTunnelSetting | undefined {
  if (!reader.present) return "UNSET";
  const raw = reader.scalar();
  if (typeof raw === "number" && GRPC_TUNNEL_BY_NUMBER[raw] !== undefined) return GRPC_TUNNEL_BY_NUMBER[raw];
  if (typeof raw === "string") {
    const upper = raw.toUpperCase();
    if ((GRPC_TUNNEL_BY_NUMBER as readonly string[]).includes(upper)) return upper as GrpcTunnelSetting;
  }
  if (typeof raw === "boolean") return raw ? "ENABLED" : "DISABLED";
  return reader.error(
    "bad_grpc_tunnel",
    `${JSON.stringify(raw ?? null)} is not a tunnel mode; use 0 (UNSET), 1 (ENABLED) or 2 (DISABLED)`,
  );
}

/**
 * Tells a cluster template from MachineClass files without a full parse, so `validate` can route each
 * file. Looks at the first document only.
 */
export function detectYamlKind(text: string): "cluster-template" | "machine-class" | "unknown" {
  const { documents } = readYamlDocuments(text, "");
  const root = documents[0]?.root;
  if (!root) return "unknown";
  if (root.child("kind").present) return "cluster-template";
  const type = root.child("metadata").child("type").scalar();
  if (type === MACHINE_CLASS_TYPE || root.child("spec").child("autoprovision").present) return "machine-class";
  return "unknown";
}
