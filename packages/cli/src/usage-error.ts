import { type FerryError, ferryError } from "@ferry/pptp-client";

/** A command-line mistake: the sentence names it, the hint points at the command's help. */
export function usageError(sentence: string, command = "connect"): FerryError {
  return ferryError("USAGE", sentence, `Run \`ferry ${command} --help\` for the options.`);
}
