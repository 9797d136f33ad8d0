import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  APP_START_URL,
  allowedRequest,
  appFilePath,
  HEADER_CONTENT_SECURITY_POLICY,
  PAGE_CONTENT_SECURITY_POLICY,
} from "../src/main/content-security.js";

const ROOT = "/opt/Ferry/resources/app/dist/renderer";

describe("appFilePath", () => {
  it("maps the app's URLs into the renderer folder", () => {
    expect(appFilePath(ROOT, APP_START_URL)).toBe(`${ROOT}/renderer/index.html`);
    expect(appFilePath(ROOT, "ferry-app://ui/shared/format.js?x=1")).toBe(`${ROOT}/shared/format.js`);
  });

  it("never names a file outside the folder, however the path climbs", () => {
    for (const url of [
      "ferry-app://ui/../../../etc/passwd",
      "ferry-app://ui/%2e%2e/%2e%2e/etc/passwd",
      "ferry-app://ui/renderer/..%2f..%2f..%2fetc%2fpasswd",
      "ferry-app://ui/renderer/%2e%2e%5c..%5cetc",
    ]) {
      const file = appFilePath(ROOT, url);
      expect(file === undefined || file.startsWith(`${ROOT}/`), `${url} -> ${file}`).toBe(true);
    }
    expect(appFilePath(ROOT, "ferry-app://ui/renderer/..%2f..%2f..%2fetc%2fpasswd")).toBeUndefined();
  });

  it("refuses other origins and malformed paths", () => {
    for (const url of [
      "ferry-app://ui/%00",
      "ferry-app://ui/",
      "ferry-app://other/renderer/index.html",
      "file:///etc/passwd",
      "https://example.com/renderer/index.html",
      "ferry-app://ui/%E0%A4%A",
      "not a url",
    ]) {
      expect(appFilePath(ROOT, url), url).toBeUndefined();
    }
  });
});

describe("allowedRequest", () => {
  it("lets only the app's own pages load", () => {
    expect(allowedRequest(APP_START_URL)).toBe(true);
    expect(allowedRequest("https://example.com/")).toBe(false);
    expect(allowedRequest("ferry-app://uix/")).toBe(false);
    expect(allowedRequest("file:///etc/passwd")).toBe(false);
  });
});

describe("the Content-Security-Policy", () => {
  it("is the same in the page's meta tag as in the code", () => {
    const html = readFileSync(join(import.meta.dirname, "..", "src", "renderer", "index.html"), "utf8");
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];
    expect(meta).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(HEADER_CONTENT_SECURITY_POLICY.startsWith(PAGE_CONTENT_SECURITY_POLICY)).toBe(true);
  });

  it("allows no inline script, no eval and nothing remote", () => {
    expect(PAGE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|data:|\*/);
    expect(PAGE_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(HEADER_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it("has no inline script in the page", () => {
    const html = readFileSync(join(import.meta.dirname, "..", "src", "renderer", "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });
});
