export { type SourceFile, validateSources } from "./engine.ts";
export { readSources, ValidateInputError } from "./files.ts";
export { keyLineIn, splitKeyPath } from "./key-lines.ts";
export { checkProviderData } from "./providerdata.ts";
export { type FileKind, formatFinding, type Severity, type ValidationFinding, type ValidationReport } from "./types.ts";
