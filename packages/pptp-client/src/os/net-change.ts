/**
 * One step of network configuration and the step that takes it back. Plans are lists of these: data, so
 * they can be planned purely, written to a state file before they run, and undone by a later process.
 */

/** Something the executor does: a command run without a shell, or a file written or removed. */
export type NetAction =
  | { readonly kind: "run"; readonly argv: readonly string[] }
  | { readonly kind: "write-file"; readonly path: string; readonly content: string }
  | { readonly kind: "remove-file"; readonly path: string };

export interface NetChange {
  /** What the change does, for people ("route 0.0.0.0/1 through ferry0"). */
  readonly summary: string;
  readonly apply: NetAction;
  /** Restores what `apply` changed; run in reverse order of the plan. */
  readonly undo: NetAction;
}

/** A command line as a person would type it, for messages and logs. */
export function describeAction(action: NetAction): string {
  switch (action.kind) {
    case "run":
      return action.argv.join(" ");
    case "write-file":
      return `write ${action.path}`;
    case "remove-file":
      return `remove ${action.path}`;
  }
}

/** True when a value read back from a state file has the shape of a NetChange. */
export function isNetChange(value: unknown): value is NetChange {
  if (typeof value !== "object" || value === null) return false;
  const change = value as Record<string, unknown>;
  return typeof change["summary"] === "string" && isNetAction(change["apply"]) && isNetAction(change["undo"]);
}

function isNetAction(value: unknown): value is NetAction {
  if (typeof value !== "object" || value === null) return false;
  const action = value as Record<string, unknown>;
  switch (action["kind"]) {
    case "run":
      return (
        Array.isArray(action["argv"]) &&
        action["argv"].length > 0 &&
        action["argv"].every((arg) => typeof arg === "string")
      );
    case "write-file":
      return typeof action["path"] === "string" && typeof action["content"] === "string";
    case "remove-file":
      return typeof action["path"] === "string";
    default:
      return false;
  }
}
