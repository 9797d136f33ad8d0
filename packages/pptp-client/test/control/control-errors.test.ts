import { describe, expect, it } from "vitest";
import {
  callDisconnectedError,
  callRejectedError,
  controlRejectedError,
  serverStoppedError,
} from "../../src/control/control-errors.js";
import {
  CALL_DISCONNECT_RESULTS,
  GENERAL_ERRORS,
  OUTGOING_CALL_RESULTS,
  START_CONTROL_RESULTS,
  STOP_REASONS,
} from "../../src/control/result-codes.js";

describe("control result codes", () => {
  it("names every RFC 2637 code", () => {
    expect([...START_CONTROL_RESULTS.keys()]).toEqual([2, 3, 4, 5]);
    expect([...OUTGOING_CALL_RESULTS.keys()]).toEqual([2, 3, 4, 5, 6, 7]);
    expect([...CALL_DISCONNECT_RESULTS.keys()]).toEqual([1, 2, 3, 4]);
    expect([...STOP_REASONS.keys()]).toEqual([1, 2, 3]);
    expect([...GENERAL_ERRORS.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it.each([...GENERAL_ERRORS])(
    "names general error %d in the message, with the codes in detail",
    (code, name) => {
      for (const error of [controlRejectedError(2, code), callRejectedError(2, code, 0)]) {
        expect(error.message).toContain(name);
        expect(error.detail).toMatchObject({ resultCode: 2, errorCode: code });
      }
    },
  );

  it("writes one sentence and a hint for every code, known or not", () => {
    const errors = [
      ...[1, 2, 3, 4, 5, 6, 200].map((r) => controlRejectedError(r, 0)),
      ...[0, 2, 3, 4, 5, 6, 7, 8].map((r) => callRejectedError(r, 0, 0)),
      ...[0, 1, 2, 3, 4, 5].map((r) => callDisconnectedError(r, 0, 0, "")),
      ...[0, 1, 2, 3, 4].map((r) => serverStoppedError(r)),
    ];
    for (const error of errors) {
      expect(error.message).toMatch(/^The PPTP server [^\n]*\.$/);
      expect(error.hint.length).toBeGreaterThan(20);
    }
  });

  it("keeps the server's text to one bounded printable line", () => {
    const error = callDisconnectedError(1, 0, 0, `\u0000\r\n${"x".repeat(300)}`);
    expect(error.message).toBe(
      `The PPTP server hung up the call: lost carrier (the server says "${"x".repeat(100)}").`,
    );
    expect(callDisconnectedError(1, 0, 0, "\u0000\u0000").detail).not.toHaveProperty("callStatistics");
  });
});
