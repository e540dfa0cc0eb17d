// provisioning.mode "dps": its settings, defaults and preflight rules, each with its exact message.
import { devicePlan, stackPlan } from "../../components/config/plan";
import { registrationIdProblem, twinTagProblems } from "../../components/config/provisioningRules";
import { formatSettingError, validateFleet } from "../../components/config/validateFleet";
import { existingDevice, stackSettings, wholeFleet } from "../../lab/mocks/stacks";
import { exampleManifest } from "../iotHub/manifestFixture";

const files: Record<string, string> = {
  "manifests/simulated-temperature.json": JSON.stringify(exampleManifest()),
  "manifests/other.json": JSON.stringify(exampleManifest()),
};
const readManifest = (path: string) => {
  if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return files[path];
};

const CA = { source: "generate", authentication: "certificateAuthority" };
const DPS_CONNECTION =
  "HostName=fleet-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=a2V5";

/** A valid dps stack: an existing DPS reached by its service API, CA-signed generated identities. */
function dpsStack(
  devices: unknown[] = [existingDevice("gw-01"), existingDevice("gw-02")],
  provisioning: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const base = stackSettings(devices, extra);
  return {
    ...base,
    defaults: { ...(base.defaults as Record<string, unknown>), certificate: CA },
    provisioning: { mode: "dps", dps: { name: "fleet-dps", idScope: "0ne00002193", connectionString: DPS_CONNECTION }, ...provisioning },
  };
}

function errorsOf(settings: Record<string, unknown>): string[] {
  const result = validateFleet(settings, readManifest);
  return result.ok ? [] : result.errors.map(formatSettingError);
}

test("absent, provisioning is hub mode: today's stacks are unchanged", () => {
  const result = validateFleet(stackSettings([existingDevice("gw-01")]), readManifest);
  if (!result.ok) throw new Error(result.errors.map(formatSettingError).join("\n"));
  expect(wholeFleet(result.settings).provisioning).toEqual({
    mode: "hub",
    allocationPolicy: "hashed",
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
    tags: {},
    deploymentPriority: 10,
  });
});

test("a valid dps stack passes with the DPS's defaults applied", () => {
  const result = validateFleet(dpsStack(), readManifest);
  if (!result.ok) throw new Error(result.errors.map(formatSettingError).join("\n"));
  expect(wholeFleet(result.settings).provisioning).toMatchObject({
    mode: "dps",
    dps: {
      name: "fleet-dps",
      create: false,
      capacity: 1,
      idScope: "0ne00002193",
      globalEndpoint: "https://global.azure-devices-provisioning.net",
    },
    allocationPolicy: "hashed",
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
  });
});

test("DPS name, id scope, group id and endpoint: Azure's rules, named", () => {
  expect(
    errorsOf(
      dpsStack(undefined, {
        dps: { name: "fleet-dps-", idScope: "0ne0000219", connectionString: DPS_CONNECTION, globalEndpoint: "http://x" },
        enrollmentGroupId: "Fleet_1",
      }),
    ),
  ).toEqual([
    "provisioning.dps.name: must be 3-64 letters, digits or hyphens, ending with a letter or digit (Azure's Device Provisioning Service name rule: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices)",
    'provisioning.dps.idScope: must be the DPS\'s id scope: "0ne" and 8 hexadecimal digits, as the portal shows it (e.g. 0ne00002193)',
    "provisioning.dps.globalEndpoint: must be an https:// URL, e.g. https://global.azure-devices-provisioning.net",
    "provisioning.enrollmentGroupId: must be 1-128 lower-case letters, digits and hyphens, starting and ending with a letter or digit (DPS enrollment group id)",
  ]);
  expect(errorsOf(dpsStack(undefined, { dps: { name: "ab", idScope: "0ne00002193", connectionString: DPS_CONNECTION } }))[0]).toMatch(
    /^provisioning\.dps\.name: must be 3-64/,
  );
  expect(
    errorsOf(
      dpsStack(undefined, {
        dps: {
          name: "a".repeat(64),
          hostName: "fleet-dps.azure-devices-provisioning.net",
          idScope: "0ne00002193",
          connectionString: DPS_CONNECTION,
        },
      }),
    ),
  ).toEqual([]);
});

test("dps mode needs a DPS; an existing one without its resource group needs its id scope and connection string", () => {
  expect(errorsOf(dpsStack(undefined, { dps: undefined }))).toEqual([
    'provisioning.dps: is required with mode "dps": { name, create } of the Device Provisioning Service (an existing one by name, or one the stack creates)',
  ]);
  expect(errorsOf(dpsStack(undefined, { dps: { name: "fleet-dps" } }))).toEqual([
    "provisioning.dps.idScope: is required for an existing DPS without provisioning.dps.resourceGroup (the id scope the portal shows), or set resourceGroup to read it",
    "provisioning.dps.connectionString: is required for an existing DPS without provisioning.dps.resourceGroup: a service connection string with enrollment write rights, set with `pulumi config set --secret --path provisioning.dps.connectionString`",
  ]);
  // With its resource group both are read from Azure.
  expect(errorsOf(dpsStack(undefined, { dps: { name: "fleet-dps", resourceGroup: "rg-dps" } }))).toEqual([]);
  expect(
    errorsOf(
      dpsStack(undefined, {
        dps: {
          name: "fleet-dps",
          idScope: "0ne00002193",
          connectionString: "HostName=other.azure-devices-provisioning.net;SharedAccessKeyName=o;SharedAccessKey=a2V5",
        },
      }),
    ),
  ).toEqual([
    "provisioning.dps.connectionString: the DPS connection string is for other.azure-devices-provisioning.net, not for fleet-dps.azure-devices-provisioning.net",
  ]);
});

test("a DPS the stack creates: a resource group to create it in, nothing it would read itself, and a way to link the hub", () => {
  const create = { dps: { name: "fleet-dps", create: true, idScope: "0ne00002193" } };
  expect(errorsOf(dpsStack(undefined, create, { resourceGroup: undefined }))).toEqual([
    "provisioning.dps.resourceGroup: is required to create the DPS: set it, or edge:resourceGroup",
    "provisioning.dps.idScope: is read from the DPS the stack creates; remove it",
    "iotHub.resourceGroup: is required: the DPS the stack creates is linked to the hub with the hub's iothubowner key, read from Azure in the hub's resource group",
  ]);
  expect(
    errorsOf(
      dpsStack(
        undefined,
        { dps: { name: "fleet-dps", create: true } },
        { iotHub: { name: "hub-test", auth: "entraId", resourceGroup: "rg-hub" } },
      ),
    ),
  ).toEqual([]);
});

test("every device: a lower-case registration id, CA authentication, one signing CA, one manifest", () => {
  const devices = [
    existingDevice("gw-01"),
    { ...existingDevice("GW-02") },
    { ...existingDevice("gw-03"), certificate: { source: "generate" } },
    { ...existingDevice("gw-04"), certificate: { ...CA, intermediate: true } },
    { ...existingDevice("gw-05"), deploymentManifest: "manifests/other.json" },
    existingDevice(`g${"w".repeat(64)}`),
    existingDevice("gw-07."),
  ];
  expect(errorsOf(dpsStack(devices))).toEqual([
    'devices[1].id (device "GW-02"): has upper-case letters; in dps mode it is the DPS registration id, which DPS compares without case while IoT Hub device ids keep it: use lower case',
    'devices[2].certificate.authentication (device "gw-03"): is "selfSigned" (the default), but with provisioning.mode "dps" no device is registered by its thumbprints: the enrollment group admits it by its chain to the fleet\'s signing CA. Set it to "certificateAuthority" (e.g. in edge:defaults.certificate)',
    'devices[3].certificate (device "gw-04"): is signed by the fleet intermediate CA, but devices[0] ("gw-01") by the fleet root CA: with provisioning.mode "dps" one enrollment group admits the fleet, so every device chains to one signing CA',
    'devices[4].deploymentManifest (device "gw-05"): is "manifests/other.json", but devices[0] ("gw-01") uses "manifests/simulated-temperature.json": with provisioning.mode "dps" one at-scale deployment serves the fleet; use one manifest (edge:defaults.deploymentManifest)',
    `devices[5].id (device "g${"w".repeat(64)}"): is 65 characters; in dps mode it is the device certificate's CN and DPS registration id, at most 64 characters (the X.509 CN limit)`,
    "devices[6].id (device \"gw-07.\"): is not a DPS registration id: lower-case letters, digits and - . _ : only, ending with a letter, digit or '-' (learn.microsoft.com/azure/iot-dps/concepts-service#registration-id)",
  ]);
  // The same devices in hub mode: none of the above applies, but the hub must hold the CA the
  // certificateAuthority devices chain to; in dps mode it need not (DPS registers them by thumbprint).
  const hub = dpsStack(devices.slice(0, 6));
  expect(errorsOf({ ...hub, provisioning: { mode: "hub" } })).toEqual([
    'iotHub.resourceGroup (device "gw-01"): is required: the device uses certificateAuthority authentication with a CA the stack holds (source generate), which the stack registers, verified, on the existing hub; set edge:iotHub.resourceGroup to the hub\'s resource group',
  ]);
});

test("tags: twin rules, names a target condition can use, and the stack's own two kept", () => {
  expect(
    errorsOf(
      dpsStack(undefined, {
        tags: { site: "plant-7", "line.3": "a", "has space": "b", "line-3": "c", edgeFleet: "x", big: "v".repeat(4097), area: "hall 2" },
      }),
    ),
  ).toEqual([
    "provisioning.tags.line.3: is not a twin tag name: no '.', '$', spaces or control characters (IoT Hub device twin rules)",
    "provisioning.tags.has space: is not a twin tag name: no '.', '$', spaces or control characters (IoT Hub device twin rules)",
    "provisioning.tags.line-3: must be letters, digits and '_', not starting with a digit: the at-scale deployment's target condition names it as tags.<key>",
    "provisioning.tags.big: has a value longer than 4 KB, the twin string limit",
    "provisioning.tags.area: tag 'area' value 'hall 2' cannot be used in a target condition: only letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ ' are allowed (no spaces, no double quotes)",
    "provisioning.tags.edgeFleet: is set by the stack on every device (edgeFleet, edgeStack); choose another name",
  ]);
});

test("registrationIdProblem and twinTagProblems, directly", () => {
  expect(registrationIdProblem("line-3.gw_1:a")).toBeUndefined();
  expect(registrationIdProblem("gw-")).toBeUndefined();
  expect(registrationIdProblem("a".repeat(64))).toBeUndefined();
  expect(registrationIdProblem("gw+1")).toMatch(/^is not a DPS registration id/);
  expect(twinTagProblems({ ok_1: "v" })).toEqual([]);
  expect(twinTagProblems({ k: 7 })).toEqual([{ key: "k", message: "must be a string (the target condition compares it as one)" }]);
});

test("preflight's plan says what a dps device and stack get: no hub identity, no per-device deployment", () => {
  const result = validateFleet(dpsStack(), readManifest);
  if (!result.ok) throw new Error(result.errors.map(formatSettingError).join("\n"));
  const row = devicePlan(result.settings.devices[0], "dps");
  expect(row.creates).toBe("nothing in Azure, bootstrap (registers through DPS), readiness gate");
  expect(devicePlan(result.settings.devices[0]).creates).toBe("nothing in Azure, hub identity (X.509), bootstrap, deployment");
  expect(stackPlan(result.settings)).toContain("DPS fleet-dps (existing): X.509 enrollment group, one at-scale deployment for the fleet");
});
