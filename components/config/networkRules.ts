// Rules about SSH source ranges. Pure.

// Every way an NSG rule can say "the whole internet".
const WHOLE_INTERNET = new Set(["*", "any", "internet", "0.0.0.0/0", "0.0.0.0", "::/0", "::"]);

/** True when a source range admits any address on the internet. */
export function isWholeInternet(range: string): boolean {
  return WHOLE_INTERNET.has(range.trim().toLowerCase());
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/** Why a source range is not a usable IPv4/IPv6 address or CIDR, or undefined when it is. */
export function sourceRangeProblem(range: string): string | undefined {
  const trimmed = range.trim();
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
