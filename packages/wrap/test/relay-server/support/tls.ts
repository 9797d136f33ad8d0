/** Self-signed certificates made with openssl for one test run, in a temp dir removed afterwards (never committed). */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestPki {
  /** The relay's certificate, for 127.0.0.1 and localhost. */
  readonly server: TestCertificate;
  /** A self-signed client certificate: the relay trusts it by using it as its client CA. */
  readonly client: TestCertificate;
  readonly dir: string;
  remove(): void;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "ferry-relay-test-"));
  const make = (name: string, subject: string, san: string): TestCertificate => {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    // biome-ignore format: the openssl command line as one would type it
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "36500",
      "-subj", subject, "-addext", `subjectAltName=${san}`, "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    return { cert: readFileSync(cert), key: readFileSync(key) };
  };
  return {
    server: make("relay", "/CN=localhost", "IP:127.0.0.1,DNS:localhost"),
    client: make("client", "/CN=ferry-client", "DNS:ferry-client"),
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
