/**
 * Which IP addresses may receive a tenant's token: only globally routable unicast ones.
 * Pure (node:net only), so every adapter that connects to a caller-supplied host (the
 * base-URL guard, the pinned HTTP client, webhook deliveries) asks the same question.
 */
import { BlockList, isIP } from 'node:net';

/** IPv4 special-purpose ranges (RFC 6890 / IANA registry) that must never receive a token. */
const V4_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", includes unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT shared address space
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

/** IPv6 ranges refused inside global unicast 2000::/3 (everything outside 2000::/3 is refused anyway). */
const V6_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['2001::', 23], // IETF protocol assignments, includes Teredo 2001::/32
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
];

// Separate lists per family: Node's BlockList matches IPv4 rules against
// IPv4-mapped IPv6 addresses (and vice versa), which we handle explicitly instead.
const v4Blocked = new BlockList();
for (const [net, prefix] of V4_BLOCKED) v4Blocked.addSubnet(net, prefix, 'ipv4');
const v6Blocked = new BlockList();
for (const [net, prefix] of V6_BLOCKED) v6Blocked.addSubnet(net, prefix, 'ipv6');
const v6GlobalUnicast = new BlockList();
v6GlobalUnicast.addSubnet('2000::', 3, 'ipv6');

/** Parses a textual IPv6 address (zone already removed) into 16 bytes; undefined if malformed. */
const parseIPv6 = (text: string): Uint8Array | undefined => {
  let s = text;
  // Rewrite a trailing dotted quad ("::ffff:1.2.3.4") as two hex groups.
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    if (isIP(last) !== 4) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (h: string | undefined): number[] | undefined => {
    if (h === undefined || h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = toGroups(halves[0]);
  const rest = toGroups(halves[1]);
  if (head === undefined || rest === undefined) return undefined;
  let groups = head;
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
};

const v4FromBytes = (b: Uint8Array, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const allZero = (b: Uint8Array, from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);

/**
 * True only for a globally routable unicast address. Refuses loopback, unspecified,
 * private, link-local, CGNAT, multicast, broadcast, documentation and other reserved
 * ranges, and IPv6 forms that embed such an IPv4 address (mapped, NAT64, 6to4).
 * Anything unparseable is not public.
 */
export const isPublicAddress = (address: string): boolean => {
  if (typeof address !== 'string') return false;
  const addr = address.split('%')[0] ?? ''; // drop an IPv6 zone id
  const family = isIP(addr);
  if (family === 4) return !v4Blocked.check(addr, 'ipv4');
  if (family !== 6) return false;
  const b = parseIPv6(addr);
  if (b === undefined) return false;
  // IPv4-mapped ::ffff:0:0/96
  if (allZero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return isPublicAddress(v4FromBytes(b, 12));
  // NAT64 well-known prefix 64:ff9b::/96
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && allZero(b, 4, 12)) {
    return isPublicAddress(v4FromBytes(b, 12));
  }
  // 6to4 2002::/16 embeds an IPv4 address in bits 16..47
  if (b[0] === 0x20 && b[1] === 0x02) {
    if (!isPublicAddress(v4FromBytes(b, 2))) return false;
  }
  // Outside 2000::/3: ::, ::1, IPv4-compatible, 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10, ff00::/8, ...
  if (!v6GlobalUnicast.check(addr, 'ipv6')) return false;
  return !v6Blocked.check(addr, 'ipv6');
};
