// The edge CA and thumbprint-slot providers on their own: create, diff (exact replaces), update,
// renewal. How the engine loads them: tests/dynamicProviders/packagedResource.test.ts.
import { generateKeyPairSync } from "crypto";
import {
  EdgeCaCertificateInputs,
  EdgeCaCertificateOutputs,
  EdgeCaCertificateProvider,
} from "../../components/certificates/edgeCaCertificate.provider";
import { ThumbprintSlotsOutputs, ThumbprintSlotsProvider } from "../../components/certificates/thumbprintSlots.provider";
import { parseCertificate } from "../../components/certificates/x509";
import { ROOT_CA_EXT, selfSigned } from "../../lab/certificates/openssl";
import { verify } from "./support/openssl";

const root = selfSigned({ cn: "Root", days: 3650, ext: ROOT_CA_EXT });
const otherRoot = selfSigned({ cn: "Other Root", days: 3650, ext: ROOT_CA_EXT });
const edgeKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const HOUR = 3_600_000;

describe("EdgeCaCertificateProvider", () => {
  const start = new Date(Date.now() + 60_000);
  const inputs: EdgeCaCertificateInputs = {
    commonName: "dev-1.edge-ca",
    publicKeyPem: edgeKey.publicKey.export({ type: "spki", format: "pem" }) as string,
    issuerCertPem: root.certPem,
    issuerKeyPem: root.keyPem,
    validityHours: 240,
    renewBeforeHours: 24,
  };
  const at = (offsetHours: number) => new EdgeCaCertificateProvider(() => new Date(start.getTime() + offsetHours * HOUR));

  test("create: a pathlen:0 CA certificate valid from the clock for validityHours; the issuer key is not in the outputs", async () => {
    const { id, outs } = await at(0).create(inputs);
    const info = parseCertificate(outs.certPem);
    expect(id).toBe(info.serialNumber.toString());
    expect(info.basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
    expect(outs.validityEndTime).toBe(new Date(Math.floor(start.getTime() / 1000) * 1000 + 240 * HOUR).toISOString());
    expect(verify(root.certPem, [], outs.certPem, { atTime: new Date(start.getTime() + HOUR) })).toMatchObject({ ok: true });
    expect(JSON.stringify(outs)).not.toContain("PRIVATE KEY");
    // The inputs hold the key and the issuer's certificate; the outputs only their hashes (what diff compares).
    expect(Object.keys(outs).sort()).toEqual([
      "certPem",
      "commonName",
      "issuerCertHash",
      "publicKeyHash",
      "renewBeforeHours",
      "validityEndTime",
      "validityHours",
    ]);
  });

  test("outputs of a stack made before, which hold the PEMs themselves, diff as before and take the hashes on update", async () => {
    const outs = (await at(0).create(inputs)).outs as EdgeCaCertificateOutputs;
    const olds = { ...outs, publicKeyPem: inputs.publicKeyPem, issuerCertPem: inputs.issuerCertPem } as Record<string, unknown>;
    delete olds.publicKeyHash;
    delete olds.issuerCertHash;
    const legacy = olds as never;
    expect(await at(1).diff("id", legacy, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(
      (await at(1).diff("id", legacy, { ...inputs, issuerCertPem: otherRoot.certPem, issuerKeyPem: otherRoot.keyPem })).replaces,
    ).toEqual(["issuerCertPem"]);
    const otherKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }) as string;
    expect((await at(1).diff("id", legacy, { ...inputs, publicKeyPem: otherKey })).replaces).toEqual(["publicKeyPem"]);
    expect((await at(1).update("id", legacy, { ...inputs, renewBeforeHours: 48 })).outs).toEqual({ ...outs, renewBeforeHours: 48 });
  });

  test("diff: same inputs nothing; a new key, name or issuer re-signs; inside the renewal window it renews", async () => {
    const outs = (await at(0).create(inputs)).outs as EdgeCaCertificateOutputs;
    expect(await at(1).diff("id", outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await at(1).diff("id", outs, { ...inputs, issuerCertPem: otherRoot.certPem, issuerKeyPem: otherRoot.keyPem })).toEqual({
      changes: true,
      replaces: ["issuerCertPem"],
      deleteBeforeReplace: false,
    });
    expect((await at(1).diff("id", outs, { ...inputs, commonName: "x.edge-ca", validityHours: 48 })).replaces).toEqual([
      "commonName",
      "validityHours",
    ]);
    expect((await at(215).diff("id", outs, inputs)).replaces).toEqual([]);
    expect((await at(216).diff("id", outs, inputs)).replaces).toEqual(["validityEndTime"]);
    expect((await at(300).diff("id", outs, inputs)).replaces).toEqual(["validityEndTime"]);
  });

  test("a new renewal window alone is an in-place update that keeps the certificate", async () => {
    const outs = (await at(0).create(inputs)).outs as EdgeCaCertificateOutputs;
    expect(await at(1).diff("id", outs, { ...inputs, renewBeforeHours: 48 })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect((await at(1).update("id", outs, { ...inputs, renewBeforeHours: 48 })).outs).toEqual({ ...outs, renewBeforeHours: 48 });
  });
});

test("ThumbprintSlotsProvider: a renewal is staged, then promoted on the next run, then nothing changes", async () => {
  const p = new ThumbprintSlotsProvider();
  const [c, n] = ["C".repeat(64), "N".repeat(64)];
  let outs = (await p.create({ current: c, promote: true })).outs as ThumbprintSlotsOutputs;
  expect(outs).toEqual({ primary: c, secondary: c, promote: true });
  expect(await p.diff("slots", outs, { current: c, promote: true })).toEqual({ changes: false, replaces: [] });
  expect(await p.diff("slots", outs, { current: n, promote: true })).toEqual({ changes: true, replaces: [] });
  outs = (await p.update("slots", outs, { current: n, promote: true })).outs as ThumbprintSlotsOutputs;
  expect(outs).toMatchObject({ primary: c, secondary: n });
  // The next run, same certificate: the staged one is promoted.
  expect(await p.diff("slots", outs, { current: n, promote: true })).toEqual({ changes: true, replaces: [] });
  outs = (await p.update("slots", outs, { current: n, promote: true })).outs as ThumbprintSlotsOutputs;
  expect(outs).toMatchObject({ primary: n, secondary: n });
  expect(await p.diff("slots", outs, { current: n, promote: true })).toEqual({ changes: false, replaces: [] });
});

test("ThumbprintSlotsProvider: outputs of a stack made before, which also hold `current`, diff as before and lose it on the next update", async () => {
  const p = new ThumbprintSlotsProvider();
  const [c, n, m] = ["C".repeat(64), "N".repeat(64), "M".repeat(64)];
  const settled = { primary: c, secondary: c, current: c, promote: true } as ThumbprintSlotsOutputs;
  expect(await p.diff("slots", settled, { current: c, promote: true })).toEqual({ changes: false, replaces: [] });
  expect((await p.update("slots", settled, { current: c, promote: true })).outs).toEqual({ primary: c, secondary: c, promote: true });
  const staged = { primary: c, secondary: n, current: n, promote: false } as ThumbprintSlotsOutputs;
  expect(await p.diff("slots", staged, { current: n, promote: false })).toEqual({ changes: false, replaces: [] });
  expect(await p.diff("slots", staged, { current: n, promote: true })).toEqual({ changes: true, replaces: [] });
  expect(await p.diff("slots", staged, { current: c, promote: false })).toEqual({ changes: true, replaces: [] });
  expect(await p.diff("slots", staged, { current: m, promote: false })).toEqual({ changes: true, replaces: [] });
  expect((await p.update("slots", staged, { current: n, promote: true })).outs).toEqual({ primary: n, secondary: n, promote: true });
});
