/** The diagnose report: each finding with its mark, what was seen, and the fix. */
import type { BridgeResult } from "../shared/bridge.js";
import type { Finding, FindingStatus } from "../shared/service-api.js";
import { byId, el } from "./dom.js";

const MARKS: Readonly<Record<FindingStatus, string>> = { ok: "✓", warn: "!", fail: "✗", skip: "–" };
const STATUS_WORDS: Readonly<Record<FindingStatus, string>> = {
  ok: "ok",
  warn: "warning",
  fail: "failed",
  skip: "skipped",
};

export function showDiagnosing(profileName: string): void {
  const section = byId<HTMLElement>("diagnose");
  section.hidden = false;
  section.dataset.phase = "running";
  byId("diagnose-title").textContent = `Diagnosis of ${profileName}`;
  byId("diagnose-findings").replaceChildren(
    el("li", { class: "running" }, "Running the checks… (up to a minute)"),
  );
}

export function showFindings(result: BridgeResult<readonly Finding[]>): void {
  byId<HTMLElement>("diagnose").dataset.phase = "done";
  byId<HTMLOListElement>("diagnose-findings").replaceChildren(
    ...(result.ok
      ? result.value.map(findingItem)
      : [el("li", { class: "finding fail" }, `${result.error.message} ${result.error.hint}`)]),
  );
}

function findingItem(finding: Finding): HTMLElement {
  return el(
    "li",
    {
      class: `finding ${finding.status}${finding.id === "verdict" ? " verdict" : ""}`,
      "data-finding": finding.id,
    },
    el(
      "span",
      { class: "mark", role: "img", "aria-label": STATUS_WORDS[finding.status] },
      MARKS[finding.status],
    ),
    el(
      "div",
      { class: "body" },
      el("h4", {}, finding.title),
      el("p", {}, finding.detail),
      finding.fix !== undefined && el("p", { class: "fix" }, el("strong", {}, "Fix: "), finding.fix),
    ),
  );
}
