// The pack's policies, in the order they are reported. Importing this starts nothing; index.ts
// serves them.
import type { Policies } from "@pulumi/policy";
import { keyVaultProtection } from "./keyVaultProtection";
import { noPasswordLogin } from "./noPasswordLogin";
import { privateKeysAsSecrets } from "./privateKeysAsSecrets";
import { noSshFromInternet } from "./sshFromInternet";
import { standardPublicIp } from "./standardPublicIp";
import { x509DeviceIdentity } from "./x509DeviceIdentity";

export const POLICY_PACK_NAME = "edge-guardrails";

export const policies: Policies = [
  noSshFromInternet,
  noPasswordLogin,
  standardPublicIp,
  keyVaultProtection,
  x509DeviceIdentity,
  privateKeysAsSecrets,
];
