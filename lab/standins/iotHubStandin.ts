// A local stand-in of the IoT Hub service REST API (api-version 2021-04-12) over HTTPS, for the
// provider tests, the benchmark and the local lab. It speaks the protocol the real hub speaks:
// same paths and query strings, SAS (or Bearer) authorization checked on every request, etags,
// the documented error bodies `{"Message":"ErrorCode:<Code>;<text>"}` with an `iothub-errorcode`
// header. Drive it only through the real `azure-iothub` client.
//
// The SDK ignores any port in `HostName`, so the stand-in listens on 443 of its own loopback
// address (127.0.4.N: one per test file, so files can run in parallel). Its certificate has an
// IP SAN for that address; trust `caCertPem` (NODE_EXTRA_CA_CERTS at process start, or the hub
// access's `trustedCaPem`).
import { randomBytes } from "node:crypto";
import type { Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HubError, isJson, RegistryModel } from "./iotHubModel";
import { startLoopbackTlsServer } from "./iotHubTls";
import { DeviceSide } from "./iotHubDeviceSide";
import { DeviceApi } from "./iotHubDeviceApi";
import { sasTokenProblem } from "./sasToken";
import { ConfigurationStore } from "./iotHubConfigurations";

export interface IotHubStandinOptions {
  /** Loopback address to listen on (port 443). Default 127.0.4.1. */
  readonly address?: string;
  readonly port?: number;
  readonly policyName?: string;
  /** Base64 shared access key of the policy; random by default. */
  readonly sharedAccessKey?: string;
  /** Bearer tokens accepted as Entra ID access tokens. */
  readonly bearerTokens?: readonly string[];
  /** Play a healthy edge device: after each deployment, connect and report it running after this many ms. */
  readonly simulateDevicesAfterMs?: number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  status: number;
}

export interface FaultRate {
  /** Share of requests (0..1) answered with one of `statuses` instead of being served. */
  readonly rate: number;
  readonly statuses?: readonly number[];
  /** Seed of the deterministic random sequence. */
  readonly seed?: number;
}

const ERROR_CODES: Record<number, string> = {
  429: "ThrottlingException",
  500: "ServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

export class IotHubStandin {
  readonly model = new RegistryModel();
  readonly device: DeviceSide;
  /** The device-facing stand-in API (mutual TLS; our own, see iotHubDeviceApi.ts). */
  readonly deviceApi = new DeviceApi(this.model);
  /** Automatic (at-scale) IoT Edge deployments: /configurations (iotHubConfigurations.ts). */
  readonly configurations: ConfigurationStore;
  readonly requests: LoggedRequest[] = [];
  /** Count of answers per HTTP status. */
  readonly statusCounts = new Map<number, number>();
  private readonly queued: number[] = [];
  private readonly lostAnswers: number[] = [];
  private faultRate: { rate: number; statuses: readonly number[]; next: () => number } | undefined;

  private constructor(
    private readonly server: Server,
    readonly hostName: string,
    readonly policyName: string,
    private readonly sharedAccessKey: string,
    readonly caCertPem: string,
    private readonly bearerTokens: string[],
    simulateAfterMs: number | undefined,
  ) {
    this.device = new DeviceSide(this.model, simulateAfterMs);
    // A deployment applied by the hub reaches the device as applyConfigurationContent's does.
    this.configurations = new ConfigurationStore(this.model, (deviceId) => this.device.deploymentApplied(deviceId));
    this.model.onTwinChanged = (deviceId) => this.configurations.applyTo(deviceId);
  }

  static async start(options: IotHubStandinOptions = {}): Promise<IotHubStandin> {
    const address = options.address ?? "127.0.4.1";
    // Devices (iotHubDeviceApi.ts) present their identity certificate; service clients present none.
    const { server, caCertPem } = await startLoopbackTlsServer({ address, port: options.port ?? 443, ipv6Loopback: true });
    const standin = new IotHubStandin(
      server,
      address,
      options.policyName ?? "iothubowner",
      options.sharedAccessKey ?? randomBytes(32).toString("base64"),
      caCertPem,
      [...(options.bearerTokens ?? [])],
      options.simulateDevicesAfterMs,
    );
    server.on("request", (req, res) => standin.handle(req, res));
    return standin;
  }

  /** The hub's service connection string (a secret). */
  get connectionString(): string {
    return `HostName=${this.hostName};SharedAccessKeyName=${this.policyName};SharedAccessKey=${this.sharedAccessKey}`;
  }

  get sharedAccessKeyValue(): string {
    return this.sharedAccessKey;
  }

  /**
   * From now on accept this Entra ID token: a data-plane role assignment taking effect, which Azure
   * RBAC does some minutes after it is made (learn.microsoft.com "Troubleshoot Azure RBAC").
   */
  acceptBearerToken(token: string): void {
    this.bearerTokens.push(token);
  }

  /** Answer the next requests with these statuses, in order (after authorization, as the hub throttles). */
  failNext(...statuses: number[]): void {
    this.queued.push(...statuses);
  }

  /** Serve the next requests, then answer them with these statuses anyway: an answer lost after the work was done. */
  loseNextAnswers(...statuses: number[]): void {
    this.lostAnswers.push(...statuses);
  }

  /** Answer a share of all requests with a throttling or server error; `undefined` turns it off. */
  setFaultRate(fault: FaultRate | undefined): void {
    this.faultRate = fault && { rate: fault.rate, statuses: fault.statuses ?? [429], next: mulberry32(fault.seed ?? 1) };
  }

  countOf(status: number): number {
    return this.statusCounts.get(status) ?? 0;
  }

  clearLog(): void {
    this.requests.length = 0;
    this.statusCounts.clear();
  }

  async stop(): Promise<void> {
    this.device.stop();
    this.deviceApi.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: LoggedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        status: 0,
      };
      this.requests.push(entry);
      let status: number;
      let payload: unknown;
      try {
        [status, payload] = this.serve(req, entry);
        const lost = this.lostAnswers.shift();
        if (lost !== undefined) throw new HubError(lost, ERROR_CODES[lost] ?? "ServerError", `Injected ${lost} after serving the request`);
      } catch (e) {
        const err = e instanceof HubError ? e : new HubError(500, "ServerError", String(e));
        status = err.status;
        res.setHeader("iothub-errorcode", err.code);
        payload = {
          Message: `ErrorCode:${err.code};${err.message}`,
          ExceptionMessage: `Tracking ID:${randomBytes(16).toString("hex")}-G:0-TimeStamp:${new Date().toISOString()}`,
        };
      }
      entry.status = status;
      this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
      if (payload === undefined) {
        res.writeHead(status).end();
      } else {
        res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(payload));
      }
    });
  }

  private serve(req: IncomingMessage, entry: LoggedRequest): [number, unknown] {
    const url = new URL(entry.url, `https://${this.hostName}`);
    if (!url.searchParams.get("api-version")) throw new HubError(400, "InvalidProtocolVersion", "api-version is required");
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    // Devices authenticate by their certificate, not by a service SAS token.
    if (DeviceApi.handles(parts)) return this.deviceApi.serve(req, parts, () => this.jsonBody(entry));
    this.authorize(req.headers.authorization);
    this.injectFault();
    const ifMatch = req.headers["if-match"];
    const body = () => this.jsonBody(entry);
    const m = req.method;
    if (parts[0] === "devices" && parts.length === 2) {
      if (m === "PUT") return [200, this.model.put(parts[1], body(), ifMatch)];
      if (m === "GET") return [200, this.model.get(parts[1]).device];
      if (m === "DELETE") return (this.model.delete(parts[1], ifMatch), [204, undefined]);
    }
    if (parts[0] === "devices" && parts.length === 3 && parts[2] === "applyConfigurationContent" && m === "POST") {
      this.model.applyConfigurationContent(parts[1], body());
      this.device.deploymentApplied(parts[1]);
      return [204, undefined];
    }
    if (parts[0] === "twins" && parts.length === 2 && m === "GET") return [200, this.model.deviceTwin(parts[1])];
    if (parts[0] === "twins" && parts.length === 2 && m === "PATCH") return [200, this.model.patchTwin(parts[1], body(), ifMatch)];
    // azure-iothub Registry: addConfiguration, updateConfiguration, getConfiguration(s), removeConfiguration.
    if (parts[0] === "configurations" && parts.length === 1 && m === "GET") return [200, this.configurations.list()];
    if (parts[0] === "configurations" && parts.length === 2) {
      if (m === "PUT") return [200, this.configurations.put(parts[1], body(), ifMatch)];
      if (m === "GET") return [200, this.configurations.get(parts[1])];
      if (m === "DELETE") return (this.configurations.delete(parts[1], ifMatch), [204, undefined]);
    }
    if (parts[0] === "twins" && parts.length === 4 && parts[2] === "modules" && m === "GET") {
      return [200, this.model.moduleTwin(parts[1], parts[3])];
    }
    throw new HubError(404, "NotFound", `${m} ${url.pathname} is not served by the stand-in`);
  }

  private jsonBody(entry: LoggedRequest): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(entry.body);
      if (isJson(parsed)) return parsed;
    } catch {
      /* answered below */
    }
    throw new HubError(400, "ArgumentInvalid", "The request body is not a JSON object");
  }

  /** `SharedAccessSignature sr=<host>&sig=<b64 HMAC-SHA256(key, sr + "\n" + se)>&se=<epoch>&skn=<policy>`. */
  private authorize(header: string | undefined): void {
    const unauthorized = (why: string) => new HubError(401, "IotHubUnauthorizedAccess", `Unauthorized: ${why}`);
    if (!header) throw unauthorized("no Authorization header");
    if (header.startsWith("Bearer ")) {
      if (!this.bearerTokens.includes(header.slice("Bearer ".length))) throw unauthorized("bearer token not accepted");
      return;
    }
    if (!header.startsWith("SharedAccessSignature ")) throw unauthorized("unknown authorization scheme");
    const problem = sasTokenProblem(header, {
      hostName: this.hostName,
      policyName: this.policyName,
      sharedAccessKey: this.sharedAccessKey,
      serviceName: "this hub",
    });
    if (problem) throw unauthorized(problem);
  }

  private injectFault(): void {
    let status = this.queued.shift();
    if (status === undefined && this.faultRate && this.faultRate.next() < this.faultRate.rate) {
      const statuses = this.faultRate.statuses;
      status = statuses[Math.floor(this.faultRate.next() * statuses.length)];
    }
    if (status === undefined) return;
    const code = ERROR_CODES[status] ?? "ServerError";
    throw new HubError(
      status,
      code,
      status === 429 ? "Throttling: the request rate exceeds the hub's limit" : `Injected ${status} ${code}`,
    );
  }
}

/** A small seeded PRNG, so injected faults repeat run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
