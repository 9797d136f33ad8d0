/**
 * The renderer's origin and Content-Security-Policy. The page loads from a privileged custom scheme rather than
 * file:// (Electron's security checklist: file:// pages can read any file and share one origin), and may load
 * nothing but its own files.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";

export const APP_SCHEME = "ferry-app";
export const APP_ORIGIN = `${APP_SCHEME}://ui`;
export const APP_START_URL = `${APP_ORIGIN}/renderer/index.html`;

/** The policy in the page's meta tag (index.html must match; a test checks). */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'";

/** The header adds what a meta tag cannot carry. */
export const HEADER_CONTENT_SECURITY_POLICY = `${PAGE_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/**
 * The file an app URL names inside the renderer folder, or undefined for anything else: another scheme or host, or
 * a path that climbs out of the folder.
 */
export function appFilePath(rendererRoot: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (`${parsed.protocol}//${parsed.host}` !== APP_ORIGIN) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes("\0")) return undefined;
  const file = resolve(rendererRoot, `.${pathname}`);
  const inside = relative(rendererRoot, file);
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside))
    return undefined;
  return file;
}

/** Only the app's own pages (and devtools) may be requested: no remote content, ever. */
export function allowedRequest(url: string): boolean {
  return url.startsWith(`${APP_ORIGIN}/`) || url.startsWith("devtools://");
}
