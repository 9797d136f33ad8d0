import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeResponse, parseRequest, parseServiceLine, UNKNOWN_REQUEST_ID } from "../../src/api/codec.js";
import { LineReader } from "../../src/api/line-reader.js";

describe("parseRequest", () => {
  it("reads each method with its fields", () => {
    expect(parseRequest('{"id":1,"method":"hello","version":1}')).toEqual({
      ok: true,
      request: { id: 1, method: "hello", version: 1 },
    });
    for (const method of ["status", "list-profiles", "disconnect", "subscribe"])
      expect(parseRequest(JSON.stringify({ id: 7, method }))).toEqual({
        ok: true,
        request: { id: 7, method },
      });
    expect(
      parseRequest(
        '{"id":2,"method":"connect","profileId":"work","secrets":{"password":"pw","relayToken":"t"}}',
      ),
    ).toEqual({
      ok: true,
      request: { id: 2, method: "connect", profileId: "work", secrets: { password: "pw", relayToken: "t" } },
    });
    expect(parseRequest('{"id":3,"method":"diagnose","profileId":"work"}')).toEqual({
      ok: true,
      request: { id: 3, method: "diagnose", profileId: "work" },
    });
  });

  it("rebuilds requests: fields a client adds are not passed on", () => {
    const parsed = parseRequest('{"id":1,"method":"status","__proto__":{"x":1},"extra":true}');
    expect(parsed).toEqual({ ok: true, request: { id: 1, method: "status" } });
  });

  it("answers an unknown method with API_BAD_REQUEST and the request's id, keeping the connection", () => {
    const parsed = parseRequest('{"id":9,"method":"format-disk"}');
    expect(parsed).toMatchObject({ ok: false, id: 9, fatal: false, error: { code: "API_BAD_REQUEST" } });
  });

  it("refuses wrong shapes per method", () => {
    const bad = [
      '{"id":1,"method":"hello"}',
      '{"id":1,"method":"connect","profileId":"w"}',
      '{"id":1,"method":"connect","profileId":"w","secrets":{"password":5}}',
      '{"id":1,"method":"connect","profileId":"w","secrets":{"password":"p","relayToken":null}}',
      '{"id":1,"method":"connect","profileId":"","secrets":{"password":"p"}}',
      `{"id":1,"method":"diagnose","profileId":"${"x".repeat(300)}"}`,
      '{"id":-1,"method":"status"}',
      '{"id":1.5,"method":"status"}',
      '{"method":"status"}',
    ];
    for (const line of bad)
      expect(parseRequest(line)).toMatchObject({ ok: false, error: { code: "API_BAD_REQUEST" } });
  });

  it("calls a line that is not a JSON object fatal, answered with the unknown id", () => {
    for (const line of ["nonsense", "[1,2]", "null", "42", '"str"'])
      expect(parseRequest(line)).toMatchObject({ ok: false, id: UNKNOWN_REQUEST_ID, fatal: true });
  });

  it("never repeats a secret in its error", () => {
    const parsed = parseRequest(
      '{"id":1,"method":"connect","profileId":"w","secrets":{"password":"hunter2","relayToken":7}}',
    );
    expect(JSON.stringify(parsed)).not.toContain("hunter2");
  });

  it("never throws, whatever the line", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((b) => Buffer.from(b).toString("utf8")),
        ),
        (line) => {
          const parsed = parseRequest(line);
          expect(typeof parsed.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never throws on JSON objects with a known method and random fields", () => {
    const methods = ["hello", "status", "list-profiles", "connect", "disconnect", "diagnose", "subscribe"];
    fc.assert(
      fc.property(
        fc.constantFrom(...methods),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.jsonValue(),
        (method, extra, id) => {
          parseRequest(JSON.stringify({ ...extra, id, method }));
        },
      ),
    );
  });
});

describe("parseServiceLine", () => {
  it("tells responses from events and rejects the rest without throwing", () => {
    expect(parseServiceLine(encodeResponse({ id: 1, ok: true, result: [] }))).toMatchObject({
      kind: "response",
    });
    expect(parseServiceLine('{"event":"profiles-changed"}')).toMatchObject({ kind: "event" });
    expect(parseServiceLine('{"id":1,"ok":false,"error":{"code":"X"}}')).toEqual({ kind: "invalid" });
    fc.assert(fc.property(fc.string(), (line) => void parseServiceLine(line)));
  });
});

describe("LineReader", () => {
  it("splits lines across chunks", () => {
    const reader = new LineReader(100);
    expect(reader.push(Buffer.from('{"a"'))).toEqual({ ok: true, lines: [] });
    expect(reader.push(Buffer.from(":1}\n{}\npartial"))).toEqual({ ok: true, lines: ['{"a":1}', "{}"] });
    expect(reader.push(Buffer.from("\n"))).toEqual({ ok: true, lines: ["partial"] });
  });

  it("keeps a UTF-8 character split over two chunks whole", () => {
    const reader = new LineReader(100);
    const bytes = Buffer.from("é\n");
    reader.push(bytes.subarray(0, 1));
    expect(reader.push(bytes.subarray(1))).toEqual({ ok: true, lines: ["é"] });
  });

  it("gives up on a line over the limit, with or without a newline, and stays spent", () => {
    const reader = new LineReader(10);
    expect(reader.push(Buffer.from("ok\n01234567890"))).toEqual({ ok: false, lines: ["ok"] });
    expect(reader.push(Buffer.from("\n{}\n"))).toEqual({ ok: false, lines: [] });
    expect(new LineReader(10).push(Buffer.from("0123456789A\n"))).toEqual({ ok: false, lines: [] });
    expect(new LineReader(10).push(Buffer.from("0123456789\n"))).toEqual({ ok: true, lines: ["0123456789"] });
  });

  it("never throws on random chunks and never returns a line over the limit", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 })), (chunks) => {
        const reader = new LineReader(32);
        for (const chunk of chunks)
          for (const line of reader.push(chunk).lines)
            expect(Buffer.byteLength(line)).toBeLessThanOrEqual(32 * 3);
      }),
    );
  });
});
