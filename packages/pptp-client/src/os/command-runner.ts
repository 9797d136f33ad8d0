/** Runs one command without a shell: the only way the OS configuration touches the system besides files. */
import { execFile } from "node:child_process";

export type CommandOutcome =
  | { readonly ok: true; readonly stdout: string }
  | { readonly ok: false; readonly stderr: string; readonly errno?: string };

export type CommandRunner = (argv: readonly string[]) => Promise<CommandOutcome>;

const COMMAND_TIMEOUT_MS = 15_000;

/** execFile with the C locale, so that error messages are the English ones failure classification expects. */
export const execFileRunner: CommandRunner = (argv) =>
  new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { env: { ...process.env, LC_ALL: "C" }, timeout: COMMAND_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ ok: true, stdout });
        const errno = typeof error.code === "string" ? error.code : undefined;
        const why = stderr.trim() || error.message;
        resolve(errno === undefined ? { ok: false, stderr: why } : { ok: false, stderr: why, errno });
      },
    );
  });
