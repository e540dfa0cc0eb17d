// What the rest of a device's graph needs to know about its host, whichever kind it is.
import * as pulumi from "@pulumi/pulumi";

/**
 * The SSH connection the bootstrap uses, shaped like `remote.types.input.ConnectionArgs`.
 * Fields are separate Outputs so that only `privateKey` is secret, not the whole connection.
 */
export interface SshConnection {
  readonly host: pulumi.Output<string>;
  readonly port: number;
  readonly user: string;
  readonly privateKey: pulumi.Output<string>;
  /** Expected host key (known_hosts form, `ssh-ed25519 AAAA…`) when the stack knows it: every dial pins it. */
  readonly hostKey?: pulumi.Input<string>;
}

export interface EdgeHost {
  /** Address on the device's own network (for a VM, the NIC's private IP). */
  readonly privateIp: pulumi.Output<string>;
  /** Public DNS name, or the address when there is none. */
  readonly fqdn: pulumi.Output<string>;
  /** Where the bootstrap connects. */
  readonly connection: SshConnection;
  /**
   * config.toml's `hostname` when the stack knows it (a VM's computer name, an existing host's
   * edgeHostname); undefined: the host's own name, read over SSH by the bootstrap's first step.
   */
  readonly hostname?: string;
  /** true for an Azure VM that is deleted with the stack: destroy need not clean it. */
  readonly deletedWithStack: boolean;
  /** The resources that must exist before anything runs on the host (empty for an existing host). */
  readonly readyResources: pulumi.Resource[];
}

/** `user@host:port`, for people and for scripts. */
export function sshTarget(connection: SshConnection): pulumi.Output<string> {
  return connection.host.apply((host) => `${connection.user}@${host}:${connection.port}`);
}
