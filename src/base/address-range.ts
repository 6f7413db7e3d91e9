/**
 * IP addresses and CIDR ranges as the `trusted_proxies` option (DOCS.md) spells them: `10.0.0.5`,
 * `192.168.1.0/24`, `fd00::/8`, `::1`. Parsed by Node's `net.isIP`, matched with `net.BlockList`,
 * so there is no address arithmetic of our own. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.5`, how
 * a dual-stack socket reports an IPv4 peer) count as the IPv4 address.
 */
import { BlockList, isIP } from 'node:net';

export interface AddressRange {
  address: string;
  /** Bits of the network prefix; 32 (IPv4) or 128 (IPv6) for a single address. */
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `::ffff:10.0.0.5` → `10.0.0.5`; every other text unchanged. */
export function unmapIpv4(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** One address or `address/prefix`; undefined when `text` is neither. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const [rawAddress, rawPrefix, ...rest] = text.trim().split('/');
  if (rest.length > 0 || !rawAddress) return undefined;
  const address = unmapIpv4(rawAddress);
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (rawPrefix === undefined) return { address, prefix: bits, family: version === 4 ? 'ipv4' : 'ipv6' };
  if (!/^\d{1,3}$/.test(rawPrefix) || Number(rawPrefix) > bits) return undefined;
  return { address, prefix: Number(rawPrefix), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of addresses and ranges; {@link has} answers for one address. */
export class AddressSet {
  readonly #list = new BlockList();
  readonly size: number;

  /** Throws on an entry that is not an address or range (the config schema has refused those already). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const range = parseAddressRange(entry);
      if (!range) throw new Error(`not an IP address or CIDR range: ${entry}`);
      this.#list.addSubnet(range.address, range.prefix, range.family);
    }
    this.size = entries.length;
  }

  /** True when `address` (an IP; anything else is never in the set) lies in one of the entries. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const plain = unmapIpv4(address);
    const version = isIP(plain);
    if (version === 0) return false;
    return this.#list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  }
}
