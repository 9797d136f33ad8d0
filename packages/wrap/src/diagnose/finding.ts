/**
 * A diagnose finding and what every check shares to write one: the ids and titles of the checklist's findings, the
 * constructors that leave out empty fields, and the shape of a check (a rule).
 */
import type { Observations } from "./observations.js";

export type FindingStatus = "ok" | "warn" | "fail" | "skip";

export type FindingId =
  | "tcp-1723"
  | "control-connection"
  | "gre-return"
  | "icmp-unreachable"
  | "nat"
  | "cgnat"
  | "path-mtu"
  | "relay"
  | "relay-gre"
  | "verdict";

export interface Finding {
  readonly id: FindingId;
  readonly status: FindingStatus;
  readonly title: string;
  /** What was seen, in plain words. */
  readonly detail: string;
  /** What to do about it. */
  readonly fix?: string;
  readonly data?: Readonly<Record<string, string | number | boolean>>;
}

/** One check: its findings once everything it reads is final, undefined while an observation is still missing. */
export type Rule = (o: Observations, earlier: readonly Finding[]) => readonly Finding[] | undefined;

export const TITLES: Readonly<Record<Exclude<FindingId, "relay" | "relay-gre">, string>> = {
  "tcp-1723": "TCP 1723 (the PPTP control channel)",
  "control-connection": "PPTP control connection and call",
  "gre-return": "GRE (IP protocol 47) coming back",
  "icmp-unreachable": "ICMP unreachable for GRE",
  nat: "NAT between this computer and the internet",
  cgnat: "Carrier-grade NAT",
  "path-mtu": "Path MTU, tunnel MTU and TCP MSS",
  verdict: "Verdict",
};

export function finding(
  id: FindingId,
  status: FindingStatus,
  title: string,
  detail: string,
  fix?: string,
  data?: Finding["data"],
): Finding {
  return {
    id,
    status,
    title,
    detail,
    ...(fix === undefined ? {} : { fix }),
    ...(data === undefined ? {} : { data }),
  };
}

export function skip(id: FindingId, title: string, why: string, fix?: string): Finding {
  return finding(id, "skip", title, why, fix);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
