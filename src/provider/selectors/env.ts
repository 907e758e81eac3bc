/**
 * The CEL environments selectors are checked and evaluated in: the declared variables are the contract
 * documented in docs/cel-storage-selectors.md, so changing them is a breaking change for users.
 */
import { Environment } from "@marcbachmann/cel-js";
import { UnsignedInt } from "@marcbachmann/cel-js/evaluator";

/** Fields of the typed `storage` object, as Proxmox reports them. */
export const STORAGE_FIELDS = {
  storage: "string",
  name: "string",
  type: "string",
  content: "list<string>",
  shared: "bool",
  active: "bool",
  enabled: "bool",
  avail: "uint",
  total: "uint",
  used: "uint",
  used_fraction: "double",
} as const;

/** Top-level variables of a storage selector: the Go provider's four plus `storage`. */
export const STORAGE_VARIABLES = {
  name: "string",
  node: "string",
  storageType: "string",
  availableSpace: "uint",
  storage: "storage",
} as const;

/** Fields of the typed `node` object a node selector sees. */
export const NODE_FIELDS = {
  name: "string",
  status: "string",
  maxcpu: "int",
  maxmem: "uint",
  mem: "uint",
  cpu: "double",
  tags: "list<string>",
} as const;

export const NODE_VARIABLES = { name: "string", node: "node" } as const;

export type SelectorKind = "storage" | "node";

/** A storage as a storage selector sees it; sizes in bytes. */
export interface StorageFacts {
  readonly storage: string;
  readonly node: string;
  readonly type: string;
  readonly content: readonly string[];
  readonly shared: boolean;
  readonly active: boolean;
  readonly enabled: boolean;
  readonly avail: number;
  readonly total: number;
  readonly used: number;
}

/** A node as a node selector sees it; memory in bytes, cpu as load fraction. */
export interface NodeFacts {
  readonly name: string;
  readonly status: string;
  readonly maxcpu: number;
  readonly maxmem: number;
  readonly mem: number;
  readonly cpu: number;
  readonly tags?: readonly string[];
}

function buildStorageEnvironment(): Environment {
  return new Environment()
    .registerVariable("name", "string", { description: "storage name, e.g. vm_ssd" })
    .registerVariable("node", "string", { description: "the node being placed on" })
    .registerVariable("storageType", "string", { description: "storage plugin type, e.g. rbd, lvmthin, zfspool" })
    .registerVariable("availableSpace", "uint", { description: "free bytes (write literals as 50u)" })
    .registerVariable({ name: "storage", schema: { ...STORAGE_FIELDS } });
}

function buildNodeEnvironment(): Environment {
  return new Environment()
    .registerVariable("name", "string", { description: "node name" })
    .registerVariable({ name: "node", schema: { ...NODE_FIELDS } });
}

let storageEnv: Environment | undefined;
let nodeEnv: Environment | undefined;

/** The shared (immutable once built) environment for a selector kind. */
export function environmentFor(kind: SelectorKind): Environment {
  if (kind === "storage") {
    storageEnv ??= buildStorageEnvironment();
    return storageEnv;
  }
  nodeEnv ??= buildNodeEnvironment();
  return nodeEnv;
}

export function declaredVariables(kind: SelectorKind): readonly string[] {
  return Object.keys(kind === "storage" ? STORAGE_VARIABLES : NODE_VARIABLES);
}

export function declaredFields(kind: SelectorKind): readonly string[] {
  return Object.keys(kind === "storage" ? STORAGE_FIELDS : NODE_FIELDS);
}

/** Byte counts arrive as JS numbers; CEL needs them as uint. Negative or fractional input is clamped. */
function uint(bytes: number): UnsignedInt {
  const whole = Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : 0;
  return new UnsignedInt(BigInt(whole));
}

/** The activation (variable values) for evaluating a storage selector against one storage. */
export function storageActivation(facts: StorageFacts, node: string): Record<string, unknown> {
  const usedFraction = facts.total > 0 ? facts.used / facts.total : 0;
  return {
    name: facts.storage,
    node,
    storageType: facts.type,
    availableSpace: uint(facts.avail),
    storage: {
      storage: facts.storage,
      name: facts.storage,
      type: facts.type,
      content: [...facts.content],
      shared: facts.shared,
      active: facts.active,
      enabled: facts.enabled,
      avail: uint(facts.avail),
      total: uint(facts.total),
      used: uint(facts.used),
      used_fraction: usedFraction,
    },
  };
}

/** The activation for evaluating a node selector against one node. */
export function nodeActivation(facts: NodeFacts): Record<string, unknown> {
  return {
    name: facts.name,
    node: {
      name: facts.name,
      status: facts.status,
      maxcpu: BigInt(Math.max(0, Math.floor(facts.maxcpu))),
      maxmem: uint(facts.maxmem),
      mem: uint(facts.mem),
      cpu: Number.isFinite(facts.cpu) ? facts.cpu : 0,
      tags: [...(facts.tags ?? [])],
    },
  };
}
