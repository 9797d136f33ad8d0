/**
 * Who may open the API socket: the kernel checks the socket file's owner, group and mode on connect(), so the
 * service only has to give the file the right ones. A group (default "ferry") gets 0660; without a group that
 * exists, 0600 leaves root (or the configured user) alone.
 */
import { execFile } from "node:child_process";

export interface SocketAccessSpec {
  /** Members of this group may connect. */
  readonly group?: string;
  /** This user owns the socket (a per-user service). */
  readonly user?: string;
}

/** The owner, group and mode the socket file gets. */
export interface SocketAccess {
  readonly uid: number;
  readonly gid: number;
  readonly mode: 0o660 | 0o600;
  /** What the access means, for the service's log. */
  readonly description: string;
}

/** Looks up one entry of an NSS database ("group", "passwd"): its line, or undefined when there is none. */
export type NssLookup = (database: "group" | "passwd", name: string) => Promise<string | undefined>;

export const getent: NssLookup = (database, name) =>
  new Promise((resolve) => {
    execFile("getent", [database, name], { timeout: 5000 }, (error, stdout) =>
      resolve(error === null ? stdout.split("\n")[0] : undefined),
    );
  });

/** The numeric id in the third field of a group or passwd line ("name:x:ID:..."), or undefined. */
export function nssId(line: string | undefined, name: string): number | undefined {
  const fields = line?.split(":");
  if (fields === undefined || fields.length < 4 || fields[0] !== name) return undefined;
  const id = Number(fields[2]);
  return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** A passwd line's primary group (its fourth field). */
function primaryGid(line: string | undefined): number | undefined {
  const gid = Number(line?.split(":")[3]);
  return Number.isSafeInteger(gid) && gid >= 0 ? gid : undefined;
}

/**
 * Resolves names to ids. A user that does not exist is an error (a per-user service for nobody is a mistake); a
 * group that does not exist narrows access to the owner, as the README promises.
 */
export async function resolveSocketAccess(
  spec: SocketAccessSpec,
  self: { readonly uid: number; readonly gid: number },
  lookup: NssLookup = getent,
): Promise<SocketAccess | { readonly error: string }> {
  let uid = self.uid;
  let gid = self.gid;
  let owner = "root";
  if (spec.user !== undefined) {
    const line = await lookup("passwd", spec.user);
    const id = nssId(line, spec.user);
    if (id === undefined) return { error: `There is no user "${spec.user}".` };
    uid = id;
    gid = primaryGid(line) ?? gid;
    owner = `user ${spec.user}`;
  }
  if (spec.group === undefined) return { uid, gid, mode: 0o600, description: `${owner} only` };
  const groupId = nssId(await lookup("group", spec.group), spec.group);
  if (groupId === undefined)
    return { uid, gid, mode: 0o600, description: `${owner} only (there is no group "${spec.group}")` };
  return { uid, gid: groupId, mode: 0o660, description: `${owner} and the members of group ${spec.group}` };
}
