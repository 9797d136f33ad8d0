import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FerryRun, inNs, labDown, labUp, SERVER, snapshot } from "./lab.js";

describe("a ferry process killed with SIGKILL", () => {
  beforeAll(() => labUp("public"));
  afterAll(labDown);

  it("leaves settings behind that the next start puts back", async () => {
    const before = await snapshot("fy-client");
    // DNS from the server and a host route to it are what outlive the process (the TUN device dies with it).
    const ferry = new FerryRun("fy-client", ["--server", SERVER, "--user", "ferry", "--default-route"]);
    await ferry.waitFor("connected");
    ferry.kill();
    await ferry.exited;
    expect(await inNs("fy-client", "cat", ["/etc/resolv.conf"])).toContain("10.200.0.53");
    expect(await snapshot("fy-client")).not.toBe(before);

    const next = new FerryRun("fy-client", ["--server", SERVER, "--user", "ferry"], "wrong-password");
    await next.waitFor("error");
    await next.exited;
    expect(next.stderr.join("\n")).toContain("Restored the network settings");
    expect(await snapshot("fy-client")).toBe(before);
  });
});
