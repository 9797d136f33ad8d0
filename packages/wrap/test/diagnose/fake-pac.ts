/**
 * A PPTP server's control side on 127.0.0.1 for the probe tests: answers Start-Control-Connection and
 * Outgoing-Call as told, records what the client sent, and (as root) sends GRE for the call like pppd would.
 */
import { createServer, type Server, type Socket } from "node:net";
import { GreSocket } from "@ferry/pptp-client/tunnel";
import {
  type ControlMessage,
  type ControlMessageType,
  ControlStreamReader,
  emitControlMessage,
  writeGreHeaderFields,
} from "@ferry/pptp-client/wire";
import { ocrp, startReply } from "../relay/relay-fixtures.js";

export interface FakePacBehaviour {
  /** What to do on Start-Control-Connection-Request: a result code to answer, or misbehave. */
  readonly control?: number | "silent" | "close" | "garbage";
  /** Result code for the Outgoing-Call-Reply, or stay silent. */
  readonly call?: number | "silent";
  /** Send a GRE packet for the call once it is up (needs root). */
  readonly sendGre?: boolean;
}

export interface FakePac {
  readonly port: number;
  /** Message types received from the client, in order. */
  readonly received: ControlMessageType[];
  /** Resolves once the client has closed its connection. */
  readonly clientGone: Promise<void>;
  close(): Promise<void>;
}

/** The server's own Call ID: never the client's, whose GRE must be told apart on loopback. */
const serverCallIdFor = (clientCallId: number): number => clientCallId ^ 0x8000;

export async function startFakePac(behaviour: FakePacBehaviour): Promise<FakePac> {
  const received: ControlMessageType[] = [];
  const sockets = new Set<Socket>();
  const greSockets: GreSocket[] = [];
  let gone!: () => void;
  const clientGone = new Promise<void>((resolve) => {
    gone = resolve;
  });
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      gone();
    });
    socket.on("error", () => undefined);
    const reader = new ControlStreamReader();
    const send = (message: ControlMessage): void => {
      socket.write(emitControlMessage(message));
    };
    socket.on("data", (bytes) => {
      reader.push(bytes);
      for (let frame = reader.next(); frame?.ok; frame = reader.next()) {
        if (frame.value.kind !== "message") continue;
        const message = frame.value.message;
        received.push(message.type);
        if (message.type === "start-control-connection-request") {
          const control = behaviour.control ?? 1;
          if (control === "close") socket.destroy();
          else if (control === "garbage") socket.write(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"));
          else if (control !== "silent") {
            send(startReply(control));
          }
        } else if (message.type === "outgoing-call-request") {
          const call = behaviour.call ?? 1;
          if (call === "silent") continue;
          send(ocrp(serverCallIdFor(message.callId), message.callId, call));
          if (call === 1 && behaviour.sendGre) sendLcpOverGre(message.callId, greSockets);
        } else if (message.type === "stop-control-connection-request") {
          send({ type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    received,
    clientGone,
    close: async () => {
      for (const gre of greSockets) gre.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the server's pppd does once the call is up: an LCP Configure-Request in GRE, keyed to the client's call. */
function sendLcpOverGre(clientCallId: number, keep: GreSocket[]): void {
  const opened = GreSocket.open({ server: "127.0.0.1" });
  if (!opened.ok) throw new Error(opened.error.message);
  keep.push(opened.value);
  const lcp = Uint8Array.of(0xff, 0x03, 0xc0, 0x21, 0x01, 0x07, 0x00, 0x04);
  const packet = new Uint8Array(12 + lcp.length);
  packet.set(lcp, 12);
  writeGreHeaderFields(packet, 12, clientCallId, lcp.length, 1, undefined);
  opened.value.send([packet]);
}
