import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/diagnose/checklist.js";
import { findingsToJson, formatFinding, formatFindings } from "../../src/diagnose/format-findings.js";
import { GRE_SILENT } from "./observation-fixtures.js";

describe("formatFindings", () => {
  it("writes one block per finding: mark and title, what was seen, the fix", () => {
    const text = formatFinding({
      id: "gre-return",
      status: "fail",
      title: "GRE (IP protocol 47) coming back",
      detail: "No GRE came back.",
      fix: "Allow IP protocol 47.",
    });
    expect(text).toBe(
      "[FAIL] GRE (IP protocol 47) coming back\n       No GRE came back.\n       Fix: Allow IP protocol 47.",
    );
    expect(formatFinding({ id: "nat", status: "ok", title: "NAT", detail: "None." })).toBe(
      "[ ok ] NAT\n       None.",
    );
  });

  it("separates blocks with a blank line and marks every status differently", () => {
    const findings = evaluate(GRE_SILENT);
    const text = formatFindings(findings);
    expect(text.split("\n\n")).toHaveLength(findings.length);
    expect(text).toContain("[FAIL] GRE (IP protocol 47) coming back");
    expect(text).toContain("[warn] NAT between this computer and the internet");
    expect(text).toContain("Fix: ");
  });

  it("emits versioned JSON that round-trips the findings", () => {
    const findings = evaluate(GRE_SILENT);
    expect(JSON.parse(findingsToJson("vpn.example.net", findings))).toEqual({
      version: 1,
      server: "vpn.example.net",
      findings,
    });
  });
});
