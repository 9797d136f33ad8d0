import { type FerryError, ferryError } from "@ferry/pptp-client";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";

/** Reads the password from standard input: all of it, less one trailing newline (`echo pass | ferry ...`). */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream): Promise<IoResult<string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  return password.length > 0 ? opened(password) : failed(noPassword("standard input was empty"));
}

/** Asks on the terminal without echoing what is typed. */
export function promptPassword(prompt: string): Promise<IoResult<string>> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) return Promise.resolve(failed(noPassword("standard input is not a terminal")));
  return new Promise((resolve) => {
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = "";
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n" || char === "\u0004") return done(opened(typed));
        if (char === "\u0003") return done(failed(noPassword("cancelled")));
        typed = char === "\u007f" ? typed.slice(0, -1) : typed + char;
      }
    };
    const done = (result: IoResult<string>) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write("\n");
      resolve(result);
    };
    stdin.on("data", onData);
  });
}

function noPassword(why: string): FerryError {
  return ferryError(
    "USAGE",
    `No password was given (${why}).`,
    "Type it when asked, or pipe it in with --password-stdin.",
  );
}
