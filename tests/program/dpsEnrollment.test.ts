// What a dps stack's enrollment group is made of: its default id, its tags, and the one CA it trusts.
import type { CertificateSource } from "../../components/certificates/certificateSources";
import { defaultEnrollmentGroupId, dpsSigningCa, enrollmentTags } from "../../components/fleet/dpsEnrollment";
import { targetConditionForTags } from "../../components/iotHub/atScaleDeployment.rules";
import { makeRootCa } from "../dps/dpsFixture";

const root = makeRootCa("vault root CA");
const otherRoot = makeRootCa("another root CA");
const ca = {
  source: "generate",
  authentication: "certificateAuthority",
  keyAlgorithm: "RSA",
  rsaBits: 2048,
  validityDays: 365,
  renewBeforeDays: 30,
} as const;

function vaultIdentity(chain: string[]): CertificateSource {
  return {
    kind: "keyVault",
    settings: { source: "keyVault", certificateName: "id", renewBeforeDays: 30, authentication: "certificateAuthority" },
    identity: { certificatePem: "leaf", privateKeyPem: "key", chainPems: chain },
  };
}
const index = new Map([
  ["a", 0],
  ["b", 1],
]);

test("the default group id: edge-<project>-<stack>, lower case, hyphens for the rest, at most 128", () => {
  expect(defaultEnrollmentGroupId("edge/Lab_DPS")).toBe("edge-edge-lab-dps");
  const long = defaultEnrollmentGroupId(`p/${"s".repeat(200)}`);
  expect(long).toHaveLength(128);
  expect(long).toMatch(/^edge-p-s+-[0-9a-f]{8}$/);
});

test("the group's tags carry the fleet and the stack in a form a target condition can use", () => {
  const tags = enrollmentTags("edge-edge-lab", "edge/lab", { site: "plant-7" });
  expect(tags).toEqual({ edgeFleet: "edge-edge-lab", edgeStack: "edge:lab", site: "plant-7" });
  expect(targetConditionForTags(tags)).toBe("tags.edgeFleet='edge-edge-lab' AND tags.edgeStack='edge:lab' AND tags.site='plant-7'");
});

test("one signing CA: the fleet root for generated certificates; a Key Vault identity's chain root; other roots refused by name", () => {
  const generated = new Map<string, CertificateSource>([
    ["a", { kind: "generate", settings: { ...ca, intermediate: false } }],
    ["b", { kind: "generate", settings: { ...ca, intermediate: false } }],
  ]);
  expect(dpsSigningCa(generated, index)).toEqual({ ca: { kind: "fleetRoot", name: "edge-fleet-root" }, errors: [] });

  const vault = dpsSigningCa(
    new Map([
      ["a", vaultIdentity([root.certPem])],
      ["b", vaultIdentity([root.certPem])],
    ]),
    index,
  );
  expect(vault.errors).toEqual([]);
  expect(vault.ca).toMatchObject({ kind: "pem", certificatePem: root.certPem });
  expect(vault.ca!.name).toMatch(/^keyvault-root-[0-9a-f]{12}$/);

  expect(
    dpsSigningCa(
      new Map([
        ["a", vaultIdentity([root.certPem])],
        ["b", vaultIdentity([otherRoot.certPem])],
      ]),
      index,
    ).errors,
  ).toEqual([
    {
      setting: "devices[1].certificate.certificateName",
      device: "b",
      message: 'chains to another CA than device "a": in dps mode one enrollment group admits the fleet, so every device chains to one CA',
    },
  ]);
  expect(dpsSigningCa(new Map([["a", vaultIdentity([])]]), index).errors).toEqual([
    {
      setting: "devices[0].certificate.certificateName",
      device: "a",
      message:
        'Key Vault certificate "id" has no chain: in dps mode a device presents its chain to the enrollment group\'s CA, so import the certificate with its issuers',
    },
  ]);
});
