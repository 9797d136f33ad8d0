/**
 * The field guide's troubleshooting checklist as findings, pure: observations in, ordered findings out, each in
 * plain words with the fix the guide gives. A check whose precondition failed is "skip" and says why, so the
 * reader's eye lands on the first real failure.
 *
 * Rules run in order; each returns undefined while an observation it reads is still missing. `settledFindings`
 * (the runner's progress) is the prefix of rules that can already decide; `evaluate` is every rule, with what never
 * arrived reported as not measured. A rule only decides once everything it reads is final, so both always agree.
 *
 * This file only puts the checks in order; each group's rules and wording live in its own file (control-checks,
 * gre-checks, nat-checks, path-mtu-check, relay-checks, verdict), and what they share in finding.ts, fix-advice.ts
 * and call-progress.ts.
 */

import { controlConnection, tcp1723 } from "./control-checks.js";
import { type Finding, type FindingId, type Rule, skip, TITLES } from "./finding.js";
import { greReturn, icmpUnreachable } from "./gre-checks.js";
import { cgnat, nat } from "./nat-checks.js";
import type { Observations } from "./observations.js";
import { pathMtu } from "./path-mtu-check.js";
import { relays } from "./relay-checks.js";
import { verdict } from "./verdict.js";

/** Findings every rule can already decide, in checklist order, stopping at the first that cannot. */
export function settledFindings(o: Observations): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const decided = rule.evaluate(o, findings);
    if (decided === undefined) break;
    findings.push(...decided);
  }
  return findings;
}

/** The whole checklist; a check whose observation never arrived is "skip: not measured". */
export function evaluate(o: Observations): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    findings.push(
      ...(rule.evaluate(o, findings) ?? [
        skip(rule.id, rule.title, "Not measured: the probe did not finish in time."),
      ]),
    );
  }
  return findings;
}

const RULES: readonly { readonly id: FindingId; readonly title: string; readonly evaluate: Rule }[] = [
  { id: "tcp-1723", title: TITLES["tcp-1723"], evaluate: tcp1723 },
  { id: "control-connection", title: TITLES["control-connection"], evaluate: controlConnection },
  { id: "gre-return", title: TITLES["gre-return"], evaluate: greReturn },
  { id: "icmp-unreachable", title: TITLES["icmp-unreachable"], evaluate: icmpUnreachable },
  { id: "nat", title: TITLES.nat, evaluate: nat },
  { id: "cgnat", title: TITLES.cgnat, evaluate: cgnat },
  { id: "path-mtu", title: TITLES["path-mtu"], evaluate: pathMtu },
  { id: "relay", title: "Relay", evaluate: relays },
  { id: "verdict", title: TITLES.verdict, evaluate: verdict },
];
