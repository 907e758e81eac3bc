export {
  type CompileResult,
  compileNodeSelector,
  compileStorageSelector,
  type Evaluation,
  type NodeSelectorProgram,
  type StorageSelectorProgram,
} from "./compile.ts";
export {
  NODE_FIELDS,
  NODE_VARIABLES,
  type NodeFacts,
  type SelectorKind,
  STORAGE_FIELDS,
  STORAGE_VARIABLES,
  type StorageFacts,
} from "./env.ts";
export { isSelectorError, SelectorError, type SelectorErrorCode } from "./errors.ts";
export {
  type ContentKind,
  formatBytes,
  type SelectStorageOptions,
  type StorageSelection,
  type StorageVerdict,
  selectStorage,
} from "./select-storage.ts";
