/**
 * The API's wire format: one JSON object per line. Requests come from clients the service does not trust, so each
 * is checked field by field and rebuilt (nothing a client sends is passed on as it came); the service's own lines
 * are checked more lightly on the client side.
 */
import { type ApiErrorCode, apiError, toApiError } from "./errors.js";
import type { ApiError, ConnectSecrets, Method, Request, Response, ServiceEvent } from "./protocol.js";

/** The id of a response to a line whose own id could not be read. */
export const UNKNOWN_REQUEST_ID = -1;

const METHODS: ReadonlySet<string> = new Set<Method>([
  "hello",
  "status",
  "list-profiles",
  "connect",
  "disconnect",
  "diagnose",
  "subscribe",
]);

const MAX_ID_LENGTH = 256;
const MAX_SECRET_LENGTH = 4096;

export type ParsedRequest =
  | { readonly ok: true; readonly request: Request }
  /** `fatal`: the line was not even a JSON object, so the client is not speaking this protocol. */
  | { readonly ok: false; readonly id: number; readonly error: ApiError; readonly fatal: boolean };

/** Never throws, whatever the line holds; error messages never repeat what the client sent. */
export function parseRequest(line: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return refuse(UNKNOWN_REQUEST_ID, "The request is not JSON.", true);
  }
  if (!isRecord(value)) return refuse(UNKNOWN_REQUEST_ID, "The request is not a JSON object.", true);
  const id = value.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0)
    return refuse(UNKNOWN_REQUEST_ID, "The request has no id (a whole number, 0 or more).", false);
  const method = value.method;
  if (typeof method !== "string" || !METHODS.has(method))
    return refuse(id, "The request names no method this service knows.", false);
  switch (method as Method) {
    case "hello":
      return typeof value.version === "number" && Number.isSafeInteger(value.version)
        ? { ok: true, request: { id, method: "hello", version: value.version } }
        : refuse(id, "hello needs a version (a whole number).", false);
    case "connect": {
      const profileId = profileIdOf(value.profileId);
      if (profileId === undefined) return refuse(id, badProfileId, false);
      const secrets = secretsOf(value.secrets);
      if (secrets === undefined)
        return refuse(
          id,
          "connect needs secrets: a password and optionally a relayToken, as strings.",
          false,
        );
      return { ok: true, request: { id, method: "connect", profileId, secrets } };
    }
    case "diagnose": {
      const profileId = profileIdOf(value.profileId);
      return profileId === undefined
        ? refuse(id, badProfileId, false)
        : { ok: true, request: { id, method: "diagnose", profileId } };
    }
    case "status":
    case "list-profiles":
    case "disconnect":
    case "subscribe":
      return { ok: true, request: { id, method } as Request };
  }
}

const badProfileId = `The request needs a profileId: a string of 1 to ${MAX_ID_LENGTH} characters.`;

function profileIdOf(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : undefined;
}

function secretsOf(value: unknown): ConnectSecrets | undefined {
  if (!isRecord(value)) return undefined;
  const { password, relayToken } = value;
  if (typeof password !== "string" || password.length > MAX_SECRET_LENGTH) return undefined;
  if (relayToken === undefined) return { password };
  if (typeof relayToken !== "string" || relayToken.length > MAX_SECRET_LENGTH) return undefined;
  return { password, relayToken };
}

function refuse(
  id: number,
  message: string,
  fatal: boolean,
  code: ApiErrorCode = "API_BAD_REQUEST",
): ParsedRequest {
  return {
    ok: false,
    id,
    fatal,
    error: toApiError(apiError(code, message, "Check the client against ferryd's API (protocol.ts).")),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function encodeRequest(request: Request): string {
  return `${JSON.stringify(request)}\n`;
}

export function encodeResponse(response: Response): string {
  return `${JSON.stringify(response)}\n`;
}

export function encodeEvent(event: ServiceEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** What a client reads from the service. */
export type ServiceLine =
  | { readonly kind: "response"; readonly response: Response }
  | { readonly kind: "event"; readonly event: ServiceEvent }
  | { readonly kind: "invalid" };

/** Never throws. The results themselves are trusted as the service's (it runs as root). */
export function parseServiceLine(line: string): ServiceLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: "invalid" };
  }
  if (!isRecord(value)) return { kind: "invalid" };
  if (typeof value.event === "string") return { kind: "event", event: value as unknown as ServiceEvent };
  if (typeof value.id !== "number") return { kind: "invalid" };
  if (value.ok === true && "result" in value)
    return { kind: "response", response: value as unknown as Response };
  if (value.ok === false && isApiError(value.error))
    return { kind: "response", response: { id: value.id, ok: false, error: value.error } };
  return { kind: "invalid" };
}

function isApiError(value: unknown): value is ApiError {
  return (
    isRecord(value) &&
    typeof value.code === "string" &&
    typeof value.message === "string" &&
    typeof value.hint === "string"
  );
}
