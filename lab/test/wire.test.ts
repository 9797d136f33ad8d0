import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECT_ARGS, FerryRun, inNs, labDown, labUp, SERVER_PPP, sh } from "./lab.js";

/** tshark's verdict on a capture: how many packets match a display filter. */
async function count(pcap: string, filter: string): Promise<number> {
  const out = await sh("tshark", ["-r", pcap, "-Y", filter, "-T", "fields", "-e", "frame.number"]);
  return out.split("\n").filter((line) => line.trim() !== "").length;
}

describe("Ferry's packets as Wireshark's dissectors see them", () => {
  const pcap = join(mkdtempSync(join(tmpdir(), "ferry-wire-")), "session.pcap");
  beforeAll(async () => {
    await labUp("public");
    const capture = spawn("ip", ["netns", "exec", "fy-srv", "tshark", "-q", "-i", "fy-br0", "-w", pcap], {
      stdio: "ignore",
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // tshark needs a moment before it captures
    const ferry = new FerryRun("fy-client", CONNECT_ARGS);
    try {
      await ferry.waitFor("connected");
      await inNs("fy-client", "ping", ["-c", "3", "-W", "3", SERVER_PPP]);
    } finally {
      ferry.interrupt();
      await ferry.exited;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    capture.kill("SIGINT");
    await new Promise((resolve) => capture.on("exit", resolve));
  });
  afterAll(labDown);

  it("finds no malformed packet and no protocol error in the whole session", async () => {
    expect(await count(pcap, "_ws.malformed || _ws.expert.severity == error")).toBe(0);
  });

  it("dissects every layer: PPTP control, enhanced GRE, LCP, MS-CHAPv2, CCP, IPCP, MPPE data", async () => {
    for (const filter of [
      "pptp",
      "gre.key.call_id",
      "lcp",
      "chap",
      "ccp",
      "ipcp",
      "ppp.protocol == 0x00fd",
    ]) {
      expect(await count(pcap, filter), filter).toBeGreaterThan(0);
    }
    // Our clean disconnect as the server saw it: Call-Clear-Request (12), after which pptpd (whose pppd already
    // left on our LCP Terminate-Request) closes TCP 1723 itself. Both sides close with FIN; nobody resets.
    expect(await count(pcap, "pptp.control_message_type == 12")).toBe(1);
    expect(await count(pcap, "tcp.port == 1723 && tcp.flags.fin == 1")).toBe(2);
    expect(await count(pcap, "tcp.port == 1723 && tcp.flags.reset == 1")).toBe(0);
  });
});
