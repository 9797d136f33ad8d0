/**
 * A PPTP server (PAC) on 127.0.0.1 that answers Start-Control-Connection-Request and Outgoing-Call-Request, built
 * from the client stack's codecs, and records what each connection sent it.
 */
import { createServer, type Server, type Socket } from "node:net";
import { type ControlMessage, ControlStreamReader, emitControlMessage } from "@ferry/pptp-client/wire";
import { ocrp, sccrp } from "../../relay/relay-fixtures.js";

export interface PacConnection {
  readonly socket: Socket;
  readonly received: ControlMessage[];
  ended: boolean;
}

export class FakePptpServer {
  readonly connections: PacConnection[] = [];
  /** The next Call ID this server gives a call. */
  private nextCallId = 0x0100;
  private readonly server: Server;

  private constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens on `host` (a loopback address), on `port` or a free one. */
  static async start(host = "127.0.0.1", port = 0): Promise<FakePptpServer> {
    const pac = new FakePptpServer();
    await new Promise<void>((resolve, reject) => {
      pac.server.once("error", reject);
      pac.server.listen(port, host, resolve);
    });
    return pac;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("not listening");
    return address.port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection: PacConnection = { socket, received: [], ended: false };
    this.connections.push(connection);
    const reader = new ControlStreamReader();
    socket.on("error", () => {});
    socket.on("end", () => {
      connection.ended = true;
      socket.end();
    });
    socket.on("data", (data: Buffer) => {
      reader.push(data);
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        if (!frame.ok) return socket.destroy();
        if (frame.value.kind !== "message") continue;
        connection.received.push(frame.value.message);
        const reply = this.answer(frame.value.message);
        if (reply !== undefined) socket.write(emitControlMessage(reply));
      }
    });
  }

  private answer(message: ControlMessage): ControlMessage | undefined {
    switch (message.type) {
      case "start-control-connection-request":
        return sccrp;
      case "outgoing-call-request":
        return ocrp(this.nextCallId++, message.callId);
      case "echo-request":
        return { type: "echo-reply", identifier: message.identifier, resultCode: 1, errorCode: 0 };
      default:
        return undefined;
    }
  }
}
