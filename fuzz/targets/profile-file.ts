/**
 * Profile files (IT drops them into a system folder, or a user imports them): checkProfileText on any text. It
 * must never throw, whatever the JSON holds; a profile it accepts must be accepted again as it came out.
 */
import { checkProfileText } from "../../packages/profiles/dist/validate/validate-profile.js";
import { check } from "../lib/target.js";

export const maxLen = 4096;
export const packages = ["profiles"];
export const dictionary = [
  '"name"',
  '"server"',
  '"user"',
  '"mppe"',
  '"transport"',
  '"relay"',
  '"routes"',
  '"dns"',
  '"mtu"',
  '"locked"',
  '"$schema"',
  '"auth"',
  '"url"',
  '"token"',
  '"defaultRoute"',
  '"wss://relay.example.com/ferry"',
  '"10.1.0.0/16"',
  '"203.0.113.10"',
  '"vpn.example.com"',
  '"auto"',
  '"wrap"',
  '"direct"',
  '"128"',
  '"optional"',
  "true",
  "false",
  "null",
  "1e309",
  "-0",
  "{}",
  "[]",
  '"__proto__"',
  '"constructor"',
  "\uFEFF",
].map((t) => new TextEncoder().encode(t));

export function fuzz(data: Uint8Array): void {
  const text = new TextDecoder().decode(data);
  const result = checkProfileText(text);
  if (!result.ok) return;
  const again = checkProfileText(JSON.stringify(result.profile));
  check(
    again.ok,
    `an accepted profile is refused once re-serialised: ${again.ok ? "" : JSON.stringify(again.problems)}`,
  );
}
