// No Basic public IP: Azure retired Basic SKU public IPs; Standard is also closed by default.
import { type Props, at, sameWord } from "./inputs";
import { mandatoryPolicy } from "./mandatoryPolicy";

export const PUBLIC_IP_TYPE = "azure-native:network:PublicIPAddress";

/** Every SKU problem of a resource. Pure. */
export function publicIpSkuProblems(type: string, props: Props): string[] {
  if (type !== PUBLIC_IP_TYPE) return [];
  const sku = at(props, "sku", "name");
  if (sameWord(sku, "Standard")) return [];
  const got = sku === undefined ? "not set (Azure's default is Basic)" : JSON.stringify(sku);
  return [
    `sku.name is ${got}: public IPs must use sku.name "Standard" (with publicIPAllocationMethod "Static"); Basic public IPs are retired.`,
  ];
}

export const standardPublicIp = mandatoryPolicy("standard-public-ip", "Public IP addresses must use the Standard SKU.", (args) =>
  publicIpSkuProblems(args.type, args.props),
);
