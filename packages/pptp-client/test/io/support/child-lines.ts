/** JSON-lines messaging with a fixture process: the fixture prints one JSON object per line on stdout. */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

export interface FixtureMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Fixture side: prints one message. */
export function tell(message: FixtureMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Test side: collects a child's messages and waits for the next of a given type. */
export class ChildLines {
  private readonly messages: FixtureMessage[] = [];
  private readonly waiters: (() => void)[] = [];
  private stderr = "";
  private exited = false;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        this.messages.push(JSON.parse(line) as FixtureMessage);
      } catch {
        this.stderr += `${line}\n`;
      }
      this.wake();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    child.on("exit", () => {
      this.exited = true;
      this.wake();
    });
  }

  /** Sends one command line to the fixture's stdin. */
  send(command: string): void {
    this.child.stdin.write(`${command}\n`);
  }

  /** Ends the fixture's stdin (its cue to close and exit) and waits for it to exit; returns its exit code. */
  async finish(timeoutMs = 10_000): Promise<number | null> {
    this.child.stdin.end();
    const deadline = Date.now() + timeoutMs;
    while (!this.exited) {
      if (Date.now() >= deadline) throw new Error(`fixture did not exit within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.child.exitCode;
  }

  async next(type: string, timeoutMs = 10_000): Promise<FixtureMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((message) => message.type === type || message.type === "error");
      if (index >= 0) {
        const [message] = this.messages.splice(index, 1);
        if (message!.type === "error") throw new Error(`fixture failed: ${JSON.stringify(message)}`);
        return message!;
      }
      if (this.exited) throw new Error(`fixture exited before "${type}"; stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no "${type}" from fixture within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
