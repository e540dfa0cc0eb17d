// The Key Vault reader and import provider over real HTTPS, through the real @azure/keyvault-*
// clients, against the local stand-in: challenge auth, import, get, the secret behind a
// certificate, soft delete, recover, purge, and the 404/409/403 error bodies.
import { createPrivateKey } from "crypto";
import {
  KeyVaultCertificateInputs,
  KeyVaultCertificateOutputs,
  KeyVaultCertificateProvider,
} from "../../components/certificates/keyVaultCertificate.provider";
import { cachingCredential } from "../../components/certificates/keyVaultAccess";
import { KeyVaultCertificateError, keyVaultCertificateReader, readKeyVaultCertificate } from "../../components/certificates/keyVaultSource";
import { thumbprintsOf } from "../../components/certificates/thumbprint";
import { LEAF_EXT, ROOT_CA_EXT, selfSigned, signedBy } from "../../lab/certificates/openssl";
import { toPfx } from "./support/openssl";
import { KeyVaultStandin } from "../../lab/standins/keyVaultStandin";

let vault: KeyVaultStandin;
beforeAll(async () => (vault = await KeyVaultStandin.start("127.0.6.1")));
afterAll(async () => vault.stop());

const root = selfSigned({ cn: "Root", days: 3650, ext: ROOT_CA_EXT });
const dev1 = signedBy(root, { cn: "dev-1", days: 200, ext: LEAF_EXT });
const dev1b = signedBy(root, { cn: "dev-1", days: 200, ext: LEAF_EXT });
const pkcs8 = (pem: string) => createPrivateKey(pem).export({ type: "pkcs8", format: "pem" }) as string;

describe("readKeyVaultCertificate", () => {
  test("PEM content type: certificate, PKCS#8 key and chain; challenge auth first, then the token", async () => {
    vault.seed("pem-cert", { value: `${dev1.keyPem}${dev1.certPem}${root.certPem}`, contentType: "application/x-pem-file" });
    const before = vault.requests.length;
    const material = await readKeyVaultCertificate(vault.vaultUrl, "pem-cert", vault.access());
    expect(material).toEqual({ certificatePem: dev1.certPem, privateKeyPem: pkcs8(dev1.keyPem), chainPems: [root.certPem] });
    const calls = vault.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.authorized ? "token" : "none"} ${r.status}`);
    expect(calls).toEqual([
      "GET /certificates/pem-cert/ none 401",
      "GET /certificates/pem-cert/ token 200",
      "GET /secrets/pem-cert/ none 401",
      "GET /secrets/pem-cert/ token 200",
    ]);
  });

  test("PFX content type (Key Vault's default): the same material", async () => {
    vault.seed("pfx-cert", { value: toPfx(dev1, [root.certPem]).toString("base64"), contentType: "application/x-pkcs12" });
    const material = await readKeyVaultCertificate(vault.vaultUrl, "pfx-cert", vault.access());
    expect(material).toEqual({ certificatePem: dev1.certPem, privateKeyPem: pkcs8(dev1.keyPem), chainPems: [root.certPem] });
  });

  test.each([
    ["missing", () => undefined, 'Key Vault certificate "missing" in URL does not exist (check the name and the vault)'],
    [
      "locked",
      () => vault.seed("locked", { value: `${dev1.keyPem}${dev1.certPem}`, contentType: "application/x-pem-file", exportable: false }),
      'Key Vault certificate "locked" in URL has a non-exportable private key, so it cannot be copied to a device; create or import it with an exportable key policy',
    ],
  ])("%s: a clear error", async (name, seed, message) => {
    seed();
    await expect(readKeyVaultCertificate(vault.vaultUrl, name, vault.access())).rejects.toThrow(message.replace("URL", vault.vaultUrl));
  });

  test("a token the vault refuses: the status, the code and the role to grant", async () => {
    const access = {
      ...vault.access(),
      credential: () => ({ getToken: async () => ({ token: "wrong", expiresOnTimestamp: Date.now() + 3_600_000 }) }),
    };
    await expect(readKeyVaultCertificate(vault.vaultUrl, "pem-cert", access)).rejects.toThrow(
      `Key Vault certificate "pem-cert" in ${vault.vaultUrl} cannot be read by the program's Azure identity (HTTP 401 Unauthorized); grant it certificates/get on the vault (role "Key Vault Certificate User" or an access policy)`,
    );
  });
});

describe("keyVaultCertificateReader: one run's reads", () => {
  const names = Array.from({ length: 6 }, (_, i) => `fleet-${i}`);
  beforeAll(() =>
    names.forEach((name) =>
      vault.seed(name, { value: `${dev1.keyPem}${dev1.certPem}${root.certPem}`, contentType: "application/x-pem-file" }),
    ),
  );

  /** The stand-in's access, with a credential that counts the tokens it is asked for and a policy that counts requests in flight. */
  function counted() {
    const base = vault.access();
    const counts = { credentials: 0, tokens: 0, inFlight: 0, maxInFlight: 0 };
    const access = {
      ...base,
      credential: () => {
        counts.credentials++;
        const made = base.credential();
        return { getToken: async () => (counts.tokens++, made.getToken()) };
      },
      clientOptions: {
        ...base.clientOptions,
        additionalPolicies: [
          {
            position: "perCall",
            policy: {
              name: "countInFlight",
              sendRequest: async (request: unknown, next: (r: unknown) => Promise<unknown>) => {
                counts.maxInFlight = Math.max(counts.maxInFlight, ++counts.inFlight);
                try {
                  return await next(request);
                } finally {
                  counts.inFlight--;
                }
              },
            },
          },
        ],
      },
    };
    return { access, counts };
  }

  test("N certificates from one vault: one credential, one token, one challenge per client", async () => {
    const { access, counts } = counted();
    const read = keyVaultCertificateReader(access);
    const before = vault.requests.length;
    const materials = await Promise.all(names.map((name) => read(vault.vaultUrl, name)));
    expect(materials.map((m) => m.certificatePem)).toEqual(names.map(() => dev1.certPem));
    expect(counts).toMatchObject({ credentials: 1, tokens: 1 });
    // One unauthenticated first request per client (certificates, secrets), then every read with the token.
    const unauthorized = vault.requests.slice(before).filter((r) => !r.authorized);
    expect(unauthorized.map((r) => `${r.path.split("/")[1]} ${r.status}`).sort()).toEqual(["certificates 401", "secrets 401"]);
  });

  test("at most `concurrency` reads at once", async () => {
    const { access, counts } = counted();
    const read = keyVaultCertificateReader(access, 2);
    await Promise.all(names.map((name) => read(vault.vaultUrl, name)));
    expect(counts.maxInFlight).toBeGreaterThan(0);
    expect(counts.maxInFlight).toBeLessThanOrEqual(2);
    const unbounded = counted();
    const readAll = keyVaultCertificateReader(unbounded.access, names.length);
    await Promise.all(names.map((name) => readAll(vault.vaultUrl, name)));
    expect(unbounded.counts.maxInFlight).toBeGreaterThan(2);
  });

  test("a missing certificate fails alone, naming itself; the others are read", async () => {
    const read = keyVaultCertificateReader(vault.access());
    const results = await Promise.allSettled([
      read(vault.vaultUrl, "fleet-0"),
      read(vault.vaultUrl, "not-there"),
      read(vault.vaultUrl, "fleet-1"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const error = (results[1] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(KeyVaultCertificateError);
    expect(error.message).toBe(`Key Vault certificate "not-there" in ${vault.vaultUrl} does not exist (check the name and the vault)`);
  });
});

describe("cachingCredential", () => {
  const counting = (expiresInMs: number, fail = false) => {
    const calls: unknown[] = [];
    const credential = {
      getToken: async (scopes: string | string[], options?: { tenantId?: string; claims?: string }) => {
        calls.push([scopes, options?.tenantId, options?.claims]);
        if (fail) throw new Error("az: not logged in");
        return { token: `t${calls.length}`, expiresOnTimestamp: Date.now() + expiresInMs };
      },
    };
    return { credential, calls };
  };

  test("concurrent and later asks for one scope share one token; another scope or tenant asks again", async () => {
    const { credential, calls } = counting(3_600_000);
    const cached = cachingCredential(credential);
    const tokens = await Promise.all([
      cached.getToken("https://vault.azure.net/.default"),
      cached.getToken(["https://vault.azure.net/.default"]),
    ]);
    expect(tokens.map((t) => t?.token)).toEqual(["t1", "t1"]);
    expect((await cached.getToken("https://vault.azure.net/.default"))?.token).toBe("t1");
    expect((await cached.getToken("https://vault.azure.net/.default", { tenantId: "other" }))?.token).toBe("t2");
    expect((await cached.getToken("https://management.azure.com/.default"))?.token).toBe("t3");
    expect(calls).toHaveLength(3);
  });

  test("a token about to expire, a failed ask and a claims challenge are not reused", async () => {
    const soon = counting(60_000);
    const cachedSoon = cachingCredential(soon.credential);
    await cachedSoon.getToken("s");
    await cachedSoon.getToken("s");
    expect(soon.calls).toHaveLength(2);

    const failing = counting(3_600_000, true);
    const cachedFailing = cachingCredential(failing.credential);
    await expect(cachedFailing.getToken("s")).rejects.toThrow("az: not logged in");
    await expect(cachedFailing.getToken("s")).rejects.toThrow("az: not logged in");
    expect(failing.calls).toHaveLength(2);

    const claims = counting(3_600_000);
    const cachedClaims = cachingCredential(claims.credential);
    await cachedClaims.getToken("s");
    await cachedClaims.getToken("s", { claims: "{}" });
    expect(claims.calls).toHaveLength(2);
  });
});

describe("KeyVaultCertificateProvider", () => {
  const provider = () => new KeyVaultCertificateProvider(vault.access());
  const inputs = (name: string, pair = dev1, tags: Record<string, string> = {}): KeyVaultCertificateInputs => ({
    vaultUrl: vault.vaultUrl,
    certificateName: name,
    pem: `${pkcs8(pair.keyPem)}${pair.certPem}${root.certPem}`,
    thumbprint: thumbprintsOf(pair.certPem).sha1,
    tags: { "edge-device": "dev-1", ...tags },
    purgeOnDelete: false,
  });

  test("create imports the PEM (with the PEM content type) and keeps nothing secret in its outputs", async () => {
    const result = await provider().create(inputs("dev-1-id"));
    const outs = result.outs as KeyVaultCertificateOutputs;
    const version = vault.latest("dev-1-id")!;
    expect(result.id).toBe(`${vault.vaultUrl}/certificates/dev-1-id`);
    expect(outs).toEqual({
      vaultUrl: vault.vaultUrl,
      certificateName: "dev-1-id",
      thumbprint: thumbprintsOf(dev1.certPem).sha1,
      tags: { "edge-device": "dev-1" },
      purgeOnDelete: false,
      certificateId: `${vault.vaultUrl}/certificates/dev-1-id/${version.version}`,
      version: version.version,
    });
    expect(JSON.stringify(outs)).not.toContain("PRIVATE KEY");
    expect(version.contentType).toBe("application/x-pem-file");
    // Operators (and the keyVault source) read it back whole: certificate, key and chain.
    const back = await readKeyVaultCertificate(vault.vaultUrl, "dev-1-id", vault.access());
    expect(back).toEqual({ certificatePem: dev1.certPem, privateKeyPem: pkcs8(dev1.keyPem), chainPems: [root.certPem] });
  });

  test("without certificatePolicy the 4.10 client sends no content type, and the vault refuses the PEM", async () => {
    const { CertificateClient } = await import("@azure/keyvault-certificates");
    const access = vault.access();
    const client = new CertificateClient(vault.vaultUrl, access.credential() as never, access.clientOptions);
    await expect(
      client.importCertificate("naive", Buffer.from(inputs("naive").pem), { policy: { contentType: "application/x-pem-file" } as never }),
    ).rejects.toThrow("The specified PEM X.509 certificate content is in an unexpected format");
  });

  test("diff: a new name or vault replaces; a renewed certificate or new tags update; the same inputs do nothing", async () => {
    const olds = (await provider().create(inputs("diff-cert"))).outs as KeyVaultCertificateOutputs;
    const p = provider();
    expect(await p.diff("id", olds, inputs("diff-cert"))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await p.diff("id", olds, inputs("other-name"))).toEqual({
      changes: true,
      replaces: ["certificateName"],
      deleteBeforeReplace: false,
    });
    expect(await p.diff("id", olds, inputs("diff-cert", dev1b))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(await p.diff("id", olds, inputs("diff-cert", dev1, { site: "b" }))).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("update: a renewed certificate is a new version; new tags alone are patched", async () => {
    const p = provider();
    const olds = (await p.create(inputs("upd-cert"))).outs as KeyVaultCertificateOutputs;
    const renewed = (await p.update("id", olds, inputs("upd-cert", dev1b))).outs as KeyVaultCertificateOutputs;
    expect(renewed.thumbprint).toBe(thumbprintsOf(dev1b.certPem).sha1);
    expect(renewed.version).not.toBe(olds.version);
    expect(thumbprintsOf(vault.latest("upd-cert")!.cer).sha1).toBe(renewed.thumbprint);
    const before = vault.requests.length;
    const retagged = (await p.update("id", renewed, inputs("upd-cert", dev1b, { site: "b" }))).outs as KeyVaultCertificateOutputs;
    expect(retagged).toEqual({ ...renewed, tags: { "edge-device": "dev-1", site: "b" } });
    expect(vault.tagsOf("upd-cert")).toEqual({ "edge-device": "dev-1", site: "b" });
    expect(
      vault.requests
        .slice(before)
        .filter((r) => r.authorized)
        .map((r) => r.method),
    ).toEqual(["PATCH"]);
  });

  test("delete is soft unless purgeOnDelete; a certificate already gone is fine", async () => {
    const p = provider();
    const kept = (await p.create(inputs("soft-cert"))).outs as KeyVaultCertificateOutputs;
    await p.delete("id", kept);
    expect(vault.names().deleted).toContain("soft-cert");
    expect(vault.names().live).not.toContain("soft-cert");

    const purged = (await p.create({ ...inputs("purge-cert"), purgeOnDelete: true })).outs as KeyVaultCertificateOutputs;
    await p.delete("id", purged);
    expect(vault.names().deleted).not.toContain("purge-cert");
    expect(vault.names().live).not.toContain("purge-cert");

    await expect(p.delete("id", purged)).resolves.toBeUndefined();
  });

  test("purge refused by purge protection: the 403 and what to change", async () => {
    const p = provider();
    const outs = (await p.create({ ...inputs("protected-cert"), purgeOnDelete: true })).outs as KeyVaultCertificateOutputs;
    vault.purgeProtection = true;
    try {
      await expect(p.delete("id", outs)).rejects.toThrow(
        `Key Vault certificate "protected-cert" in ${vault.vaultUrl}: purge after delete failed: HTTP 403 Forbidden: Operation "purge" is not allowed because purge protection is enabled for this vault.`,
      );
    } finally {
      vault.purgeProtection = false;
    }
  });

  test("create over a soft-deleted name recovers it, then imports: the vault answers 409 to a plain import", async () => {
    const p = provider();
    const outs = (await p.create(inputs("again-cert"))).outs as KeyVaultCertificateOutputs;
    await p.delete("id", outs);
    const { CertificateClient } = await import("@azure/keyvault-certificates");
    const access = vault.access();
    const client = new CertificateClient(vault.vaultUrl, access.credential() as never, access.clientOptions);
    await expect(client.importCertificate("again-cert", Buffer.from("x"))).rejects.toMatchObject({ statusCode: 409 });

    const again = (await p.create(inputs("again-cert", dev1b))).outs as KeyVaultCertificateOutputs;
    expect(again.thumbprint).toBe(thumbprintsOf(dev1b.certPem).sha1);
    expect(vault.names().live).toContain("again-cert");
    expect(vault.names().deleted).not.toContain("again-cert");
  });

  test("create refuses a certificate of another device or made by hand, and takes over its own", async () => {
    vault.seed("foreign-cert", {
      value: `${dev1.keyPem}${dev1.certPem}`,
      contentType: "application/x-pem-file",
      tags: { "edge-device": "dev-9" },
    });
    vault.seed("hand-cert", { value: `${dev1.keyPem}${dev1.certPem}`, contentType: "application/x-pem-file" });
    vault.seed("own-cert", {
      value: `${dev1.keyPem}${dev1.certPem}`,
      contentType: "application/x-pem-file",
      tags: { "edge-device": "dev-1" },
    });
    const p = provider();
    await expect(p.create(inputs("foreign-cert"))).rejects.toThrow(
      `Key Vault certificate "foreign-cert" in ${vault.vaultUrl} already exists and belongs to device "dev-9"; give the device another certificate name, or delete that certificate`,
    );
    await expect(p.create(inputs("hand-cert"))).rejects.toThrow(
      `Key Vault certificate "hand-cert" in ${vault.vaultUrl} already exists and was not made by this program;`,
    );
    // The same device id in another stack sharing the vault is another device.
    vault.seed("stack-cert", {
      value: `${dev1.keyPem}${dev1.certPem}`,
      contentType: "application/x-pem-file",
      tags: { "edge-device": "dev-1", "edge-stack": "edge/prod" },
    });
    await expect(p.create(inputs("stack-cert", dev1, { "edge-stack": "edge/dev" }))).rejects.toThrow(
      `Key Vault certificate "stack-cert" in ${vault.vaultUrl} already exists and belongs to device "dev-1" of stack "edge/prod";`,
    );
    const own = (await p.create(inputs("own-cert", dev1b))).outs as KeyVaultCertificateOutputs;
    expect(own.thumbprint).toBe(thumbprintsOf(dev1b.certPem).sha1);
  });

  test("an import the vault refuses names the vault's reason and never the PEM", async () => {
    const bad = { ...inputs("bad-cert"), pem: `${pkcs8(dev1b.keyPem)}${dev1.certPem}` };
    const error = await provider()
      .create(bad)
      .catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `Key Vault certificate "bad-cert" in ${vault.vaultUrl}: import failed: HTTP 400 BadParameter: Private key does not match the certificate's public key.`,
    );
  });
});

describe("the Key Vault stand-in is as strict as the service (sources in keyVaultStandin.ts)", () => {
  const pem = () => `${pkcs8(dev1.keyPem)}${dev1.certPem}`;
  const importAs = async (name: string) => {
    const { CertificateClient } = await import("@azure/keyvault-certificates");
    const access = vault.access();
    const client = new CertificateClient(vault.vaultUrl, access.credential() as never, access.clientOptions);
    return client.importCertificate(name, Buffer.from(pem()), {
      policy: { contentType: "application/x-pem-file" },
      certificatePolicy: { secretProperties: { contentType: "application/x-pem-file" } },
    } as never);
  };

  test("names compare case-insensitively: another case reads the same certificate", async () => {
    await importAs("Case-Cert");
    const back = await readKeyVaultCertificate(vault.vaultUrl, "case-cert", vault.access());
    expect(back.certificatePem).toBe(dev1.certPem);
    expect(vault.names().live).toContain("Case-Cert");
  });

  test("a name outside 1-127 of 0-9, a-z, A-Z and '-' is refused with 400", async () => {
    await expect(importAs("bad_name")).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
  });

  test("a request without api-version is refused with 400", async () => {
    const { request } = await import("node:https");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${vault.vaultUrl}/certificates/case-cert`,
        { ca: vault.caCertPem, headers: { authorization: `Bearer ${vault.token}` } },
        (res) => (res.resume(), resolve(res.statusCode ?? 0)),
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});
