/**
 * The benchmark's PPTP server: the test peer (MS-CHAPv2, stateless MPPE-128 only) on TCP 1723, a raw GRE socket and
 * a TUN device addressed 10.0.0.1 peer 10.0.0.2 (`--mppe none` runs without encryption). Run by run.sh inside the server namespace, as root:
 *
 *   node --import tsx bench/tunnel/server-pump.ts --host 203.0.113.2 --user bench --password secret
 *
 * Prints "ready" once it listens, one line per event, and its counters when the client leaves or on SIGTERM.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { systemRandom } from "../../src/util/random.js";
import { PeerServer } from "../../test/support/peer/peer-server.js";
import { PptpPeer } from "../../test/support/peer/pptp-peer.js";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "203.0.113.2" },
    tun: { type: "string", default: "fybench0" },
    user: { type: "string", default: "bench" },
    password: { type: "string", default: "bench-password" },
    mtu: { type: "string", default: "1400" },
    /** "128" (stateless MPPE-128 only) or "none" (pppd's nomppe: to see what encryption costs). */
    mppe: { type: "string", default: "128" },
  },
});

const SERVER_ADDRESS = "10.0.0.1";
const CLIENT_ADDRESS = "10.0.0.2";

const log = (line: string) => console.log(line);
const peer = new PptpPeer({
  users: { [values.user]: values.password },
  random: systemRandom,
  mppe:
    values.mppe === "none"
      ? { strengths: [], allowStateless: true, allowStateful: false, required: false }
      : { strengths: [128], allowStateless: true, allowStateful: false, required: true },
  localAddress: SERVER_ADDRESS,
  clientAddress: CLIENT_ADDRESS,
  mru: Number(values.mtu),
});
const server = await PeerServer.listen({ peer, host: values.host, tunName: values.tun, log });
if (!server.ok) {
  console.error(`${server.error.message} ${server.error.hint}`);
  process.exit(1);
}
const { name } = server.value.tun;
execFileSync("ip", ["addr", "add", SERVER_ADDRESS, "peer", CLIENT_ADDRESS, "dev", name]);
execFileSync("ip", ["link", "set", name, "mtu", values.mtu, "up"]);

const stop = () => server.value.close();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
log("ready");
await server.value.ended;
log(`stats ${JSON.stringify(server.value.stats())}`);
