/**
 * ferryd's API server: a Unix socket whose owner, group and mode decide who may connect (the kernel refuses
 * everyone else with EACCES), many clients at once, events pushed to subscribers. A client that misbehaves gets an
 * error and, if it is not speaking the protocol at all, is closed; nothing a client does reaches the tunnel except
 * through the handlers.
 */
import { chmod, chown, lstat, mkdir, rm } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import type { Finding } from "@ferry/wrap";
import { encodeEvent, encodeRequest, encodeResponse, parseRequest, UNKNOWN_REQUEST_ID } from "./codec.js";
import { type ApiErrorCode, apiError, toApiError } from "./errors.js";
import { LineReader } from "./line-reader.js";
import {
  API_VERSION,
  type ApiError,
  type ConnectSecrets,
  type Health,
  type ProfileSummary,
  type Request,
  type Response,
  type ServiceEvent,
} from "./protocol.js";
import type { SocketAccess } from "./socket-access.js";

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ApiError };

/** What the API does; the server only parses, dispatches and frames. */
export interface ApiHandlers {
  status(): Health;
  listProfiles(): readonly ProfileSummary[];
  connect(profileId: string, secrets: ConnectSecrets): Promise<Outcome<Health>>;
  disconnect(): Promise<Health>;
  diagnose(profileId: string): Promise<Outcome<readonly Finding[]>>;
  /** Events a new subscriber gets right after its subscribe response: the recent log lines. */
  backlog(): readonly ServiceEvent[];
}

export interface ApiServerOptions {
  readonly path: string;
  readonly access: SocketAccess;
  readonly handlers: ApiHandlers;
  /** The service's own log (stderr, the journal); never given a secret. */
  readonly log: (line: string) => void;
  readonly maxClients?: number;
  /** A client that lets this much output pile up unread is dropped rather than held in memory. */
  readonly maxBufferedBytes?: number;
}

export interface ApiServer {
  readonly path: string;
  /** Sends the event to every subscribed client. */
  publish(event: ServiceEvent): void;
  /** Stops listening, drops the clients and removes the socket file. */
  close(): Promise<void>;
}

const SERVICE_NAME = "ferryd";
/** How long a socket found at start has to answer before it is judged to belong to a hung process. */
const PROBE_TIMEOUT_MS = 1000;

export async function startApiServer(options: ApiServerOptions): Promise<IoResult<ApiServer, ApiErrorCode>> {
  const cleared = await clearStaleSocket(options.path, options.log);
  if (!cleared.ok) return cleared;
  const server = new ApiSocketServer(options);
  const listening = await server.listen();
  return listening.ok ? opened(server) : listening;
}

interface Client {
  readonly socket: Socket;
  readonly reader: LineReader;
  subscribed: boolean;
}

class ApiSocketServer implements ApiServer {
  readonly path: string;
  private readonly server: Server;
  private readonly clients = new Set<Client>();

  constructor(private readonly options: ApiServerOptions) {
    this.path = options.path;
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<IoResult<void, ApiErrorCode>> {
    const { path, access } = this.options;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await new Promise<void>((resolve, reject) => {
        this.server.once("error", reject);
        // The socket file is created inside listen(); the umask keeps it closed to others until chmod below.
        const umask = process.umask(0o177);
        try {
          this.server.listen(path, () => {
            this.server.off("error", reject);
            resolve();
          });
        } finally {
          process.umask(umask);
        }
      });
      await chown(path, access.uid, access.gid);
      await chmod(path, access.mode);
    } catch (error) {
      await this.close();
      return failed(
        apiError(
          "SERVICE_SOCKET_FAILED",
          `ferryd could not create its socket ${path}: ${(error as Error).message}.`,
          "Run ferryd as root (the systemd unit does), or give --socket a path in a directory it can write.",
        ),
      );
    }
    this.server.on("error", (error) => this.options.log(`API socket error: ${error.message}`));
    this.options.log(`Listening on ${path} (${access.description})`);
    return opened(undefined);
  }

  publish(event: ServiceEvent): void {
    const line = encodeEvent(event);
    for (const client of this.clients) if (client.subscribed) this.send(client, line);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.socket.destroy();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.path, { force: true });
  }

  private accept(socket: Socket): void {
    const client: Client = { socket, reader: new LineReader(), subscribed: false };
    socket.on("error", () => {}); // A client resetting its connection is its own business.
    if (this.clients.size >= (this.options.maxClients ?? 64)) {
      this.refuse(client, "API_TOO_MANY_CLIENTS", "ferryd serves too many clients at once.");
      return;
    }
    this.clients.add(client);
    socket.on("close", () => this.clients.delete(client));
    socket.on("data", (chunk: Buffer) => {
      const read = client.reader.push(chunk);
      for (const line of read.lines) if (line.trim() !== "") void this.handle(client, line);
      if (!read.ok) this.refuse(client, "API_REQUEST_TOO_LARGE", "The request line is longer than 64 KiB.");
    });
  }

  private async handle(client: Client, line: string): Promise<void> {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      this.send(client, encodeResponse({ id: parsed.id, ok: false, error: parsed.error }));
      if (parsed.fatal) client.socket.end();
      return;
    }
    let response: Response;
    try {
      response = await this.dispatch(parsed.request);
    } catch (error) {
      this.options.log(`API ${parsed.request.method} failed: ${(error as Error).message}`);
      response = {
        id: parsed.request.id,
        ok: false,
        error: toApiError(
          apiError(
            "API_INTERNAL",
            "ferryd failed while answering.",
            "See ferryd's log (journalctl -u ferryd).",
          ),
        ),
      };
    }
    this.send(client, encodeResponse(response));
    if (parsed.request.method === "subscribe" && response.ok) {
      client.subscribed = true;
      for (const event of this.options.handlers.backlog()) this.send(client, encodeEvent(event));
    }
  }

  private async dispatch(request: Request): Promise<Response> {
    const { id } = request;
    const h = this.options.handlers;
    const ok = (result: Extract<Response, { ok: true }>["result"]): Response => ({ id, ok: true, result });
    const from = <T extends Extract<Response, { ok: true }>["result"]>(outcome: Outcome<T>): Response =>
      outcome.ok ? ok(outcome.value) : { id, ok: false, error: outcome.error };
    switch (request.method) {
      case "hello":
        return ok({ version: API_VERSION, service: SERVICE_NAME });
      case "status":
      case "subscribe":
        return ok(h.status());
      case "list-profiles":
        return ok(h.listProfiles());
      case "connect":
        return from(await h.connect(request.profileId, request.secrets));
      case "disconnect":
        return ok(await h.disconnect());
      case "diagnose":
        return from(await h.diagnose(request.profileId));
    }
  }

  /** Answers with an error (id unknown) and closes the connection. */
  private refuse(client: Client, code: ApiErrorCode, message: string): void {
    const error = toApiError(apiError(code, message, "Check the client against ferryd's API (protocol.ts)."));
    this.send(client, encodeResponse({ id: UNKNOWN_REQUEST_ID, ok: false, error }));
    client.socket.end();
    client.socket.destroySoon();
  }

  private send(client: Client, line: string): void {
    const { socket } = client;
    if (socket.destroyed || !socket.writable) return;
    socket.write(line);
    if (socket.writableLength > (this.options.maxBufferedBytes ?? 1024 * 1024)) {
      this.options.log("Dropped an API client that stopped reading its events.");
      socket.destroy();
    }
  }
}

/**
 * A socket file left at the path is removed when nothing listens on it (a crashed run); when something answers,
 * the start is refused: two services must not take turns on one path.
 */
async function clearStaleSocket(
  path: string,
  log: (line: string) => void,
): Promise<IoResult<void, ApiErrorCode>> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch {
    return opened(undefined); // Nothing there.
  }
  if (!isSocket)
    return failed(
      apiError(
        "SERVICE_SOCKET_FAILED",
        `${path} exists and is not a socket.`,
        "Remove it, or give ferryd another --socket path.",
      ),
    );
  const probe = await probeSocket(path);
  if (probe === "refused") {
    await rm(path, { force: true });
    log(`Removed the stale socket ${path} a previous run left behind.`);
    return opened(undefined);
  }
  return failed(
    apiError(
      "SERVICE_ALREADY_RUNNING",
      probe === "ferryd"
        ? `Another ferryd already answers on ${path}.`
        : `Another process listens on ${path} (it accepted a connection but did not answer like ferryd).`,
      "Stop the other instance (systemctl stop ferryd), or give this one another --socket path.",
    ),
  );
}

function probeSocket(path: string): Promise<"ferryd" | "silent" | "refused"> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const done = (result: "ferryd" | "silent" | "refused") => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done("silent"), PROBE_TIMEOUT_MS);
    socket.on("connect", () => socket.write(encodeRequest({ id: 0, method: "hello", version: API_VERSION })));
    socket.on("data", () => done("ferryd"));
    // ECONNREFUSED: a socket file without a listener. Any other failure to connect means the same here.
    socket.on("error", () => done("refused"));
  });
}
