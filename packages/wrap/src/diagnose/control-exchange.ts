/**
 * The PPTP control stream of the diagnose probe, as "send a message, wait for the reply of this type". Not a
 * session (no echo keepalives, no state machine): the probe only needs a few request/reply round trips and to know
 * how each wait ended. Messages of other types are skipped; the first framing failure ends every later wait.
 */
import type { Socket } from "node:net";
import {
  type ControlMessage,
  type ControlMessageOf,
  type ControlMessageType,
  ControlStreamReader,
  emitControlMessage,
} from "@ferry/pptp-client/wire";
import type { ReplyFailure } from "./observations.js";

type Outcome<T extends ControlMessageType> =
  | { readonly outcome: "answered"; readonly message: ControlMessageOf<T> }
  | ReplyFailure;

export class ControlExchange {
  private readonly reader = new ControlStreamReader();
  private readonly inbox: ControlMessage[] = [];
  private ended: ReplyFailure | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.on("data", (bytes: Buffer) => this.receive(bytes));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      this.end({ outcome: "closed", error: error.code ?? error.message }),
    );
    socket.on("close", () => this.end({ outcome: "closed" }));
  }

  send(message: ControlMessage): void {
    if (this.ended === undefined) this.socket.write(emitControlMessage(message));
  }

  /** The next message of `type`, or how waiting for it ended. Never rejects. */
  async reply<T extends ControlMessageType>(type: T, timeoutMs: number): Promise<Outcome<T>> {
    const started = Date.now();
    for (;;) {
      const index = this.inbox.findIndex((message) => message.type === type);
      if (index >= 0)
        return { outcome: "answered", message: this.inbox.splice(index, 1)[0] as ControlMessageOf<T> };
      if (this.ended !== undefined) return this.ended;
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) return { outcome: "no-reply", waitedMs: timeoutMs };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private receive(bytes: Uint8Array): void {
    this.reader.push(bytes);
    for (let frame = this.reader.next(); frame !== undefined; frame = this.reader.next()) {
      if (!frame.ok) {
        this.end({ outcome: "garbled", reason: frame.reason });
        return;
      }
      if (frame.value.kind === "message") this.inbox.push(frame.value.message);
    }
    this.wake?.();
  }

  private end(failure: ReplyFailure): void {
    this.ended ??= failure;
    this.wake?.();
  }
}
