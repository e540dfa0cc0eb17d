// Entra ID on a hub the stack creates: the principal running `pulumi up` is granted "IoT Hub Data
// Contributor" on that hub (getClientConfig + RoleAssignment, under FleetHub), and every identity
// waits for the assignment and carries the grant it may wait out. Under mocks.
import * as fs from "fs";
import type { FleetSettings } from "../../components/config/settings";
import { validateFleet } from "../../components/config/validateFleet";
import { loadCertificateSources } from "../../components/certificates/fleetCertificates";
import { EdgeFleet } from "../../components/edgeFleet";
import { principalTypeOfToken } from "../../components/iotHub/accessGrant";
import { MOCK_PRINCIPAL_ID, RecordedResource, byName, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { existingDevice, stackSettings, wholeFleet } from "../../lab/mocks/stacks";
import { certificateMocks, plainInputs } from "../certificates/support/certificateMocks";

function fleet(iotHub: Record<string, unknown>): FleetSettings {
  const result = validateFleet(stackSettings([existingDevice("gw-1"), existingDevice("gw-2")], { iotHub }), (file) =>
    fs.readFileSync(file, "utf8"),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return wholeFleet(result.settings);
}

async function build(settings: FleetSettings): Promise<RecordedResource[]> {
  const run = await runUnderMocks(
    {},
    async () => new EdgeFleet("fleet", { settings, stackKey: "edge/test", certificateSources: await loadCertificateSources(settings) }),
    certificateMocks(undefined),
  );
  return run.resources;
}

const roleAssignments = (resources: RecordedResource[]) => resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment");

test("create + entraId: IoT Hub Data Contributor for the deploying principal on the new hub, before every identity", async () => {
  const resources = await build(fleet({ name: "hub-new", create: true, auth: "entraId", roleAssignmentWaitSeconds: 300 }));
  const [role] = roleAssignments(resources);
  expect(roleAssignments(resources)).toHaveLength(1);
  expect(role.name).toBe("fleet-iothub-data-contributor");
  expect(role.parent).toBe(byName(resources, "fleet-iothub").urn);
  expect(plainInputs(role.inputs)).toEqual({
    principalId: MOCK_PRINCIPAL_ID,
    principalType: "ServicePrincipal",
    roleDefinitionId:
      "/subscriptions/00000000-0000-0000-0000-00000000000s/providers/Microsoft.Authorization/roleDefinitions/4fc6c259-987e-4a07-842e-c321cc9d413f",
    scope: "fleet-iothub-hub-id",
  });
  expect(role.dependencies).toContain(byName(resources, "fleet-iothub-hub").urn);
  for (const id of ["gw-1", "gw-2"]) {
    const identity = byName(resources, `fleet-${id}-iothub-identity`);
    expect(identity.dependencies).toContain(role.urn);
    expect(plainInputs(identity.inputs).accessGrant).toEqual({
      role: "IoT Hub Data Contributor",
      principalId: MOCK_PRINCIPAL_ID,
      waitSeconds: 300,
    });
  }
}, 60_000);

test.each([
  ["an existing hub (its access is the operator's to grant)", { name: "hub-old", auth: "entraId" }],
  ["a created hub reached by connection string", { name: "hub-new", create: true, auth: "connectionString" }],
])(
  "%s: no role assignment, no grant to wait for",
  async (_, iotHub) => {
    const resources = await build(fleet(iotHub));
    expect(roleAssignments(resources)).toEqual([]);
    expect(plainInputs(byName(resources, "fleet-gw-1-iothub-identity").inputs).accessGrant).toBeUndefined();
  },
  60_000,
);

test("principal type from the token: delegated (scp) is a user, app-only is a service principal", () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
  expect(principalTypeOfToken(jwt({ scp: "user_impersonation", oid: "x" }))).toBe("User");
  expect(principalTypeOfToken(jwt({ idtyp: "app", oid: "x", roles: [] }))).toBe("ServicePrincipal");
  expect(principalTypeOfToken(jwt({ oid: "x" }))).toBe("ServicePrincipal");
  expect(principalTypeOfToken("not a jwt")).toBe("User");
});
