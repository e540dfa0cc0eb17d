// An unencrypted OpenSSH Ed25519 private key as the same key in PKCS#8 PEM: ~120 instead of ~400
// characters. Every bootstrap step keeps its SSH connection, key included, twice in the state as
// ciphertext, so the shorter form saves ~400 bytes a copy. The command provider reads both: it
// parses keys with golang.org/x/crypto/ssh ParsePrivateKey, which takes "OPENSSH PRIVATE KEY" and
// PKCS#8 "PRIVATE KEY" blocks (Ed25519 through crypto/x509 ParsePKCS8PrivateKey). Pure.
import { createPrivateKey, createPublicKey } from "crypto";

const OPENSSH_KEY = /^-----BEGIN OPENSSH PRIVATE KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END OPENSSH PRIVATE KEY-----\r?\n?$/;
const MAGIC = Buffer.from("openssh-key-v1\0", "latin1");
/** PKCS#8 PrivateKeyInfo of an Ed25519 key (RFC 8410 section 7) up to its 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The fields of PROTOCOL.key (openssh-portable): uint32 and length-prefixed strings, in order. */
class Reader {
  private at = 0;
  constructor(private readonly data: Buffer) {}
  uint32(): number {
    if (this.at + 4 > this.data.length) throw new Error("truncated");
    const value = this.data.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }
  string(): Buffer {
    const length = this.uint32();
    if (this.at + length > this.data.length) throw new Error("truncated");
    const value = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
}

/** The Ed25519 seed and public key of an unencrypted one-key OpenSSH private key; undefined for any other key. */
function openSshEd25519(key: string): { seed: Buffer; publicKey: Buffer } | undefined {
  const body = OPENSSH_KEY.exec(key.trim() + "\n")?.[1];
  if (body === undefined) return undefined;
  const data = Buffer.from(body.replace(/\s+/g, ""), "base64");
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  try {
    const r = new Reader(data.subarray(MAGIC.length));
    const [cipher, kdf] = [r.string().toString(), r.string().toString()];
    r.string(); // kdf options
    if (cipher !== "none" || kdf !== "none" || r.uint32() !== 1) return undefined;
    r.string(); // the public key
    const p = new Reader(r.string());
    if (p.uint32() !== p.uint32()) return undefined; // check integers differ: not decrypted right
    if (p.string().toString() !== "ssh-ed25519") return undefined;
    const publicKey = p.string();
    const secret = p.string(); // seed || public key
    if (publicKey.length !== 32 || secret.length !== 64 || !secret.subarray(32).equals(publicKey)) return undefined;
    return { seed: secret.subarray(0, 32), publicKey };
  } catch {
    return undefined;
  }
}

/**
 * The key in PKCS#8 PEM when it is an unencrypted OpenSSH Ed25519 key whose seed yields its own
 * public key; any other key (RSA, ECDSA, passphrase-protected, already PEM) as given.
 */
export function compactPrivateKey(key: string): string {
  const parsed = openSshEd25519(key);
  if (parsed === undefined) return key;
  const pkcs8 = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, parsed.seed]), format: "der", type: "pkcs8" });
  // The last 32 bytes of an Ed25519 SubjectPublicKeyInfo are the key itself.
  const derived = createPublicKey(pkcs8).export({ format: "der", type: "spki" }).subarray(-32);
  return derived.equals(parsed.publicKey) ? pkcs8.export({ format: "pem", type: "pkcs8" }).toString() : key;
}
