// EnrollmentGroup: a DPS X.509 enrollment group, as a Pulumi resource (its provider is
// enrollmentGroup.provider.ts, loaded from the provider package).
import * as pulumi from "@pulumi/pulumi";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";
import type { AllocationPolicy } from "./enrollmentGroup.rules";

export interface EnrollmentGroupArgs {
  /** The DPS's service API: its host name and a service connection string (always stored as a secret). */
  readonly dps: {
    readonly hostName: pulumi.Input<string>;
    readonly connectionString: pulumi.Input<string>;
    readonly trustedCaPem?: pulumi.Input<string>;
  };
  readonly enrollmentGroupId: string;
  /** The fleet's signing CA (PEM), carried by the group; or… */
  readonly signingCertificatePem?: pulumi.Input<string>;
  /** …the name of that CA registered and verified on the DPS. */
  readonly caReference?: pulumi.Input<string>;
  readonly iotEdge: boolean;
  /** Initial twin tags of every device it registers. */
  readonly tags: Readonly<Record<string, string>>;
  readonly provisioningStatus: "enabled" | "disabled";
  readonly updateHubAssignment: boolean;
  readonly migrateDeviceData: boolean;
  readonly allocationPolicy: AllocationPolicy;
  /** Host names of the linked hubs it allocates to. */
  readonly iotHubs: pulumi.Input<pulumi.Input<string>[]>;
}

const PROVIDER = packagedProvider({
  module: "dps",
  type: "EnrollmentGroup",
});

export class EnrollmentGroup extends PackagedResource {
  declare readonly enrollmentGroupId: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  declare readonly etag: pulumi.Output<string>;

  constructor(name: string, args: EnrollmentGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        dpsHostName: args.dps.hostName,
        dpsConnectionString: pulumi.secret(args.dps.connectionString),
        dpsTrustedCaPem: args.dps.trustedCaPem,
        enrollmentGroupId: args.enrollmentGroupId,
        signingCertificatePem: args.signingCertificatePem,
        caReference: args.caReference,
        iotEdge: args.iotEdge,
        tags: args.tags,
        provisioningStatus: args.provisioningStatus,
        updateHubAssignment: args.updateHubAssignment,
        migrateDeviceData: args.migrateDeviceData,
        allocationPolicy: args.allocationPolicy,
        iotHubs: args.iotHubs,
        etag: undefined,
        signingThumbprint: undefined,
      },
      // The connection string stays in state only so destroy can reach the DPS: encrypted.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["dpsConnectionString"] }),
    );
  }
}
