// What the Device Provisioning Service said when it refused a request, read from an
// azure-iot-provisioning-service error. Pure. DPS answers `{"errorCode":404201,"trackingId":…,
// "message":…,"timestampUtc":…}` with an `x-ms-error-code` header (learn.microsoft.com REST,
// ProvisioningServiceErrorDetails); the SDK keeps the HTTP response and raw body on its error.
import type { HubErrorInfo } from "../iotHub/hubErrors";
import type { RetriedService } from "../iotHub/retry";

interface SdkError {
  message?: string;
  code?: string;
  response?: { statusCode?: number; headers?: Record<string, unknown> };
  responseBody?: unknown;
}

/** Status, DPS error code (as text, e.g. "412"/"401002") or socket error code, and the service's message. */
export function dpsErrorOf(error: unknown): HubErrorInfo {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as SdkError;
  const status = e.response?.statusCode;
  const header = e.response?.headers?.["x-ms-error-code"];
  let code = typeof header === "string" ? header : undefined;
  let message = e.message ?? String(error);
  if (typeof e.responseBody === "string") {
    try {
      const body = JSON.parse(e.responseBody) as { errorCode?: unknown; message?: unknown };
      if (typeof body.errorCode === "number" || typeof body.errorCode === "string") code = String(body.errorCode);
      if (typeof body.message === "string") message = body.message;
    } catch {
      // Not the documented body (a proxy's page, say): keep the SDK's message.
    }
  }
  if (status === undefined && typeof e.code === "string") code = e.code;
  return { status, code, message };
}

export const DPS_SERVICE: RetriedService = { refusedPrefix: "Device Provisioning Service refused ", errorOf: dpsErrorOf };
