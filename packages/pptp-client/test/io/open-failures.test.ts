import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ChildLines } from "./support/child-lines.js";
import { describeInLab } from "./support/netns-lab.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SCRIPT = fileURLToPath(new URL("fixtures/open-devices.ts", import.meta.url));
const NODE_WITH_TSX = [process.execPath, "--import", "tsx", SCRIPT];

/** Runs the open-devices fixture behind a wrapper command (a user switch, a private mount namespace). */
async function outcome(wrapper: readonly string[]): Promise<Record<string, unknown>> {
  const child = spawn(wrapper[0]!, [...wrapper.slice(1), ...NODE_WITH_TSX], {
    cwd: REPO_ROOT,
    // tsx keeps a cache under TMPDIR: give the unprivileged user one it may write.
    env: { ...process.env, TMPDIR: "/tmp" },
  });
  return new ChildLines(child).next("outcome", 20_000);
}

describeInLab("Opening the devices without what they need", ["setpriv", "unshare", "mount"], () => {
  it("without privileges: NOT_PERMITTED with the capabilities to grant", async () => {
    const result = await outcome([
      "setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--inh-caps=-all",
    ]);
    for (const side of ["tun", "gre"]) {
      expect(result[side]).toMatchObject({
        code: "NOT_PERMITTED",
        hint: expect.stringContaining("CAP_NET_ADMIN"),
      });
    }
    expect(result["gre"]).toMatchObject({ hint: expect.stringContaining("CAP_NET_RAW") });
  }, 30_000);

  it("without /dev/net/tun: told to load the tun module", async () => {
    // A private mount namespace hides /dev/net for this process only.
    const result = await outcome([
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs none /dev/net && exec "$@"',
      "sh",
    ]);
    expect(result["tun"]).toMatchObject({
      code: "LOCAL_IO_FAILED",
      hint: expect.stringContaining("modprobe tun"),
    });
    expect(result["gre"]).toBe("opened");
  }, 30_000);
});
