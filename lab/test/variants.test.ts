import { afterAll, describe, expect, it } from "vitest";
import { CONNECT_ARGS, FerryRun, inNs, labDown, labUp, SERVER_PPP, snapshot } from "./lab.js";

/** Connects with `args`, checks the tunnel passes traffic, disconnects; returns the connected event. */
async function connectAndPing(args: readonly string[]) {
  const ferry = new FerryRun("fy-client", [...CONNECT_ARGS, ...args]);
  try {
    const connected = await ferry.waitFor("connected");
    await inNs("fy-client", "ping", ["-c", "2", "-W", "3", SERVER_PPP]);
    return connected;
  } finally {
    ferry.interrupt();
    expect(await ferry.exited).toBe(0);
  }
}

async function refused(args: readonly string[]) {
  const ferry = new FerryRun("fy-client", [...CONNECT_ARGS, ...args]);
  const error = await ferry.waitFor("error");
  expect(await ferry.exited).toBe(1);
  return error;
}

describe("server configurations (pppd options)", () => {
  afterAll(labDown);

  it("mppe-stateful: pppd still prefers stateless, and runs stateful MPPE with a client that asks for it", async () => {
    await labUp("public", "stateful");
    const before = await snapshot("fy-client");
    expect(await connectAndPing([])).toMatchObject({ mppe: "128-stateless" });
    expect(await connectAndPing(["--mppe-stateful"])).toMatchObject({ mppe: "128-stateful" });
    expect(await snapshot("fy-client")).toBe(before);
  });

  it("a server without mppe-stateful refuses a client that insists on stateful MPPE", async () => {
    await labUp("public", "require-128");
    expect(await refused(["--mppe-stateful"])).toMatchObject({ code: "ENCRYPTION_UNAVAILABLE" });
  });

  it("40-bit only: connects when the profile allows it, refuses with ENCRYPTION_UNAVAILABLE when it demands 128", async () => {
    await labUp("public", "40");
    expect(await connectAndPing([])).toMatchObject({ mppe: "40-stateless" });
    expect(await refused(["--mppe", "128"])).toMatchObject({ code: "ENCRYPTION_UNAVAILABLE" });
  });

  it("no MPPE: refused by default, connects unencrypted only with --mppe optional", async () => {
    await labUp("public", "none");
    expect(await refused([])).toMatchObject({ code: "ENCRYPTION_UNAVAILABLE" });
    expect(await connectAndPing(["--mppe", "optional"])).toMatchObject({ mppe: "none" });
  });

  it("a server that never asks us to authenticate: refused, even when unencrypted links are allowed", async () => {
    await labUp("public", "noauth");
    const before = await snapshot("fy-client");
    expect(await refused(["--mppe", "optional"])).toMatchObject({ code: "AUTH_SERVER_UNVERIFIED" });
    expect(await refused([])).toMatchObject({ code: "AUTH_SERVER_UNVERIFIED" });
    expect(await snapshot("fy-client")).toBe(before);
  });
});
