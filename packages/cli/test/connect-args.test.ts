import type { FerryError } from "@ferry/pptp-client";
import { describe, expect, it } from "vitest";
import { type ConnectPlan, parseConnectArgs } from "../src/connect-command.js";

const parse = (args: string[], env: NodeJS.ProcessEnv = { USER: "alice" }) => parseConnectArgs(args, env);
const plan = (args: string[]) => parse(args) as ConnectPlan;
const usage = (args: string[], env?: NodeJS.ProcessEnv) => parse(args, env) as FerryError;

describe("ferry connect arguments", () => {
  it("defaults: $USER, MTU 1400, any MPPE strength but MPPE required, server DNS, only the server's end routed", () => {
    expect(plan(["--server", "vpn.example.com"])).toEqual({
      server: "vpn.example.com",
      session: { userName: "alice", mtu: 1400, mppe: { required: true, strengths: [128, 56, 40] } },
      passwordFromStdin: false,
      routes: [],
      dns: true,
      json: false,
      transport: "auto",
    });
  });

  it("takes every option", () => {
    const p = plan([
      "--server",
      "203.0.113.10",
      "--user",
      "CORP\\bob",
      "--password-stdin",
      "--mtu",
      "1300",
      "--route",
      "10.1.0.0/16",
      "--route",
      "10.2.0.0/16",
      "--no-dns",
      "--mppe",
      "128",
      "--mppe-stateful",
      "--json",
    ]);
    expect(p).toEqual({
      server: "203.0.113.10",
      session: {
        userName: "CORP\\bob",
        mtu: 1300,
        mppe: { required: true, strengths: [128], allowStateless: false, allowStateful: true },
      },
      passwordFromStdin: true,
      routes: ["10.1.0.0/16", "10.2.0.0/16"],
      dns: false,
      json: true,
      transport: "auto",
    });
    expect(plan(["--server", "s", "--default-route"]).routes).toBe("default");
    expect(plan(["--server", "s", "--mppe", "optional"]).session.mppe).toMatchObject({ required: false });
  });

  it("refuses what cannot run, with a USAGE error naming the problem", () => {
    expect(usage([])).toMatchObject({ code: "USAGE", message: "--server is required." });
    expect(usage(["--server", "s", "--route", "10.0.0.0/33"]).message).toMatch(/not an IPv4 CIDR/);
    expect(usage(["--server", "s", "--route", "10.0.0.0/8", "--default-route"]).message).toMatch(/exclude/);
    expect(usage(["--server", "s", "--mtu", "9000"]).message).toMatch(/--mtu/);
    expect(usage(["--server", "s", "--mppe", "256"]).message).toMatch(/--mppe/);
    expect(usage(["--server", "s", "--bogus"]).code).toBe("USAGE");
    expect(usage(["--server", "s"], {}).message).toMatch(/--user/);
  });
});
