/** Whatever the network sends, nothing in the PPP layer may throw, and the link must stay coherent. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CcpOptions } from "../../src/ppp/ccp.js";
import { FSM_STATES } from "../../src/ppp/fsm-table.js";
import { IpcpOptions } from "../../src/ppp/ipcp.js";
import { LcpOptions } from "../../src/ppp/lcp.js";
import { PppLink } from "../../src/ppp/ppp-link.js";
import type { CpOption } from "../../src/wire/ppp-cp.js";
import { PPP_PROTOCOL } from "../../src/wire/ppp-frame.js";
import { seededRandom } from "../support/seeded-random.js";
import { clientConfig, LinkPair, serverConfig } from "./link-harness.js";

const PROTOCOLS = [...Object.values(PPP_PROTOCOL), 0x8053, 0xc025, 0x0001];

const protocol = fc.oneof(fc.constantFrom(...PROTOCOLS), fc.integer({ min: 0, max: 0xffff }));
/** Control packets that mostly parse: a known code, an identifier, a Length that may lie, then option-like bytes. */
const controlPacket = fc
  .tuple(
    fc.integer({ min: 0, max: 16 }),
    fc.integer({ min: 0, max: 255 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.integer({ min: -2, max: 2 }),
  )
  .map(([code, id, data, lie]) => {
    const out = new Uint8Array(4 + data.length);
    out[0] = code;
    out[1] = id;
    const length = Math.max(0, 4 + data.length + lie);
    out[2] = length >> 8;
    out[3] = length & 0xff;
    out.set(data, 4);
    return out;
  });
const input = fc.oneof(
  fc.record({
    kind: fc.constant("packet" as const),
    protocol,
    info: fc.oneof(controlPacket, fc.uint8Array({ maxLength: 60 })),
  }),
  fc.record({ kind: fc.constant("time" as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
  fc.record({ kind: fc.constant("call" as const), what: fc.constantFrom("close", "reset") }),
);

type Step =
  | { readonly kind: "packet"; readonly protocol: number; readonly info: Uint8Array }
  | { readonly kind: "time"; readonly ms: number }
  | { readonly kind: "call"; readonly what: "close" | "reset" };

function exercise(link: PppLink, steps: readonly Step[], start: number): void {
  let now = start;
  let finished = 0;
  for (const step of steps) {
    if (step.kind === "packet") link.handlePacket(step.protocol, step.info, now);
    else if (step.kind === "time") {
      now += step.ms;
      link.handleTimeout(now);
    } else if (step.what === "close") link.close(now);
    else link.decryptionFailed(now);
    const deadline = link.nextTimeout();
    expect(deadline === undefined || Number.isFinite(deadline)).toBe(true);
    for (let p = link.pollPacket(); p !== undefined; p = link.pollPacket())
      expect(p.info.length).toBeGreaterThanOrEqual(4);
    for (let e = link.pollEvent(); e !== undefined; e = link.pollEvent())
      if (e.type === "finished") finished++;
    expect(finished).toBeLessThanOrEqual(1);
  }
}

describe("PppLink fuzzing", () => {
  it("never throws on random packets for every protocol during negotiation", () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (inputs, seed) => {
        const link = new PppLink(clientConfig(), seededRandom(seed));
        link.start(0);
        exercise(link, inputs, 0);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on random packets once the network is up", () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
        const pair = new LinkPair(clientConfig(), serverConfig()).start().run(5000);
        exercise(pair.client, inputs, pair.now);
      }),
      { numRuns: 150 },
    );
  });

  it("survives a negotiation whose packets are randomly mutated, truncated or lost", () => {
    const mutation = fc.record({
      lose: fc.boolean(),
      flip: fc.integer({ min: 0, max: 63 }),
      xor: fc.integer({ min: 1, max: 255 }),
      cut: fc.integer({ min: 0, max: 40 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.option(mutation, { freq: 3 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        (plan, seed) => {
          const pair = new LinkPair(clientConfig(), serverConfig(), seed);
          let n = 0;
          pair.filter = (wire) => {
            const m = plan[n++ % Math.max(plan.length, 1)];
            if (m === undefined || m === null) return true;
            if (m.lose) return false;
            const info = wire.info as Uint8Array;
            if (info.length > 0) info[m.flip % info.length]! ^= m.xor;
            if (m.cut < info.length) (wire as { info: Uint8Array }).info = info.subarray(0, m.cut);
            return true;
          };
          pair.start().run(200_000);
          const finishedEvents = pair.clientEvents.filter((e) => e.type === "finished");
          expect(finishedEvents.length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("option handlers fuzzing", () => {
  const option = fc.record({ type: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 8 }) });
  const options = fc.array(option, { maxLength: 8 });
  const state = fc.constantFrom(...FSM_STATES);

  it("LCP, IPCP and CCP judge any option list without throwing", () => {
    const noop = () => {};
    fc.assert(
      fc.property(options, options, options, fc.boolean(), (request, nak, reject, rejectNotNak) => {
        const handlers = [
          new LcpOptions({ mru: 1400, pfc: true, acfc: true, acceptAuth: ["mschapv2"] }, seededRandom(1), {
            echoReply: noop,
            protocolRejected: noop,
            echoRefused: noop,
          }),
          new LcpOptions(
            { mru: 1500, pfc: false, acfc: false, acceptAuth: [], requireAuth: "pap" },
            seededRandom(2),
            {
              echoReply: noop,
              protocolRejected: noop,
              echoRefused: noop,
            },
          ),
          new IpcpOptions({ requestDns: true }),
          new IpcpOptions({
            localAddress: "10.0.0.1",
            requestDns: false,
            peerAddress: "10.0.0.2",
            peerDns: ["10.0.0.53"],
          }),
          new CcpOptions(
            { strengths: [128, 40], allowStateless: true, allowStateful: false, required: true },
            { resetRequested: noop, resetAcked: noop },
          ),
        ];
        for (const h of handlers) {
          const verdict = h.checkRequest(request as CpOption[], rejectNotNak);
          if (verdict.verdict !== "ack")
            for (const o of verdict.options) expect(o.data.length).toBeLessThanOrEqual(253);
          h.handleNak(nak as CpOption[]);
          h.handleReject(reject as CpOption[]);
          h.handleAck(request as CpOption[]);
          h.buildRequest();
        }
      }),
    );
  });

  it("LCP and CCP take any extra code in any state without throwing", () => {
    const noop = () => {};
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 12 }),
        state,
        (code, data, s) => {
          new LcpOptions({ mru: 1400, pfc: true, acfc: true, acceptAuth: ["mschapv2"] }, seededRandom(3), {
            echoReply: noop,
            protocolRejected: noop,
            echoRefused: noop,
          }).handleExtraCode(code, 1, data, s, 0);
          new CcpOptions(
            { strengths: [128], allowStateless: true, allowStateful: true, required: false },
            { resetRequested: noop, resetAcked: noop },
          ).handleExtraCode(code, 1, data, s, 0);
        },
      ),
    );
  });
});
