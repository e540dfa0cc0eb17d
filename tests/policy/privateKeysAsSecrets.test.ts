import { Secret } from "@pulumi/policy";
import { plaintextPrivateKeyPaths, privateKeysAsSecrets } from "../../policy/privateKeysAsSecrets";
import { violations } from "./runPolicy";

// Not a real key: the policy only looks at the PEM armour.
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
const RSA_PEM =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----";

describe("private-keys-as-secrets", () => {
  it("passes private keys held as secrets, at any depth", async () => {
    const props = {
      identityKeyPem: new Secret(PEM),
      connection: { host: "10.0.0.4", privateKey: new Secret(RSA_PEM) },
      certs: [new Secret({ key: PEM })],
    };
    expect(await violations(privateKeysAsSecrets, "pulumi-nodejs:dynamic/certificates:KeyVaultCertificate", props)).toEqual([]);
  });

  it("fails a plain-text private key with the exact message naming the input", async () => {
    const props = {
      connection: { host: "10.0.0.4", privateKey: RSA_PEM },
      identityCertPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    };
    expect(await violations(privateKeysAsSecrets, "command:remote:Command", props)).toEqual([
      "input connection.privateKey holds a PEM private key in plain text: pass it as a secret (pulumi.secret(...), or pulumi config set --secret) so it is encrypted in state and hidden in diffs.",
    ]);
  });

  it("finds keys inside longer strings and lists", () => {
    const props = {
      create: `cat > /etc/aziot/key.pem <<'EOF'\n${PEM}EOF`,
      files: [{ content: "x" }, { content: RSA_PEM }],
      public: "ssh-rsa AAAA",
    };
    expect(plaintextPrivateKeyPaths(props)).toEqual(["create", "files[1].content"]);
  });

  it("does not read a dynamic provider's serialized code as data", () => {
    expect(plaintextPrivateKeyPaths({ __provider: `exports.handler = () => "${PEM}"`, deviceId: "d" })).toEqual([]);
  });
});
