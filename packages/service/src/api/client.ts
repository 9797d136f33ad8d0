/**
 * The client of ferryd's API, for the GUI's main process and the CLI: one connection, requests matched to
 * responses by id, events to subscribers. Every failure rejects with a ServiceError carrying a code and a hint.
 */
import { createConnection, type Socket } from "node:net";
import type { Finding } from "@ferry/wrap";
import { encodeRequest, parseServiceLine } from "./codec.js";
import { type ApiErrorCode, apiError, ServiceError, toApiError } from "./errors.js";
import { LineReader } from "./line-reader.js";
import {
  API_VERSION,
  type ConnectSecrets,
  DEFAULT_SOCKET_PATH,
  type Health,
  type Method,
  type ProfileSummary,
  type Request,
  type Results,
  type ServiceClient,
  type ServiceEvent,
} from "./protocol.js";

/** Responses can be large (a diagnose report, many profiles); the limit only guards against a runaway stream. */
const MAX_SERVICE_LINE_BYTES = 16 * 1024 * 1024;

/** Connects and checks that the service speaks this API version. */
export async function connectService(path: string = DEFAULT_SOCKET_PATH): Promise<ServiceClient> {
  const socket = await open(path);
  const client = new SocketServiceClient(socket, path);
  const hello = await client.call({ method: "hello", version: API_VERSION });
  if (hello.version !== API_VERSION) {
    client.close();
    throw serviceError(
      "SERVICE_VERSION_MISMATCH",
      `ferryd speaks API version ${hello.version}, this client version ${API_VERSION}.`,
      "Install the same Ferry version for the app and the service.",
    );
  }
  return client;
}

/** The error for a failed connect(): the cases a person can act on get their own code and hint. */
export function connectFailure(errno: string | undefined, path: string): ServiceError {
  if (errno === "ENOENT" || errno === "ECONNREFUSED")
    return serviceError(
      "SERVICE_NOT_RUNNING",
      `The Ferry service is not running (nothing listens on ${path}).`,
      "Start it: sudo systemctl enable --now ferryd",
    );
  if (errno === "EACCES" || errno === "EPERM")
    return serviceError(
      "SERVICE_ACCESS_DENIED",
      `The Ferry service refused this user (${path} is open to the ferry group only).`,
      "You are not in the ferry group; ask an administrator to add you: sudo usermod -aG ferry $USER (then log in again).",
    );
  return serviceError(
    "SERVICE_NOT_RUNNING",
    `Could not reach the Ferry service at ${path} (${errno ?? "unknown error"}).`,
    "Check that ferryd runs: systemctl status ferryd",
  );
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once("connect", () => {
      socket.off("error", fail);
      resolve(socket);
    });
    socket.once("error", fail);
    function fail(error: NodeJS.ErrnoException) {
      reject(connectFailure(error.code, path));
    }
  });
}

function serviceError(code: ApiErrorCode, message: string, hint: string): ServiceError {
  return new ServiceError(toApiError(apiError(code, message, hint)));
}

type Call = { [M in Method]: Omit<Extract<Request, { method: M }>, "id"> }[Method];

interface Pending {
  resolve(result: unknown): void;
  reject(error: ServiceError): void;
}

class SocketServiceClient implements ServiceClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: ServiceEvent) => void>();
  private readonly reader = new LineReader(MAX_SERVICE_LINE_BYTES);
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly path: string,
  ) {
    socket.on("data", (chunk: Buffer) => {
      const read = this.reader.push(chunk);
      for (const line of read.lines) this.receive(line);
      if (!read.ok) socket.destroy();
    });
    socket.on("error", () => {}); // Reported through "close" to every pending call.
    socket.on("close", () => this.end());
  }

  status(): Promise<Health> {
    return this.call({ method: "status" });
  }

  listProfiles(): Promise<readonly ProfileSummary[]> {
    return this.call({ method: "list-profiles" });
  }

  connect(profileId: string, secrets: ConnectSecrets): Promise<Health> {
    return this.call({ method: "connect", profileId, secrets });
  }

  disconnect(): Promise<Health> {
    return this.call({ method: "disconnect" });
  }

  diagnose(profileId: string): Promise<readonly Finding[]> {
    return this.call({ method: "diagnose", profileId });
  }

  async subscribe(onEvent: (event: ServiceEvent) => void): Promise<() => void> {
    // Listening first: the backlog follows the response at once.
    this.listeners.add(onEvent);
    try {
      await this.call({ method: "subscribe" });
    } catch (error) {
      this.listeners.delete(onEvent);
      throw error;
    }
    return () => this.listeners.delete(onEvent);
  }

  close(): void {
    this.socket.destroy();
    this.end();
  }

  call<C extends Call>(request: C): Promise<Results[C["method"]]> {
    if (this.ended) return Promise.reject(this.lost());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.socket.write(encodeRequest({ ...request, id } as Request));
    });
  }

  private receive(line: string): void {
    const parsed = parseServiceLine(line);
    if (parsed.kind === "event") {
      for (const listener of this.listeners) listener(parsed.event);
      return;
    }
    if (parsed.kind === "invalid") return;
    const { response } = parsed;
    const pending = this.pending.get(response.id);
    if (pending === undefined) {
      // id -1: the service refused the connection as a whole (too many clients); nothing else will come.
      if (!response.ok) this.failAll(new ServiceError(response.error));
      return;
    }
    this.pending.delete(response.id);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(new ServiceError(response.error));
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.listeners.clear();
    this.failAll(this.lost());
  }

  private failAll(error: ServiceError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private lost(): ServiceError {
    return serviceError(
      "SERVICE_CONNECTION_LOST",
      `The connection to the Ferry service (${this.path}) ended.`,
      "Check that ferryd still runs (systemctl status ferryd) and try again.",
    );
  }
}
