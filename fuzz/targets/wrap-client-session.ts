/**
 * The wrap transport's client end (WrapClientSession) fed from the relay's side, on a fake clock. Script ops:
 * binary frames from the relay (raw, or a relay message the fuzzer writes the body of), a welcome, text messages,
 * the WebSocket closing with any status, time passing, and our own control bytes and GRE going out.
 *
 * Oracles: nothing throws; frames and events stay bounded; once closed, it wants no more timeouts.
 */
import { WrapClientSession } from "../../packages/wrap/dist/client/wrap-client-session.js";
import { emitWrapFrame } from "../../packages/wrap/dist/wire/frame.js";
import { check, InputReader, waitOp } from "../lib/target.js";

export const maxLen = 8192;
export const packages = ["wrap"];

const MAX_OUTPUT = 10_000;

export const Op = {
  frame: 0,
  relayBody: 1,
  welcome: 2,
  text: 3,
  closed: 4,
  wait: 5,
  sendControl: 6,
  sendGre: 7,
  close: 8,
} as const;
const OP_COUNT = 9;

export function fuzz(data: Uint8Array): void {
  const input = new InputReader(data);
  const session = new WrapClientSession("vpn.example.com", "s3cr3t-t0ken");
  let now = 0;
  if (input.u8() !== 0xff) session.start(now);
  let frames = 0;
  let events = 0;
  const drain = () => {
    while (session.pollFrame() !== undefined) frames++;
    while (session.pollEvent() !== undefined) events++;
    session.pollClose();
    check(frames + events <= MAX_OUTPUT, `${frames} frames and ${events} events from one script`);
  };
  for (let ops = 0; input.remaining > 0 && ops < 2000; ops++) {
    switch (input.u8() % OP_COUNT) {
      case Op.frame:
        session.handleFrame(input.chunk16(5000), now);
        break;
      case Op.relayBody: {
        const body = input.chunk16(3000);
        const frame = new Uint8Array(body.length + 1);
        frame[0] = 0x03;
        frame.set(body, 1);
        session.handleFrame(frame, now);
        break;
      }
      case Op.welcome: {
        const pick = input.u8();
        const message = {
          type: "welcome" as const,
          observedAddress: ["198.51.100.23", "", "100.64.1.2", "2001:db8::1"][pick & 3]!,
          relayAddress: ["203.0.113.1", ""][(pick >> 2) & 1]!,
          sessionId: "0123456789abcdef",
        };
        session.handleFrame(emitWrapFrame({ channel: "relay", message }), now);
        break;
      }
      case Op.text:
        session.handleTextMessage(now);
        break;
      case Op.closed: {
        const status = input.u16();
        session.handleClosed(status, new TextDecoder().decode(input.chunk(123)), now);
        break;
      }
      case Op.wait:
        now = waitOp(input, now, session);
        break;
      case Op.sendControl:
        session.sendControl(input.chunk16(10_000));
        break;
      case Op.sendGre:
        session.sendGre(input.chunk16(2000));
        break;
      case Op.close:
        session.close();
        break;
    }
    drain();
  }
  session.handleClosed(1006, "", now);
  drain();
  check(session.state === "closed", `state ${session.state} after the WebSocket closed`);
  check(session.nextTimeout() === undefined, "a closed session still wants a timeout");
}
