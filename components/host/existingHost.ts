// A Linux device that already exists and is reached over SSH. Creates nothing in the cloud;
// it is a node of its own so the graph shows every device's host the same way.
import * as pulumi from "@pulumi/pulumi";
import { ExistingHost as ExistingHostSettings } from "../config/settings";
import { EdgeHost, SshConnection } from "./edgeHost";

export interface ExistingHostArgs {
  readonly host: ExistingHostSettings;
}

export class ExistingHost extends pulumi.ComponentResource implements EdgeHost {
  readonly privateIp: pulumi.Output<string>;
  readonly fqdn: pulumi.Output<string>;
  readonly connection: SshConnection;
  readonly hostname?: string;
  // A physical device outlives the stack: destroy must clean what the program put on it.
  readonly deletedWithStack = false;
  readonly readyResources: pulumi.Resource[] = [];

  constructor(name: string, args: ExistingHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:host:ExistingHost", name, {}, opts);
    const { host } = args;
    this.privateIp = pulumi.output(host.address);
    this.fqdn = pulumi.output(host.address);
    this.connection = {
      host: pulumi.output(host.address),
      port: host.port,
      user: host.user,
      privateKey: pulumi.secret(host.privateKey),
      hostKey: host.hostKey,
    };
    this.hostname = host.edgeHostname;
    this.registerOutputs({ address: host.address, port: host.port, user: host.user });
  }
}
