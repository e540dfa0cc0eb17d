// The checks on existing certificates, with exact messages; the rotation of thumbprint slots; names.
import * as fs from "fs";
import { caProblems, edgeCaNameProblem, identityProblems } from "../../components/certificates/certificateChecks";
import { validateFleet } from "../../components/config/validateFleet";
import { existingDevice, stackSettings } from "../../lab/mocks/stacks";
import { edgeCaCommonName, keyVaultCertificateName } from "../../components/certificates/certificateNaming";
import { dueForRenewal } from "../../components/certificates/edgeCaCertificate.rules";
import { initialSlots, nextSlots } from "../../components/certificates/thumbprintSlots.rules";
import { LEAF_EXT, ROOT_CA_EXT, Pair, selfSigned, signedBy } from "../../lab/certificates/openssl";

const DAY = 86_400_000;
const root = selfSigned({ cn: "Root", days: 3650, ext: ROOT_CA_EXT });
const device = signedBy(root, { cn: "dev-1", days: 100, ext: LEAF_EXT });
const other = signedBy(root, { cn: "dev-2", days: 100, ext: LEAF_EXT });
const material = (p: Pair, key = p.keyPem) => ({ certificatePem: p.certPem, privateKeyPem: key, chainPems: [root.certPem] });
// A minute on: the certificates above are made after this line runs, valid from their own "now".
const now = new Date(Date.now() + 60_000);
const identity = { deviceId: "dev-1", authentication: "selfSigned" as const, renewBeforeDays: 30, now };

describe("identityProblems", () => {
  test("a good identity has none, with either authentication", () => {
    expect(identityProblems(material(device), identity)).toEqual([]);
    expect(identityProblems(material(device), { ...identity, authentication: "certificateAuthority" })).toEqual([]);
  });

  test.each<[string, () => string[], string[]]>([
    [
      "the key of another certificate",
      () => identityProblems(material(device, other.keyPem), identity),
      ["has a private key that does not match its certificate"],
    ],
    [
      "a key that is not a key",
      () => identityProblems(material(device, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), identity),
      [expect.stringMatching(/^has a private key that cannot be read \(/) as unknown as string],
    ],
    [
      "expired",
      () => identityProblems(material(device), { ...identity, now: new Date(now.getTime() + 101 * DAY) }),
      [expect.stringMatching(/^expired on \d{4}-\d{2}-\d{2}; renew it in Key Vault$/) as unknown as string],
    ],
    [
      "inside the renewal window",
      () => identityProblems(material(device), { ...identity, renewBeforeDays: 100 }),
      [
        expect.stringMatching(
          /^expires on \d{4}-\d{2}-\d{2}, inside the renewal window of 100 days; renew it in Key Vault, or lower renewBeforeDays$/,
        ) as unknown as string,
      ],
    ],
    [
      "not valid yet",
      () => identityProblems(material(device), { ...identity, now: new Date(now.getTime() - 2 * DAY) }),
      [expect.stringMatching(/^is not valid before /) as unknown as string],
    ],
    [
      "CN of another device, with CA authentication",
      () => identityProblems(material(other), { ...identity, authentication: "certificateAuthority" }),
      [
        'has CN "dev-2", but certificateAuthority authentication needs CN = the device id "dev-1"; use a certificate issued for this device, or authentication "selfSigned"',
      ],
    ],
    [
      "server-only EKU",
      () => identityProblems(material(signedBy(root, { cn: "dev-1", days: 100, ext: ["extendedKeyUsage=serverAuth"] })), identity),
      ["has an extended key usage without clientAuth, so the device could not present it to IoT Hub"],
    ],
    [
      "a CA as identity",
      () => identityProblems(material(signedBy(root, { cn: "dev-1", days: 100, ext: ROOT_CA_EXT })), identity),
      ["is a CA certificate; a device identity must be an end-entity certificate"],
    ],
  ])("%s", (_, run, expected) => {
    expect(run()).toEqual(expected);
  });

  test("a CN that differs is fine for thumbprint (selfSigned) authentication", () => {
    expect(identityProblems(material(other), identity)).toEqual([]);
  });
});

describe("caProblems", () => {
  const signing = { renewBeforeDays: 30, now, signsForDays: 365, pathLength: { atLeast: 1 } } as const;
  const edge = { renewBeforeDays: 30, now, pathLength: { exactly: 0 } } as const;

  test("a root CA can sign device certificates; a pathlen:0 CA can be an edge CA", () => {
    expect(caProblems(material(root), signing)).toEqual([]);
    const edgeCa = signedBy(root, {
      cn: "e",
      days: 400,
      ext: ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,digitalSignature,keyCertSign"],
    });
    expect(caProblems(material(edgeCa), edge)).toEqual([]);
  });

  test.each<[string, Pair, typeof signing | typeof edge, string[]]>([
    [
      "no CA extensions",
      device,
      edge,
      ["has no CA extensions (basicConstraints CA:TRUE), so nothing it signs would verify; use a CA certificate"],
    ],
    [
      "CA without keyCertSign",
      signedBy(root, { cn: "c", days: 400, ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature"] }),
      edge,
      ["lacks the keyCertSign key usage, so nothing it signs would verify; use a CA certificate with keyUsage keyCertSign"],
    ],
    [
      "an edge CA that may sign CAs",
      signedBy(root, { cn: "c", days: 400, ext: ["basicConstraints=critical,CA:TRUE,pathlen:2", "keyUsage=critical,keyCertSign"] }),
      edge,
      ["has pathlen:2; an edge CA signs only module certificates and must have pathlen:0"],
    ],
    [
      "a signing CA with pathlen:0 (cannot sign the edge CA)",
      signedBy(root, { cn: "c", days: 400, ext: ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign"] }),
      signing,
      ["has pathlen:0, so it cannot sign the device's edge CA (itself a CA); use a CA with pathlen of at least 1, or none"],
    ],
    [
      "a signing CA that dies before what it signs",
      signedBy(root, { cn: "c", days: 100, ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"] }),
      signing,
      [
        expect.stringMatching(
          /^expires on \d{4}-\d{2}-\d{2}, before certificates it signs now for 365 days would; renew the CA, or lower validityDays$/,
        ) as unknown as string,
      ],
    ],
  ])("%s", (_, pair, check, expected) => {
    expect(caProblems(material(pair), check)).toEqual(expected);
  });

  test("a key mismatch is reported with the other problems", () => {
    expect(caProblems(material(device, root.keyPem), edge)).toEqual([
      "has a private key that does not match its certificate",
      "has no CA extensions (basicConstraints CA:TRUE), so nothing it signs would verify; use a CA certificate",
    ]);
  });
});

test.each([
  ["dev-1.edge-ca", "dev-1", "vm-dev-1", undefined],
  ["DEV-1", "dev-1", "vm", 'has CN "DEV-1", the device id; an edge CA\'s CN must differ from it'],
  ["edge.example.com", "dev-1", "Edge.example.com", 'has CN "edge.example.com", the host name; an edge CA\'s CN must differ from it'],
  [undefined, "dev-1", undefined, "has no CN; an edge CA needs one that differs from the device id and host name"],
])("edgeCaNameProblem(%p, %p, %p)", (cn, id, host, expected) => {
  expect(edgeCaNameProblem(cn, id, host)).toBe(expected);
});

test("names: Key Vault names keep to letters, digits and hyphens; changed ids get a hash; edge CA CNs differ from the id", () => {
  expect(keyVaultCertificateName("edge-device-01")).toBe("edge-edge-device-01");
  expect(keyVaultCertificateName("dev.1")).toMatch(/^edge-dev-1-[0-9a-f]{8}$/);
  expect(keyVaultCertificateName("dev.1")).not.toBe(keyVaultCertificateName("dev_1"));
  expect(keyVaultCertificateName("x".repeat(128))).toMatch(/^edge-x{113}-[0-9a-f]{8}$/);
  expect(keyVaultCertificateName("x".repeat(128)).length).toBeLessThanOrEqual(127);
  expect(keyVaultCertificateName("dev-1", "stack-a")).toBe("stack-a-dev-1");
  expect(edgeCaCommonName("dev-1")).toBe("dev-1.edge-ca");
  expect(edgeCaCommonName("y".repeat(128))).toHaveLength(64);
});

describe("thumbprint slots", () => {
  const [c, n, m] = ["C".repeat(64), "N".repeat(64), "M".repeat(64)];
  test.each([
    ["first certificate", initialSlots(c), c, true, { primary: c, secondary: c }],
    ["a renewal is staged in the secondary slot", { primary: c, secondary: c }, n, true, { primary: c, secondary: n }],
    ["the next run promotes it", { primary: c, secondary: n }, n, true, { primary: n, secondary: n }],
    ["not while promotion is held back", { primary: c, secondary: n }, n, false, { primary: c, secondary: n }],
    [
      "a second renewal before promotion: the staged one becomes primary",
      { primary: c, secondary: n },
      m,
      true,
      { primary: n, secondary: m },
    ],
    ["back to the primary: the staged one is dropped", { primary: c, secondary: n }, c, true, { primary: c, secondary: c }],
  ])("%s", (_, previous, current, promote, expected) => {
    expect(nextSlots(previous, current, promote)).toEqual(expected);
  });

  test("the device's certificate is in a slot at every step of a rotation", () => {
    let slots = initialSlots(c);
    let onDevice = c;
    for (const [current, installs] of [
      [n, n],
      [n, n],
      [m, m],
      [m, m],
    ] as const) {
      slots = nextSlots(slots, current, true); // the hub identity is updated before the bootstrap...
      expect([slots.primary, slots.secondary]).toContain(onDevice);
      onDevice = installs; // ...which then installs the new certificate
      expect([slots.primary, slots.secondary]).toContain(onDevice);
    }
    expect(slots).toEqual({ primary: m, secondary: m });
  });
});

test("dueForRenewal: inside the window (and at its edge), not before", () => {
  const end = "2030-01-31T00:00:00.000Z";
  expect(dueForRenewal(end, 24, new Date("2030-01-29T23:59:59Z"))).toBe(false);
  expect(dueForRenewal(end, 24, new Date("2030-01-30T00:00:00Z"))).toBe(true);
  expect(dueForRenewal(end, 24, new Date("2030-02-01T00:00:00Z"))).toBe(true);
});

test("settings rules, offline with the rest of the settings: renewal inside the lifetime, a vault for Key Vault sources", () => {
  const device = (id: string, certificate: Record<string, unknown>) => ({ ...existingDevice(id), certificate });
  const result = validateFleet(
    stackSettings([
      device("a", { source: "generate", validityDays: 30, renewBeforeDays: 30 }),
      device("b", { source: "keyVaultCa", caCertificateName: "ca", validityDays: 10 }),
      device("c", { source: "keyVault", certificateName: "c-id" }),
      device("d", { source: "generate", validityDays: 31, renewBeforeDays: 30 }),
    ]),
    (file) => fs.readFileSync(file, "utf8"),
  );
  expect(result.ok ? [] : result.errors).toEqual([
    {
      setting: "devices[0].certificate.renewBeforeDays",
      device: "a",
      message: "(30) must be less than validityDays (30), or every run would renew the certificate",
    },
    {
      setting: "devices[1].certificate.renewBeforeDays",
      device: "b",
      message: "(30) must be less than validityDays (10), or every run would renew the certificate",
    },
    {
      setting: "devices[1].certificate.source",
      device: "b",
      message: '"keyVaultCa" reads from Key Vault; set edge:keyVault.name to the vault that holds the certificate',
    },
    {
      setting: "devices[2].certificate.source",
      device: "c",
      message: '"keyVault" reads from Key Vault; set edge:keyVault.name to the vault that holds the certificate',
    },
  ]);
});
