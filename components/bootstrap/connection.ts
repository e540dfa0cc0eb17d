// The SSH connection every bootstrap step uses: the caller's, with the private key kept secret (an
// Ed25519 key in PKCS#8, see sshKey.ts) and dial retries long enough for a VM that is still booting. Pure.
import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { compactPrivateKey } from "./sshKey";

export type ConnectionArgs = types.input.remote.ConnectionArgs;

/**
 * Dial attempts before a step gives up. The command provider waits 0.1 s after the first failed
 * dial, 1.5 times longer after each next one, at most 5 s (pulumi's retry.Until defaults), so its
 * default of 10 gives up after about 11 s of refused connections: less than an Azure VM takes to
 * start sshd. 60 attempts wait about 4.5 minutes.
 */
export const BOOT_DIAL_ERROR_LIMIT = 60;
/** Seconds for one dial (TCP connect and SSH handshake); the provider's default. */
export const BOOT_PER_DIAL_TIMEOUT = 15;

/** Seconds the provider waits in total between failed dials, for a given dial error limit. */
export function dialRetryBudgetSeconds(dialErrorLimit: number): number {
  let total = 0;
  let delay = 0.1;
  for (let attempt = 1; attempt <= dialErrorLimit; attempt++) {
    total += delay;
    delay = Math.min(delay * 1.5, 5);
  }
  return Math.round(total * 10) / 10;
}

export function bootstrapConnection(connection: ConnectionArgs): ConnectionArgs {
  return {
    ...connection,
    // Each step keeps the connection twice in the state: an Ed25519 key in its shortest form.
    privateKey:
      connection.privateKey === undefined ? undefined : pulumi.secret(pulumi.output(connection.privateKey).apply(compactPrivateKey)),
    password: connection.password === undefined ? undefined : pulumi.secret(connection.password),
    dialErrorLimit: connection.dialErrorLimit ?? BOOT_DIAL_ERROR_LIMIT,
    perDialTimeout: connection.perDialTimeout ?? BOOT_PER_DIAL_TIMEOUT,
  };
}
