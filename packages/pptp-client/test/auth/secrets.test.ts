import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuthMethod, AuthOutcome } from "../../src/ppp/auth/auth-phase.js";
import { createAuthClient } from "../../src/ppp/auth/create-auth-client.js";
import { toHex } from "../../src/util/bytes.js";
import { parseChapPacket, parseMsChapV2ResponseValue } from "../../src/wire/chap.js";
import { createAuthServer } from "../support/peer/auth-server.js";
import { seededRandom } from "../support/seeded-random.js";
import { drain, runExchange } from "./exchange.js";

const METHODS: readonly AuthMethod[] = ["mschapv2", "chap-md5", "pap"];
// Distinctive enough never to be a substring of our own fixed English sentences.
const password = fc.stringMatching(/^[A-Za-z0-9!@#$%^&*()_+]{8,24}$/);

function errorText(outcome: AuthOutcome | undefined): string {
  if (outcome === undefined || outcome.ok) throw new Error("expected a failure");
  return JSON.stringify({ ...outcome.error, detail: outcome.error.detail ?? {} });
}

describe("no error message or detail contains the password", () => {
  it.each(METHODS)("%s: wrong password, silent server, hostile server text", (method) => {
    fc.assert(
      fc.property(password, fc.integer(), (secret, seed) => {
        // Wrong password: the client's secret must not leak into its error.
        const client = createAuthClient(method, { userName: "alice", password: secret }, seededRandom(seed));
        const server = createAuthServer(method, () => `${secret}-not`, seededRandom(seed + 1));
        expect(errorText(runExchange(client, server).client)).not.toContain(secret);

        // Silent server.
        const lonely = createAuthClient(method, { userName: "alice", password: secret }, seededRandom(seed));
        lonely.start(0);
        for (let now = 0; lonely.nextTimeout() !== undefined && now < 100_000; ) {
          now = lonely.nextTimeout()!;
          lonely.handleTimeout(now);
        }
        expect(errorText(lonely.pollOutcome())).not.toContain(secret);
      }),
      { numRuns: 50 },
    );
  });

  it("MS-CHAPv2: a server that echoes the password or its NT-Response back", () => {
    fc.assert(
      fc.property(password, fc.integer(), fc.constantFrom(691, 648, 12345), (secret, seed, code) => {
        const client = createAuthClient(
          "mschapv2",
          { userName: "alice", password: secret },
          seededRandom(seed),
        );
        client.start(0);
        client.handlePacket(Uint8Array.of(1, 9, 0, 21, 16, ...seededRandom(seed + 7)(16)), 0);
        const [response] = drain(client);
        const parsedResponse = parseChapPacket(response!);
        if (!parsedResponse.ok || parsedResponse.value.code !== 2) throw new Error("no Response");
        const value = parseMsChapV2ResponseValue(parsedResponse.value.value);
        if (!value.ok) throw new Error("bad Response value");
        const ntHex = toHex(value.value.ntResponse);
        const text = `E=${code} R=1 V=3 M=your password ${secret} is wrong\x00${secret}`;
        const message = Uint8Array.from(text, (c) => c.charCodeAt(0));
        client.handlePacket(Uint8Array.of(4, 9, 0, 4 + message.length, ...message), 1);
        const error = errorText(client.pollOutcome());
        expect(error).not.toContain(secret);
        expect(error.toUpperCase()).not.toContain(ntHex);
      }),
      { numRuns: 100 },
    );
  });
});
