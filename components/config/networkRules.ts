// Rules about SSH source ranges and the fleet network. Pure.
import { isWholeInternet } from "./wholeInternet";

export { isWholeInternet };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
const IPV6 = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

/**
 * What an NSG source holds: a service tag (`*`, `Internet`), or an IPv4 or IPv6 address or prefix.
 * ARM takes a tag only alone, in `sourceAddressPrefix` (SecurityRule REST API: sourceAddressPrefixes
 * holds "CIDR or source IP ranges"), and refuses a rule whose prefixes mix the two families
 * (ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies, as reported in
 * hashicorp/terraform-provider-azurerm#12534 and gardener/gardener-extension-provider-azure#397).
 */
export type SourceKind = "tag" | "ipv4" | "ipv6";

export function sourceKind(range: string): SourceKind {
  const trimmed = range.trim();
  if (IPV4.test(trimmed)) return "ipv4";
  if (trimmed.includes(":") && IPV6.test(trimmed)) return "ipv6";
  return "tag";
}

/** Why a source range is not a usable IPv4/IPv6 address or CIDR, or undefined when it is. */
export function sourceRangeProblem(range: string): string | undefined {
  const trimmed = range.trim();
  // ARM refuses "any": "Security rule has invalid Address prefix. Value provided: any" (ernestio/ernest#473).
  if (trimmed.toLowerCase() === "any") return `"${range}" is not an address prefix Azure accepts; write "*" for every source`;
  if (isWholeInternet(trimmed)) return undefined;
  const v4 = IPV4.exec(trimmed);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return `"${range}" has an octet above 255`;
    if (v4[5] !== undefined && Number(v4[5]) > 32) return `"${range}" has a prefix length above 32`;
    return undefined;
  }
  if (/^[0-9a-fA-F:]+(\/\d{1,3})?$/.test(trimmed) && trimmed.includes(":")) return undefined;
  return `"${range}" is not an IP address or CIDR range (e.g. 203.0.113.0/24)`;
}

/** An IPv4 CIDR as [first address, prefix length], or undefined when it is not one. */
function ipv4Cidr(cidr: string): [number, number] | undefined {
  const m = IPV4.exec(cidr.trim());
  if (!m || m[5] === undefined) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return [address - (address % size), bits];
}

/**
 * Why `subnetPrefix` cannot be a subnet of a VNet with `addressSpace`, or undefined when it can:
 * Azure refuses a subnet outside the VNet's address space ("NetcfgInvalidSubnet: Subnet ... is not
 * valid in virtual network", hashicorp/terraform-provider-azurerm#10826; the portal says "The subnet
 * address range ... is not contained in this virtual network's address spaces", MicrosoftDocs/azure-docs#91214).
 */
export function subnetProblem(
  addressSpace: string,
  subnetPrefix: string,
): { setting: "addressSpace" | "subnetPrefix"; message: string } | undefined {
  const space = ipv4Cidr(addressSpace);
  if (!space) return { setting: "addressSpace", message: `"${addressSpace}" is not an IPv4 CIDR range (e.g. 10.40.0.0/16)` };
  const subnet = ipv4Cidr(subnetPrefix);
  if (!subnet) return { setting: "subnetPrefix", message: `"${subnetPrefix}" is not an IPv4 CIDR range (e.g. 10.40.1.0/24)` };
  const [spaceStart, spaceBits] = space;
  const [subnetStart, subnetBits] = subnet;
  const inside = subnetBits >= spaceBits && subnetStart - (subnetStart % 2 ** (32 - spaceBits)) === spaceStart;
  if (!inside) {
    return {
      setting: "subnetPrefix",
      message: `"${subnetPrefix}" is outside the network's address space "${addressSpace}"; Azure refuses a subnet outside its VNet's address space (NetcfgInvalidSubnet)`,
    };
  }
  return undefined;
}
