// Waiting out a data-plane role the stack has just granted. Azure RBAC assignments take effect
// after a delay (learn.microsoft.com "Troubleshoot Azure RBAC": up to about 10 minutes), so on a hub
// the stack creates, the first identity may be refused with 401/403 although the grant exists.
import { HubRequestError } from "./retry";

/** The grant a provider call relies on, and how long to wait for it to apply. */
export interface AccessGrant {
  /** The role's display name: "IoT Hub Data Contributor". */
  readonly role: string;
  /** Object id of the principal running `pulumi up`. */
  readonly principalId: string;
  /** How long to keep trying after 401/403 (iotHub.roleAssignmentWaitSeconds). */
  readonly waitSeconds: number;
  /** Time between two tries. Default 10. */
  readonly pollSeconds?: number;
}

/** "IoT Hub Data Contributor", built in: Allows for full access to IoT Hub data plane operations. */
export const IOT_HUB_DATA_CONTRIBUTOR = { name: "IoT Hub Data Contributor", id: "4fc6c259-987e-4a07-842e-c321cc9d413f" } as const;

/** Runs `op`; while the hub refuses it with 401/403 and `grant` allows, tries again. */
export async function withAccessGrant<T>(grant: AccessGrant | undefined, op: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  const started = now();
  for (;;) {
    try {
      return await op();
    } catch (error) {
      const denied = error instanceof HubRequestError && (error.status === 401 || error.status === 403);
      if (!grant || !denied) throw error;
      const pollMs = (grant.pollSeconds ?? 10) * 1000;
      if (now() - started + pollMs > grant.waitSeconds * 1000) {
        throw new Error(
          `${(error as Error).message}. The stack granted "${grant.role}" on this hub to principal ${grant.principalId} (the identity running pulumi up), ` +
            `and it had not taken effect after ${grant.waitSeconds} s (iotHub.roleAssignmentWaitSeconds). Role assignments can take minutes to apply: ` +
            `run pulumi up again, or check the assignment with \`az role assignment list --assignee ${grant.principalId} --all\`.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

/**
 * Whether the principal behind an Entra ID access token is a user or a service principal (a CI
 * login): a delegated (user) token carries the `scp` claim, an app-only token does not
 * (learn.microsoft.com "Access token claims reference"). A role assignment must name the right
 * type, or ARM refuses it. Reads the payload only; the signature is the issuer's business.
 */
export function principalTypeOfToken(jwt: string): "User" | "ServicePrincipal" {
  const payload = jwt.split(".")[1];
  let claims: Record<string, unknown> = {};
  try {
    claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    // Not a JWT: assume a person at a terminal, the common case.
  }
  return typeof claims.scp === "string" || claims.idtyp === "user"
    ? "User"
    : claims.idtyp === "app" || claims.oid !== undefined
      ? "ServicePrincipal"
      : "User";
}
