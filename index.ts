// Entry point of the Pulumi program. Everything it does is in components/ (see README.md).
// `pulumi up` runs it compiled, as bin/index.js (components/compiledProgram.ts).
// First: it defers @pulumi/pulumi's slow, unused modules before anything loads the SDK's index.
import "./components/sdkLazyModules";
import { checkCompiledProgram } from "./components/compiledProgram";
import { defineStack } from "./components/program";

checkCompiledProgram(__filename);

// Async: Key Vault certificates are read before the first resource. Pulumi waits for exported promises.
const stack = defineStack();

export const devices = stack.then((s) => s.devices);
export const edgeVMfile = stack.then((s) => s.edgeVMfile);
export const edgeVMfiles = stack.then((s) => s.edgeVMfiles);
export const iotHubHostName = stack.then((s) => s.iotHubHostName);
// A fleet-core stack's outputs, which its site stacks read (components/fleet/fleetCore.ts); absent elsewhere.
export const fleetCore = stack.then((s) => ("fleetCore" in s ? s.fleetCore : undefined));
export const fleetCoreSecrets = stack.then((s) => ("fleetCoreSecrets" in s ? s.fleetCoreSecrets : undefined));
