import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadDecisions, rememberInFile, saveDecisions } from "../../src/detect/decision-file.js";
import {
  DEFAULT_DECISION_TTL_MS,
  type Decisions,
  parseDecisions,
  recallDecision,
  rememberDecision,
  serializeDecisions,
} from "../../src/detect/decision-store.js";

const HOTEL = "gw=192.168.10.1;net=192.168.10.0/24";
const HOME = "gw=192.168.1.1;net=192.168.1.0/24";
const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2025, 0, 1);

describe("remembered decisions", () => {
  it("recalls a decision until its TTL (7 days by default) runs out", () => {
    const decisions = rememberDecision(new Map(), HOTEL, "wrap", T0);
    expect(DEFAULT_DECISION_TTL_MS).toBe(7 * DAY);
    expect(recallDecision(decisions, HOTEL, T0)).toBe("wrap");
    expect(recallDecision(decisions, HOTEL, T0 + 7 * DAY - 1)).toBe("wrap");
    expect(recallDecision(decisions, HOTEL, T0 + 7 * DAY)).toBeUndefined();
    expect(recallDecision(decisions, HOTEL, T0 + DAY, DAY)).toBeUndefined();
    expect(recallDecision(decisions, HOME, T0)).toBeUndefined();
  });

  it("forgets a decision dated in the future (the clock was set back)", () => {
    const decisions = rememberDecision(new Map(), HOTEL, "wrap", T0);
    expect(recallDecision(decisions, HOTEL, T0 - 1)).toBeUndefined();
  });

  it("replaces the network's decision, drops expired ones, and leaves the input alone", () => {
    const first = rememberDecision(new Map(), HOTEL, "wrap", T0);
    const second = rememberDecision(first, HOME, "direct", T0 + 8 * DAY);
    expect([...second.keys()]).toEqual([HOME]);
    expect(first.get(HOTEL)).toEqual({ transport: "wrap", decidedAt: T0 });
    const third = rememberDecision(second, HOME, "wrap", T0 + 9 * DAY);
    expect(third.get(HOME)).toEqual({ transport: "wrap", decidedAt: T0 + 9 * DAY });
  });

  it("reads the file format written by hand", () => {
    const text = `{
      "version": 1,
      "decisions": {
        "${HOTEL}": { "transport": "wrap", "decidedAt": ${T0} },
        "${HOME}": { "transport": "direct", "decidedAt": ${T0 + DAY} },
        "gw=10.0.0.1;net=10.0.0.0/8": { "transport": "carrier-pigeon", "decidedAt": ${T0} },
        "gw=10.0.0.2;net=10.0.0.0/8": { "transport": "wrap", "decidedAt": "yesterday" }
      }
    }`;
    const result = parseDecisions(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.value]).toEqual([
      [HOTEL, { transport: "wrap", decidedAt: T0 }],
      [HOME, { transport: "direct", decidedAt: T0 + DAY }],
    ]);
  });

  it("round-trips through its JSON text", () => {
    const decisions = rememberDecision(
      rememberDecision(new Map(), HOTEL, "wrap", T0),
      HOME,
      "direct",
      T0 + 1,
    );
    const result = parseDecisions(serializeDecisions(decisions));
    expect(result).toEqual({ ok: true, value: decisions });
  });

  it("refuses text that is not the format", () => {
    for (const text of [
      "",
      "{",
      "[]",
      "null",
      `{"version":2,"decisions":{}}`,
      `{"version":1,"decisions":[]}`,
    ]) {
      expect(parseDecisions(text).ok).toBe(false);
    }
  });

  it("never throws on arbitrary text or JSON", () => {
    const json = fc.jsonValue().map((value) => JSON.stringify(value));
    const wrapped = fc.jsonValue().map((decisions) => JSON.stringify({ version: 1, decisions }));
    fc.assert(
      fc.property(fc.oneof(fc.string(), json, wrapped), (text) => {
        parseDecisions(text);
      }),
    );
  });
});

describe("the decision file", () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "ferry-decisions-"));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("reads a missing file as nothing remembered", async () => {
    expect((await loadDecisions(join(folder, "absent.json"))).size).toBe(0);
  });

  it("saves and loads, creating the folder, and leaves no temporary file behind", async () => {
    const path = join(folder, "state", "transport-decisions.json");
    const decisions: Decisions = rememberDecision(new Map(), HOTEL, "wrap", T0);
    await saveDecisions(path, decisions);
    expect(await loadDecisions(path)).toEqual(decisions);
    expect(await readdir(join(folder, "state"))).toEqual(["transport-decisions.json"]);
  });

  it("ignores a damaged file and replaces it on the next write", async () => {
    const path = join(folder, "transport-decisions.json");
    await writeFile(path, '{"version":1,"decisions":{"gw=');
    expect((await loadDecisions(path)).size).toBe(0);
    await rememberInFile(path, HOME, "direct", T0);
    expect(parseDecisions(await readFile(path, "utf8"))).toEqual({
      ok: true,
      value: new Map([[HOME, { transport: "direct", decidedAt: T0 }]]),
    });
  });

  it("remembers on top of what the file holds", async () => {
    const path = join(folder, "transport-decisions.json");
    await rememberInFile(path, HOTEL, "wrap", T0);
    await rememberInFile(path, HOME, "direct", T0 + DAY);
    const decisions = await loadDecisions(path);
    expect(recallDecision(decisions, HOTEL, T0 + DAY)).toBe("wrap");
    expect(recallDecision(decisions, HOME, T0 + DAY)).toBe("direct");
  });

  it("rejects a save into a folder that cannot be created, leaving nothing behind", async () => {
    const blocker = join(folder, "file");
    await writeFile(blocker, "");
    await expect(saveDecisions(join(blocker, "decisions.json"), new Map())).rejects.toThrow();
    expect(await readdir(folder)).toEqual(["file"]);
  });
});
