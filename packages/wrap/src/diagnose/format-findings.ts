/** The findings for people (one block each: mark, title, what was seen, the fix) and for programs (JSON). */
import type { Finding, FindingStatus } from "./finding.js";

const MARKS: Readonly<Record<FindingStatus, string>> = {
  ok: "[ ok ]",
  warn: "[warn]",
  fail: "[FAIL]",
  skip: "[skip]",
};
const INDENT = " ".repeat(MARKS.ok.length + 1);

export function formatFinding(finding: Finding): string {
  const lines = [`${MARKS[finding.status]} ${finding.title}`, `${INDENT}${finding.detail}`];
  if (finding.fix !== undefined) lines.push(`${INDENT}Fix: ${finding.fix}`);
  return lines.join("\n");
}

/** Blocks separated by a blank line. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map(formatFinding).join("\n\n");
}

/** `ferry diagnose --json`: versioned so scripts can rely on the shape. */
export function findingsToJson(server: string, findings: readonly Finding[]): string {
  return JSON.stringify({ version: 1, server, findings }, null, 2);
}
