/**
 * Runs the checklist: resolves the server, starts every probe at once (they touch different things, and the
 * slow ones, GRE's wait and the ping search, overlap), and hands each finding to `onFinding` as soon as it and
 * every finding before it are decided, so a person watching sees the checklist fill in from the top.
 */
import { evaluate, settledFindings } from "./checklist.js";
import type { Finding } from "./finding.js";
import type { Observations } from "./observations.js";
import type { DiagnoseProbes } from "./probes.js";

export interface DiagnoseOptions {
  /** Host name or IPv4 address of the PPTP server. */
  readonly server: string;
  /** Relay URLs to test (wss://…). */
  readonly relays: readonly string[];
  /**
   * The whole run's deadline (default 30 s); checks still waiting then are reported as not measured. The probes
   * end by themselves (each has its own timeouts), so nothing keeps running long after.
   */
  readonly timeoutMs?: number;
}

export const DEFAULT_DIAGNOSE_TIMEOUT_MS = 30_000;

export async function runDiagnosis(
  options: DiagnoseOptions,
  probes: DiagnoseProbes,
  onFinding?: (finding: Finding) => void,
): Promise<Finding[]> {
  let observations: Observations = { server: options.server };
  let finished = false;
  let shown = 0;
  const show = (findings: readonly Finding[]): void => {
    for (const finding of findings.slice(shown)) onFinding?.(finding);
    shown = Math.max(shown, findings.length);
  };
  const observe = (more: Partial<Observations>): void => {
    if (finished) return;
    observations = { ...observations, ...more };
    show(settledFindings(observations));
  };

  const work = (async () => {
    const resolved = await guard(probes.resolve(options.server), { error: "the lookup failed" });
    if ("error" in resolved) {
      observe({ tcp: { outcome: "unresolved", elapsedMs: 0, error: resolved.error } });
    } else {
      observe({ address: resolved.address });
    }
    const address = "address" in resolved ? resolved.address : undefined;
    await Promise.all([
      address === undefined ? undefined : guard(probes.pptp(address, observe), undefined),
      guard(probes.network(), undefined).then((network) => network && observe({ network })),
      address === undefined
        ? undefined
        : guard(probes.pathMtu(address), undefined).then((pathMtu) => pathMtu && observe({ pathMtu })),
      Promise.all(
        options.relays.map(async (url) => ({
          url,
          ...(await guard(probes.relay(url), { ok: false })),
        })),
      ).then((relays) => observe({ relays })),
    ]);
  })();

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, options.timeoutMs ?? DEFAULT_DIAGNOSE_TIMEOUT_MS);
  });
  await Promise.race([work, deadline]);
  clearTimeout(timer);
  finished = true;
  const findings = evaluate(observations);
  show(findings);
  return findings;
}

/** A probe that breaks its promise not to reject still must not take the diagnosis down. */
async function guard<T, F>(promise: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await promise;
  } catch {
    return fallback;
  }
}
