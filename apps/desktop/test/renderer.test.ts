/**
 * The renderer in headless Chromium against a service: by default the in-process fake ferryd; with FERRY_SOCKET
 * set, the real ferryd at that socket (FERRY_TEST_PROFILE names the profile to connect, FERRY_TEST_PASSWORD its
 * password). Screenshots of each state go to artifacts/screenshots/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../scripts/chromium.js";
import { createBridgeHandler } from "../src/main/bridge-handler.js";
import type { ServiceClient } from "../src/shared/service-api.js";
import { BRIDGE_CLIENT_SCRIPT, type BridgeServer, startBridgeServer } from "./support/bridge-server.js";
import { APP_DIR, buildRenderer, RENDERER_ROOT } from "./support/build-renderer.js";
import { type FakeService, fakeService } from "./support/fake-service.js";
import { memoryKeychain } from "./support/memory-keychain.js";

const SCREENSHOTS = join(APP_DIR, "..", "..", "artifacts", "screenshots");
const REAL_SOCKET = process.env.FERRY_SOCKET;
const PROFILE_ID = REAL_SOCKET === undefined ? "office" : (process.env.FERRY_TEST_PROFILE ?? "office");
const PASSWORD =
  REAL_SOCKET === undefined ? "correct horse battery" : (process.env.FERRY_TEST_PASSWORD ?? "");
/** The fake fails the login for this password; a real server rejects it too. */
const WRONG_PASSWORD = "wrong";
/** Generous: a real connect through the lab, or a slow CI machine. Waits end as soon as the page gets there. */
const WAIT_MS = 60_000;

async function serviceUnderTest(): Promise<{ client: ServiceClient; fake?: FakeService }> {
  if (REAL_SOCKET === undefined) {
    const fake = fakeService({ tickMs: 100 });
    return { client: fake, fake };
  }
  const { connectService } = await import("@ferry/service");
  return { client: await connectService(REAL_SOCKET) };
}

describe("the renderer against a service", { timeout: 180_000 }, () => {
  let browser: Browser;
  let page: Page;
  let server: BridgeServer;
  let client: ServiceClient;
  let fake: FakeService | undefined;
  const keychain = memoryKeychain();
  const consoleErrors: string[] = [];
  const passwordAccount = () =>
    [...keychain.entries().keys()].find(
      (key) => key.startsWith(`ferry/${PROFILE_ID}:`) && key.endsWith(":password"),
    );

  const shoot = async (name: string) => {
    await page.screenshot({ path: join(SCREENSHOTS, `desktop-${name}.png`), fullPage: true });
  };
  const profileCard = (id: string) => page.locator(`article.profile[data-profile-id="${id}"]`);
  const waitForState = (selector: string) => page.waitForSelector(`#status${selector}`, { timeout: WAIT_MS });

  beforeAll(async () => {
    await Promise.all([buildRenderer(), mkdir(SCREENSHOTS, { recursive: true })]);
    ({ client, fake } = await serviceUnderTest());
    const handler = createBridgeHandler({ client, keychain });
    server = await startBridgeServer({ rendererRoot: RENDERER_ROOT, handler, client });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    await context.addInitScript(BRIDGE_CLIENT_SCRIPT);
    page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    page.on("response", (response) => {
      if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(server.pageUrl);
    await page.waitForSelector("body[data-ready=true]");
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    client?.close();
  });

  it("lists the profiles, marks IT's with its locked fields, and notes the legacy crypto once", async () => {
    await expect(profileCard(PROFILE_ID).count()).resolves.toBe(1);
    expect(await page.locator("#legacy-note").isVisible()).toBe(true);
    if (fake !== undefined) {
      const hq = profileCard("hq");
      expect(await hq.locator(".badge.managed").textContent()).toBe("managed by IT");
      expect(await hq.locator('dd.locked[data-field="server"]').count()).toBe(1);
      expect(await hq.locator('dd[data-field="userName"]:not(.locked)').count()).toBe(1);
      expect(await hq.locator(".locks").textContent()).toContain("routes");
      expect(await profileCard("office").locator(".badge.managed").count()).toBe(0);
      expect(await profileCard("broken").locator("button.connect").isDisabled()).toBe(true);
      expect(await profileCard("broken").locator(".problems").textContent()).toContain("/server");
    }
    await shoot("01-profiles");
  });

  it("asks for the password, connects, and shows live figures", async () => {
    await profileCard(PROFILE_ID).locator("button.connect").click();
    await page.waitForSelector("#password-dialog[open]");
    await page.fill("#password-input", PASSWORD);
    await shoot("02-password-prompt");
    await page.click('#password-form button[value="connect"]');
    await waitForState('[data-state^="connected"]');
    // Live: the uptime keeps moving and enough readings arrive to draw the chart.
    await page.waitForFunction(
      () => Number.parseInt(document.querySelector('[data-figure="uptime"]')?.textContent ?? "0", 10) >= 12,
      undefined,
      { timeout: WAIT_MS },
    );
    expect(await page.locator('[data-figure="rtt"]').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.locator('[data-figure="rate-in"]').textContent()).toMatch(/bit\/s$/);
    expect(await page.locator("#log li").count()).toBeGreaterThan(0);
    expect(await profileCard(PROFILE_ID).locator("button.disconnect").isEnabled()).toBe(true);
    // The password went to the keychain once the service took it, and nowhere on the page.
    expect(keychain.entries().get(passwordAccount() ?? "")).toBe(PASSWORD);
    expect(await page.content()).not.toContain(PASSWORD);
    await shoot("03-connected");
    await page.emulateMedia({ colorScheme: "dark" });
    await shoot("03-connected-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("disconnects", async () => {
    await profileCard(PROFILE_ID).locator("button.disconnect").click();
    await waitForState('[data-state="disconnected"]');
    expect(await page.locator("#status-figures dd").count()).toBe(0);
    await profileCard(PROFILE_ID).locator("button.connect:enabled").waitFor();
    await shoot("04-disconnected");
  });

  it("shows the diagnose report with marks and fixes", async () => {
    await profileCard(PROFILE_ID).locator("button.diagnose").click();
    await page.waitForSelector('#diagnose[data-phase="done"]', { timeout: 120_000 });
    const findings = page.locator("#diagnose-findings li.finding");
    expect(await findings.count()).toBeGreaterThan(0);
    expect(await page.locator("li.finding.verdict").count()).toBe(1);
    if (fake !== undefined) {
      expect(await page.locator('li[data-finding="gre-return"] .mark').textContent()).toBe("✗");
      expect(await page.locator('li[data-finding="gre-return"] .fix').textContent()).toContain("protocol 47");
      expect(await page.locator('li[data-finding="tcp-1723"] .mark').textContent()).toBe("✓");
    }
    await shoot("05-diagnose");
  });

  it("forgets a password the server rejects, and asks again", async () => {
    const account = passwordAccount();
    await keychain.set("ferry", account?.slice("ferry/".length) ?? "", WRONG_PASSWORD);
    await profileCard(PROFILE_ID).locator("button.connect").click();
    await waitForState('[data-state="error"]');
    expect(await page.locator("#status-reason").textContent()).toMatch(/password/i);
    await expect.poll(() => keychain.entries().has(account ?? ""), { timeout: WAIT_MS }).toBe(false);
    await shoot("06-login-rejected");
    await profileCard(PROFILE_ID).locator("button.connect").click();
    await page.waitForSelector("#password-dialog[open]");
    await page.click('#password-form button[value="cancel"]');
    expect(await page.locator("#password-dialog[open]").count()).toBe(0);
    expect(await page.content()).not.toContain(PASSWORD);
  });

  it("keeps the legacy note dismissed", async () => {
    await page.click("#legacy-note-dismiss");
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.locator("#legacy-note").isVisible()).toBe(false);
  });

  it("ran without a script error or a Content-Security-Policy violation", () => {
    expect(consoleErrors).toEqual([]);
  });
});
