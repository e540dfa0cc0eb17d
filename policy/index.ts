// The edge policy pack: `pulumi preview --policy-pack policy` (and `pulumi up`) run it.
// Constructing the PolicyPack starts the analyzer server the engine talks to.
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies";
import { keepSecretMarkers } from "./secretMarkers";

keepSecretMarkers();

new PolicyPack(POLICY_PACK_NAME, { policies });
