import { describe, expect, it } from "vitest";
import { createBridgeHandler } from "../src/main/bridge-handler.js";
import type { ServiceClient } from "../src/shared/service-api.js";
import { fakeService } from "./support/fake-service.js";
import { memoryKeychain } from "./support/memory-keychain.js";

const OFFICE_PASSWORD = "ferry/office:alice:password";
const OFFICE_TOKEN = "ferry/office:alice:relay-token";

function setUp(stored: Record<string, string> = {}) {
  const service = fakeService();
  const keychain = memoryKeychain(stored);
  const handler = createBridgeHandler({ client: service, keychain });
  return { service, keychain, handler };
}

describe("createBridgeHandler: connect", () => {
  it("asks for a password the keychain does not hold, without calling the service", async () => {
    const { service, handler } = setUp();
    expect(await handler.connect("office")).toEqual({ ok: true, value: { needsPassword: true } });
    expect(service.secretsSeen).toEqual([]);
  });

  it("uses the stored password and relay token", async () => {
    const { service, handler } = setUp({
      "office:alice:password": "s3cret",
      "office:alice:relay-token": "tok",
    });
    const result = await handler.connect("office");
    expect(result).toMatchObject({
      ok: true,
      value: { needsPassword: false, health: { state: "connecting" } },
    });
    expect(service.secretsSeen).toEqual([{ password: "s3cret", relayToken: "tok" }]);
  });

  it("sends no relay token for a profile that does not use the relay", async () => {
    const { service, handler } = setUp({
      "hq:CORP\\alice:password": "pw",
      "hq:CORP\\alice:relay-token": "tok",
    });
    await handler.connect("hq");
    expect(service.secretsSeen).toEqual([{ password: "pw" }]);
  });

  it("stores a typed password once the service took the connect, with the stored token", async () => {
    const { service, keychain, handler } = setUp({ "office:alice:relay-token": "tok" });
    await handler.connect("office", "typed");
    expect(service.secretsSeen).toEqual([{ password: "typed", relayToken: "tok" }]);
    expect(keychain.entries().get(OFFICE_PASSWORD)).toBe("typed");
    expect(keychain.entries().get(OFFICE_TOKEN)).toBe("tok");
  });

  it("does not store a typed password the service refused", async () => {
    const { keychain, handler } = setUp({ "hq:CORP\\alice:password": "pw" });
    await handler.connect("hq");
    const refused = await handler.connect("office", "typed");
    expect(refused).toMatchObject({ ok: false, error: { code: "ALREADY_CONNECTED" } });
    expect(keychain.entries().has(OFFICE_PASSWORD)).toBe(false);
  });

  it("refuses unknown profiles and malformed input before the service sees them", async () => {
    const { service, handler } = setUp();
    for (const profileId of ["nope", 42, undefined, { id: "office" }]) {
      expect(await handler.connect(profileId, "pw")).toMatchObject({
        ok: false,
        error: { code: "UNKNOWN_PROFILE" },
      });
    }
    for (const password of ["", 7, "x".repeat(257), ["pw"]]) {
      expect(await handler.connect("office", password)).toMatchObject({
        ok: false,
        error: { code: "BAD_PASSWORD_INPUT" },
      });
    }
    expect(service.secretsSeen).toEqual([]);
  });

  it("forgets the stored password when the server rejects the login, and only then", async () => {
    const { service, keychain, handler } = setUp({ "office:alice:password": "wrong" });
    await handler.connect("office");
    service.tick();
    const rejected = await service.status();
    expect(rejected.error?.code).toBe("AUTH_FAILED");
    await handler.observe(rejected);
    expect(keychain.entries().has(OFFICE_PASSWORD)).toBe(false);
    expect(await handler.connect("office")).toEqual({ ok: true, value: { needsPassword: true } });

    await handler.connect("office", "right");
    service.tick();
    await handler.observe(await service.status());
    await handler.observe({ ...rejected, profileId: "office" });
    expect(keychain.entries().get(OFFICE_PASSWORD)).toBe("right");
  });
});

describe("createBridgeHandler: other calls and errors", () => {
  it("passes lists, status, diagnosis and disconnect through, and tells of a user disconnect", async () => {
    let told = 0;
    const service = fakeService();
    const handler = createBridgeHandler({
      client: service,
      keychain: memoryKeychain(),
      onUserDisconnect: () => told++,
    });
    expect(await handler.listProfiles()).toMatchObject({
      ok: true,
      value: [{ id: "office" }, { id: "hq" }, {}],
    });
    expect(await handler.status()).toMatchObject({ ok: true, value: { state: "disconnected" } });
    expect(await handler.diagnose("office")).toMatchObject({
      ok: true,
      value: [{ id: "tcp-1723" }, {}, {}, {}, {}],
    });
    expect(await handler.diagnose("../etc")).toMatchObject({ ok: false, error: { code: "UNKNOWN_PROFILE" } });
    expect(await handler.disconnect()).toMatchObject({ ok: true, value: { state: "disconnected" } });
    expect(told).toBe(1);
  });

  it("turns a dead service into an error value that quotes nothing it was given", async () => {
    const dead: ServiceClient = {
      ...fakeService(),
      listProfiles: () => Promise.reject(new Error("EPIPE while sending {password: hunter2}")),
      status: () => Promise.reject("a string, not an error"),
    };
    const handler = createBridgeHandler({ client: dead, keychain: memoryKeychain() });
    for (const result of [
      await handler.listProfiles(),
      await handler.status(),
      await handler.connect("office", "hunter2"),
    ]) {
      expect(result).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
      expect(JSON.stringify(result)).not.toContain("hunter2");
    }
  });

  it("never returns a secret it handled", async () => {
    const { service, handler } = setUp({ "office:alice:relay-token": "token-xyz" });
    const results: unknown[] = [await handler.connect("office", "pw-abc")];
    service.tick();
    results.push(await handler.status(), await handler.disconnect(), await handler.listProfiles());
    for (const result of results) expect(JSON.stringify(result)).not.toMatch(/pw-abc|token-xyz/);
  });
});
