import { describe, expect, it } from "vitest";
import type { AuthMethod, AuthOutcome } from "../../src/ppp/auth/auth-phase.js";
import { createAuthClient } from "../../src/ppp/auth/create-auth-client.js";
import { createAuthServer } from "../support/peer/auth-server.js";
import { seededRandom } from "../support/seeded-random.js";
import { runExchange } from "./exchange.js";

const USERS: Record<string, string> = { alice: "correct horse", "CORP\\bob": "b0b's p@ss" };
const lookup = (user: string) => USERS[user];
const METHODS: readonly AuthMethod[] = ["mschapv2", "chap-md5", "pap"];

function pair(method: AuthMethod, userName: string, password: string, seed = 1, quirks = {}) {
  const client = createAuthClient(method, { userName, password }, seededRandom(seed));
  const server = createAuthServer(method, lookup, seededRandom(seed + 1000), quirks);
  return { client, server };
}

function ok(outcome: AuthOutcome | undefined) {
  if (outcome === undefined || !outcome.ok)
    throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe.each(METHODS)("%s client against the test server", (method) => {
  it("succeeds with the right password", () => {
    const { client, server } = pair(method, "alice", "correct horse");
    const result = runExchange(client, server);
    expect(ok(result.client).method).toBe(method);
    expect(ok(result.server)).toMatchObject({ method, userName: "alice" });
    expect(result.now).toBe(0);
  });

  it("succeeds for a DOMAIN\\user name", () => {
    const { client, server } = pair(method, "CORP\\bob", "b0b's p@ss");
    const result = runExchange(client, server);
    expect(ok(result.client).method).toBe(method);
    expect(ok(result.server).userName).toBe("CORP\\bob");
  });

  it("fails on both sides with a wrong password", () => {
    const { client, server } = pair(method, "alice", "wrong horse");
    const result = runExchange(client, server);
    expect(result.client).toMatchObject({ ok: false, error: { code: "AUTH_FAILED" } });
    expect(result.server).toMatchObject({ ok: false, error: { code: "AUTH_FAILED" } });
    if (result.client?.ok === false) {
      expect(result.client.error.message).toBe("The server rejected the user name or password.");
    }
  });

  it("fails for an unknown user", () => {
    const { client, server } = pair(method, "mallory", "correct horse");
    const result = runExchange(client, server);
    expect(result.client).toMatchObject({ ok: false, error: { code: "AUTH_FAILED" } });
  });

  it("survives losing the first packet in each direction", () => {
    const { client, server } = pair(method, "alice", "correct horse");
    const result = runExchange(client, server, { drop: (_direction, n) => n === 0 });
    expect(ok(result.client).method).toBe(method);
    expect(ok(result.server).method).toBe(method);
  });

  it("survives losing the verdict: the client repeats itself and the server repeats the verdict", () => {
    const { client, server } = pair(method, "alice", "correct horse");
    // For CHAP the verdict is the server's second packet (after the Challenge); for PAP its first.
    const verdictIndex = method === "pap" ? 0 : 1;
    const result = runExchange(client, server, {
      drop: (direction, n) => direction === "toClient" && n === verdictIndex,
    });
    expect(ok(result.client).method).toBe(method);
    expect(result.now).toBe(3000);
  });
});

describe("MS-CHAPv2 mutual authentication and keys", () => {
  it("gives both sides the same MPPE keys, crosswise", () => {
    const { client, server } = pair("mschapv2", "alice", "correct horse");
    const result = runExchange(client, server);
    const clientKeys = ok(result.client).mppeKeys;
    const serverKeys = ok(result.server).mppeKeys;
    expect(clientKeys).toBeDefined();
    expect(serverKeys).toBeDefined();
    expect(clientKeys?.send).toHaveLength(16);
    expect(clientKeys?.send).toEqual(serverKeys?.recv);
    expect(clientKeys?.recv).toEqual(serverKeys?.send);
    expect(clientKeys?.send).not.toEqual(clientKeys?.recv);
  });

  it("gives different keys to different exchanges", () => {
    const keysOf = (seed: number) => {
      const { client, server } = pair("mschapv2", "alice", "correct horse", seed);
      return ok(runExchange(client, server).client).mppeKeys?.send;
    };
    expect(keysOf(1)).not.toEqual(keysOf(2));
  });

  it("refuses a server whose S= is wrong, even though it said Success", () => {
    const { client, server } = pair("mschapv2", "alice", "correct horse", 1, {
      badAuthenticatorResponse: true,
    });
    const result = runExchange(client, server);
    expect(result.client).toMatchObject({ ok: false, error: { code: "AUTH_SERVER_UNVERIFIED" } });
  });

  it("refuses a server that leaves S= out", () => {
    const { client, server } = pair("mschapv2", "alice", "correct horse", 1, {
      omitAuthenticatorResponse: true,
    });
    const result = runExchange(client, server);
    expect(result.client).toMatchObject({
      ok: false,
      error: { code: "AUTH_SERVER_UNVERIFIED", detail: { authenticatorResponse: "missing" } },
    });
  });

  it("reads the test server's failure as error 691 without retry", () => {
    const { client, server } = pair("mschapv2", "alice", "nope");
    const result = runExchange(client, server);
    expect(result.client).toMatchObject({
      ok: false,
      error: { detail: { errorCode: 691, retry: false, serverMessage: "Authentication failure" } },
    });
  });

  it("fails rather than succeeds when client and server disagree on the CHAP algorithm", () => {
    // Both use 16-byte challenges, so the client answers; the MD5 server cannot accept an MS-CHAPv2 answer.
    const client = createAuthClient(
      "mschapv2",
      { userName: "alice", password: "correct horse" },
      seededRandom(3),
    );
    const server = createAuthServer("chap-md5", lookup, seededRandom(4));
    const result = runExchange(client, server);
    expect(result.server?.ok).toBe(false);
    expect(result.client?.ok).toBe(false);
  });
});

describe("servers on their own", () => {
  it.each(METHODS)("%s server gives up on a silent peer", (method) => {
    const server = createAuthServer(method, lookup, seededRandom(9));
    server.start(0);
    let now = 0;
    let outcome: AuthOutcome | undefined;
    for (let i = 0; i < 20 && outcome === undefined; i++) {
      now = server.nextTimeout() ?? now;
      server.handleTimeout(now);
      outcome = server.pollOutcome();
    }
    expect(outcome).toMatchObject({ ok: false, error: { code: "AUTH_FAILED" } });
    expect(now).toBe(30_000);
  });
});
