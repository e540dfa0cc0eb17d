// Entry point of the Pulumi program. Everything it does is in components/ (see README.md).
import { defineStack } from "./components/program";

const stack = defineStack();

export const devices = stack.devices;
export const edgeVMfile = stack.edgeVMfile;
export const edgeVMfiles = stack.edgeVMfiles;
export const iotHubHostName = stack.iotHubHostName;
