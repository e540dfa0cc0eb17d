// Names Azure refuses, checked before anything is created. Pure.

/**
 * IoT Hub names: 3-50 letters, digits and hyphens, not ending with a hyphen.
 * Source: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices (IotHubs).
 */
export const IOT_HUB_NAME = /^[A-Za-z0-9-]{2,49}[A-Za-z0-9]$/;
export const IOT_HUB_NAME_RULE =
  "must be 3-50 letters, digits or hyphens, not ending with a hyphen (Azure's IoT Hub name rule: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices)";

/**
 * Key Vault names: 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or
 * digit, no two hyphens in a row.
 * Source: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault (vaults).
 */
export const KEY_VAULT_NAME = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
export const KEY_VAULT_NAME_RULE =
  "must be 3-24 letters, digits or hyphens, start with a letter, end with a letter or digit, without two hyphens in a row (Azure's Key Vault name rule: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault)";

/**
 * Admin user names Azure refuses for a VM ("Disallowed values" of osProfile.adminUsername in the
 * Compute REST API,
 * learn.microsoft.com/rest/api/compute/virtual-machines/create-or-update#osprofile). Compared without case.
 */
export const RESERVED_ADMIN_USERS: readonly string[] = [
  "administrator",
  "admin",
  "user",
  "user1",
  "test",
  "user2",
  "test1",
  "user3",
  "admin1",
  "1",
  "123",
  "a",
  "actuser",
  "adm",
  "admin2",
  "aspnet",
  "backup",
  "console",
  "david",
  "guest",
  "john",
  "owner",
  "root",
  "server",
  "sql",
  "support",
  "support_388945a0",
  "sys",
  "test2",
  "test3",
  "user4",
  "user5",
];

export function isReservedAdminUser(name: string): boolean {
  return RESERVED_ADMIN_USERS.includes(name.toLowerCase());
}

/**
 * Device Provisioning Service names: 3-64 letters, digits and hyphens, ending with a letter or digit.
 * Source: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices (provisioningServices).
 */
export const DPS_NAME = /^[A-Za-z0-9-]{2,63}[A-Za-z0-9]$/;
export const DPS_NAME_RULE =
  "must be 3-64 letters, digits or hyphens, ending with a letter or digit (Azure's Device Provisioning Service name rule: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices)";

/**
 * DPS enrollment group ids: "alphanumeric, lowercase, and may contain hyphens" (azure-iot-provisioning-service
 * interfaces.d.ts, EnrollmentGroup.enrollmentGroupId), at most 128; the same rule as enrollmentGroup.rules.ts.
 */
export const ENROLLMENT_GROUP_ID = /^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$/;

/**
 * The id scope DPS issues: "0ne" and eight hexadecimal digits, as every published one reads (the
 * azure-docs DPS quickstarts and azure-iot-sdk samples: 0ne00002193, 0ne00C87B3E). The service
 * generates it and documents no grammar; a typo would only show when every device fails to register.
 */
export const ID_SCOPE = /^0ne[0-9A-Fa-f]{8}$/;
