/**
 * The checks a JSON Schema cannot express: real IPv4 values, a usable relay URL, locked paths that name a field.
 * They read the document defensively (it may not have passed the schema), and never echo a value that could be
 * a secret.
 */
import { posix, win32 } from "node:path";
import { formatIpv4, parseCidr, parseIpv4 } from "@ferry/pptp-client/wire";
import type { ProfileProblem } from "../profile.js";
import { isPlainObject, valueAt } from "./json-pointer.js";

export function semanticProblems(document: unknown, fieldPaths: ReadonlySet<string>): ProfileProblem[] {
  return [
    ...serverProblems(valueAt(document, ["server"])),
    ...routeProblems(valueAt(document, ["routes"])),
    ...relayProblems(valueAt(document, ["transport", "relay"])),
    ...lockedProblems(valueAt(document, ["locked"]), fieldPaths),
  ];
}

function serverProblems(server: unknown): ProfileProblem[] {
  // "hostname" accepts any dotted digits; digits only are meant as an address, so they must be one.
  if (typeof server === "string" && /^[\d.]+$/.test(server) && parseIpv4(server) === undefined)
    return [
      {
        path: "/server",
        message: "is not an IPv4 address: four numbers from 0 to 255, such as 203.0.113.10",
      },
    ];
  return [];
}

function routeProblems(routes: unknown): ProfileProblem[] {
  if (!Array.isArray(routes)) return [];
  return routes.flatMap((route, index): ProfileProblem[] => {
    if (typeof route !== "string") return [];
    const path = `/routes/${index}`;
    const cidr = parseCidr(route);
    if (cidr === undefined)
      return [
        {
          path,
          message: "is not an IPv4 CIDR: an address and a prefix length from 0 to 32, such as 10.1.0.0/16",
        },
      ];
    const network = `${formatIpv4(cidr.network)}/${cidr.prefix}`;
    if (cidr.prefix === 0) return [{ path, message: 'covers everything: write "routes": "default" instead' }];
    if (network !== route) return [{ path, message: `has host bits set: write ${network}` }];
    return [];
  });
}

function relayProblems(relay: unknown): ProfileProblem[] {
  if (!isPlainObject(relay)) return [];
  const problems: ProfileProblem[] = [];
  if (typeof relay.url === "string") {
    const message = relayUrlProblem(relay.url);
    if (message !== undefined) problems.push({ path: "/transport/relay/url", message });
  }
  if (typeof relay.caFile === "string" && !posix.isAbsolute(relay.caFile) && !win32.isAbsolute(relay.caFile))
    problems.push({
      path: "/transport/relay/caFile",
      message: "must be an absolute path: the service reads it",
    });
  return problems;
}

function relayUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL: write it as wss://HOST[:PORT][/PATH]";
  }
  if (url.protocol !== "wss:") return "must start with wss://: the relay is only reached over TLS";
  if (url.username !== "" || url.password !== "")
    return "must not carry a user name or password: the relay token lives in the keychain";
  if (url.hostname === "") return "has no host: write it as wss://HOST[:PORT][/PATH]";
  if (url.hash !== "") return "must not have a #fragment";
  return undefined;
}

function lockedProblems(locked: unknown, fieldPaths: ReadonlySet<string>): ProfileProblem[] {
  if (!Array.isArray(locked)) return [];
  return locked.flatMap((path, index): ProfileProblem[] =>
    typeof path === "string" && /^(\/[A-Za-z0-9]+)+$/.test(path) && !fieldPaths.has(path)
      ? [
          {
            path: `/locked/${index}`,
            message: "names no field of a profile (paths look like /server or /transport/mode)",
          },
        ]
      : [],
  );
}
