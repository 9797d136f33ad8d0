/**
 * The profile JSON Schema. It ships as resources/profile/profile.schema.json so that IT can validate profiles with
 * their own tools; Ferry reads that same file, so there is one schema and no copy to drift.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isPlainObject, pointer } from "./json-pointer.js";

/** From src/validate/ or dist/validate/ up to the repository (or installed tree) root. */
export const PROFILE_SCHEMA_PATH = fileURLToPath(
  new URL("../../../../resources/profile/profile.schema.json", import.meta.url),
);

export type JsonSchema = Record<string, unknown>;

let cached: JsonSchema | undefined;

export function profileSchema(): JsonSchema {
  cached ??= JSON.parse(readFileSync(PROFILE_SCHEMA_PATH, "utf8")) as JsonSchema;
  return cached;
}

/** Every field path the schema defines ("/server", "/transport", "/transport/relay/url", ...): what may be locked. */
export function schemaFieldPaths(schema: JsonSchema = profileSchema()): ReadonlySet<string> {
  const paths = new Set<string>();
  const walk = (node: unknown, tokens: readonly string[]): void => {
    if (!isPlainObject(node) || !isPlainObject(node.properties)) return;
    for (const [name, child] of Object.entries(node.properties)) {
      if (name.startsWith("$")) continue;
      paths.add(pointer([...tokens, name]));
      walk(child, [...tokens, name]);
    }
  };
  walk(schema, []);
  return paths;
}
