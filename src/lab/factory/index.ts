export { fakeIsoBytes } from "./iso.ts";
export {
  canonicalSchematicYaml,
  parseSchematic,
  type Schematic,
  SchematicError,
  type SchematicErrorCode,
  type SchematicMetaValue,
  schematicId,
} from "./schematic.ts";
export { type ImageFactory, type ImageFactoryOptions, startImageFactory } from "./server.ts";
