// compactPrivateKey: an unencrypted OpenSSH Ed25519 key becomes the same key in PKCS#8; any other key stays as given.
import { execFileSync } from "child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "crypto";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { compactPrivateKey } from "../../components/bootstrap/sshKey";

let dir: string;
/** A key made by ssh-keygen: [private key file, public key blob]. */
const keygen = (name: string, ...args: string[]): [string, Buffer] => {
  execFileSync("ssh-keygen", ["-q", "-N", "", "-C", "test", ...args, "-f", join(dir, name)]);
  return [readFileSync(join(dir, name), "utf8"), Buffer.from(readFileSync(join(dir, `${name}.pub`), "utf8").split(" ")[1], "base64")];
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "edge-ssh-key-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("an OpenSSH Ed25519 key → the same key in PKCS#8 PEM, a third of the length", () => {
  const [key, blob] = keygen("ed", "-t", "ed25519");
  const compact = compactPrivateKey(key);
  expect(compact).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]{64}\n-----END PRIVATE KEY-----\n$/);
  expect(compact.length).toBeLessThan(key.length / 3);
  // The same public key as ssh-keygen's .pub (its blob ends with the 32 key bytes).
  const publicKey = createPublicKey(createPrivateKey(compact)).export({ format: "der", type: "spki" }).subarray(-32);
  expect(publicKey.equals(blob.subarray(-32))).toBe(true);
  expect(compactPrivateKey(key.replace(/\n/g, "\r\n"))).toBe(compact);
});

test.each([
  ["RSA", ["-t", "rsa", "-b", "2048"]],
  ["ECDSA", ["-t", "ecdsa"]],
])("a %s key stays as given", (name, args) => {
  const [key] = keygen(name.replace(/\W/g, ""), ...args);
  expect(compactPrivateKey(key)).toBe(key);
});

test("an Ed25519 key in PKCS#8 already stays as given", () => {
  const key = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  expect(compactPrivateKey(key)).toBe(key);
});

test("a passphrase-protected Ed25519 key stays as given", () => {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "pass phrase", "-C", "test", "-f", join(dir, "locked")]);
  const key = readFileSync(join(dir, "locked"), "utf8");
  expect(compactPrivateKey(key)).toBe(key);
});

test("a key whose secret half does not yield its public key, or no key at all, stays as given", () => {
  const [key, blob] = keygen("damaged", "-t", "ed25519");
  const body = Buffer.from(key.split("\n").slice(1, -2).join(""), "base64");
  // The private section holds the public key, then seed || public key: change the seed.
  const publicKey = blob.subarray(-32);
  const tail = body.lastIndexOf(publicKey);
  body.fill(7, tail - 32, tail);
  const damaged = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString("base64").replace(/.{70}/g, "$&\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
  expect(compactPrivateKey(damaged)).toBe(damaged);
  for (const other of ["", "not a key", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"]) {
    expect(compactPrivateKey(other)).toBe(other);
  }
});
