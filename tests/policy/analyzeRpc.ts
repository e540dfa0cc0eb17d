// Drives @pulumi/policy's real analyze RPC handler with the request the engine sends (inputs in
// Pulumi's wire form, secrets marked, as analyzer_plugin.go marshals them with KeepSecrets).
import type { ResourceValidationPolicy } from "@pulumi/policy";

/** @pulumi/pulumi runtime/rpc.ts: specialSigKey and specialSecretSig. */
export const SECRET = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

export type Analyze = (type: string, name: string, props: Record<string, unknown>) => Promise<string[]>;

/**
 * A fresh copy of the SDK modules (so the secret-marker patch of one case does not leak into
 * another), with or without the pack's patch, serving `policies` (default: the whole pack).
 * Each result line is `<policy>: <message>`.
 */
export function loadAnalyzer(keepSecretMarkers: boolean, policies?: () => ResourceValidationPolicy[]): Analyze {
  let analyze: Analyze | undefined;
  jest.isolateModules(() => {
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
    const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
    const server = require("@pulumi/policy/server");
    if (keepSecretMarkers) require("../../policy/secretMarkers").keepSecretMarkers();
    const served = policies ? policies() : require("../../policy/policies").policies;
    const rpc = server.makeAnalyzeRpcFun("edge-guardrails", "0.1.0", "mandatory", served);
    analyze = (type, name, props) => {
      const req = new analyzerPb.AnalyzeRequest();
      req.setType(type);
      req.setUrn(`urn:pulumi:test::edge::${type}::${name}`);
      req.setName(name);
      req.setProperties(Struct.fromJavaScript(props));
      req.setOptions(new analyzerPb.AnalyzerResourceOptions());
      return new Promise((resolve, reject) =>
        rpc(
          { request: req },
          (err: Error | undefined, res: { getDiagnosticsList(): { getPolicyname(): string; getMessage(): string }[] }) =>
            err ? reject(err) : resolve(res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`)),
        ),
      );
    };
  });
  return analyze!;
}
