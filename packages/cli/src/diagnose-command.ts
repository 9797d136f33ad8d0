/**
 * `ferry diagnose`: the field guide's troubleshooting checklist against a server (and relays), each finding in plain
 * words with its fix, printed as it is decided.
 */
import { parseArgs } from "node:util";
import type { FerryError } from "@ferry/pptp-client";
import {
  findingsToJson,
  formatFinding,
  probeRelay,
  runDiagnosis,
  systemProbes,
  type TlsTrust,
} from "@ferry/wrap";
import { readRelayToken, trustFrom } from "./relay-options.js";
import { usageError } from "./usage-error.js";

export const DIAGNOSE_USAGE = `Usage: ferry diagnose --server HOST [--relay URL ...] [--relay-token-file FILE]
                      [--relay-ca FILE | --relay-fingerprint SHA256] [--json]

Runs the PPTP troubleshooting checklist (as root for the GRE checks): TCP 1723, the control connection, GRE coming
back, ICMP unreachables, NAT and carrier-grade NAT, the path MTU and the tunnel MTU and MSS to use, and each relay.
  --server HOST       the PPTP server (name or IPv4 address)
  --relay URL         a Ferry relay to test (repeatable), wss://HOST[:PORT][/PATH]
  --relay-token-file FILE   the relay token (without it the relay is only checked up to its refusal)
  --relay-ca FILE | --relay-fingerprint SHA256   how to trust the relay's certificate (default: the system's CAs)
  --json              one JSON document instead of sentences`;

export interface DiagnosePlan {
  readonly server: string;
  readonly relays: readonly string[];
  readonly tokenFile?: string;
  readonly trust: TlsTrust;
  readonly json: boolean;
}

export function parseDiagnoseArgs(args: readonly string[]): DiagnosePlan | FerryError {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(args).values;
  } catch (error) {
    return usageError((error as Error).message, "diagnose");
  }
  if (values.server === undefined) return usageError("--server is required.", "diagnose");
  const trust = trustFrom(values["relay-ca"], values["relay-fingerprint"]);
  if ("code" in trust) return trust;
  const tokenFile = values["relay-token-file"];
  return {
    server: values.server,
    relays: values.relay ?? [],
    ...(tokenFile === undefined ? {} : { tokenFile }),
    trust,
    json: values.json ?? false,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      server: { type: "string" },
      relay: { type: "string", multiple: true },
      "relay-token-file": { type: "string" },
      "relay-ca": { type: "string" },
      "relay-fingerprint": { type: "string" },
      json: { type: "boolean" },
    },
  });
}

/** Exit status 0 when the verdict is not a failure, 1 when it is, 2 for a usage mistake. */
export async function runDiagnose(plan: DiagnosePlan, write: (text: string) => void): Promise<number> {
  let token = "";
  if (plan.tokenFile !== undefined) {
    const read = await readRelayToken(plan.tokenFile);
    if (!read.ok) {
      write(`Error [${read.error.code}]: ${read.error.message}\n  Try: ${read.error.hint}`);
      return 2;
    }
    token = read.value;
  }
  if (!plan.json) write(`Diagnosing ${plan.server} ...\n`);
  const findings = await runDiagnosis(
    { server: plan.server, relays: plan.relays },
    systemProbes(probeRelay({ server: plan.server, token, trust: plan.trust })),
    plan.json ? undefined : (finding) => write(`${formatFinding(finding)}\n`),
  );
  if (plan.json) write(findingsToJson(plan.server, findings));
  const verdict = findings.find((f) => f.id === "verdict");
  return verdict?.status === "fail" ? 1 : 0;
}
