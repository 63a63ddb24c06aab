import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net';
import { AttemptFailure } from './errors.js';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** Resolves a host name to every address it has; the guard checks all of them before a socket may connect. */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

type Bytes = readonly number[];

interface Range {
  bytes: Bytes;
  bits: number;
  name: string;
}

function ipv4Bytes(text: string): Bytes | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').map(Number);
}

/** 16 bytes; accepts `::`, an embedded dotted IPv4 tail and a `%zone` suffix. */
function ipv6Bytes(input: string): Bytes | undefined {
  let text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (!isIPv6(text)) return undefined;
  let tail: Bytes = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = ipv4Bytes(last) ?? [];
    // Keep a '::' that ends right before the IPv4 tail ('::ffff:1.2.3.4' -> '::ffff', '::1.2.3.4' -> '::').
    const before = text.slice(0, lastColon + 1);
    text = before.endsWith('::') ? before : text.slice(0, lastColon);
  }
  const groupsWanted = tail.length === 4 ? 6 : 8;
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const headGroups = parse(head);
  const restGroups = rest === undefined ? [] : parse(rest);
  const zeros = rest === undefined ? 0 : groupsWanted - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<number>(Math.max(0, zeros)).fill(0), ...restGroups];
  if (groups.length !== groupsWanted) return undefined;
  const bytes = groups.flatMap((group) => [group >> 8, group & 0xff]);
  return [...bytes, ...tail];
}

function range(address: string, bits: number, name: string): Range {
  const bytes = ipv4Bytes(address) ?? ipv6Bytes(address);
  if (bytes === undefined) throw new Error(`bad range ${address}`);
  return { bytes, bits, name };
}

function within(bytes: Bytes, prefix: Bytes, bits: number): boolean {
  if (bytes.length !== prefix.length) return false;
  for (let bit = 0; bit < bits; bit += 8) {
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

// IANA special-purpose registries (RFC 6890 and successors): nothing here is a public server an asset link may use.
const IPV4_SPECIAL: readonly Range[] = [
  range('0.0.0.0', 8, 'unspecified ("this network")'),
  range('10.0.0.0', 8, 'private'),
  range('100.64.0.0', 10, 'carrier-grade NAT'),
  range('127.0.0.0', 8, 'loopback'),
  range('169.254.0.0', 16, 'link-local'),
  range('172.16.0.0', 12, 'private'),
  range('192.0.0.0', 24, 'IETF protocol assignment'),
  range('192.0.2.0', 24, 'documentation'),
  range('192.88.99.0', 24, '6to4 relay'),
  range('192.168.0.0', 16, 'private'),
  range('198.18.0.0', 15, 'benchmarking'),
  range('198.51.100.0', 24, 'documentation'),
  range('203.0.113.0', 24, 'documentation'),
  range('224.0.0.0', 4, 'multicast'),
  range('240.0.0.0', 4, 'reserved or broadcast'),
];

/** IPv6 prefixes that carry an IPv4 address, and where in the 16 bytes it sits: the IPv4 address decides. */
const IPV6_EMBEDDING: ReadonlyArray<{ prefix: Range; offset: number }> = [
  { prefix: range('::ffff:0:0', 96, 'IPv4-mapped'), offset: 12 },
  { prefix: range('::ffff:0:0:0', 96, 'IPv4-translated'), offset: 12 },
  { prefix: range('64:ff9b::', 96, 'NAT64'), offset: 12 },
  { prefix: range('2002::', 16, '6to4'), offset: 2 },
];

const IPV6_SPECIAL: readonly Range[] = [
  range('::', 128, 'unspecified'),
  range('::1', 128, 'loopback'),
  range('::', 96, 'IPv4-compatible (deprecated)'),
  range('64:ff9b:1::', 48, 'local-use NAT64'),
  range('100::', 64, 'discard-only'),
  range('2001:db8::', 32, 'documentation'),
  range('2001::', 23, 'IETF protocol assignment'),
  range('3fff::', 20, 'documentation'),
  range('5f00::', 16, 'segment routing'),
  range('fc00::', 7, 'unique local (ULA)'),
  range('fe80::', 10, 'link-local'),
  range('fec0::', 10, 'site-local (deprecated)'),
  range('ff00::', 8, 'multicast'),
];

const IPV6_GLOBAL_UNICAST = range('2000::', 3, 'global unicast');

function ipv4Range(bytes: Bytes): string | undefined {
  return IPV4_SPECIAL.find((candidate) => within(bytes, candidate.bytes, candidate.bits))?.name;
}

/**
 * The special-purpose range `address` belongs to (`'loopback'`, `'private'`, `'IPv4-mapped loopback'`, ...), or
 * `undefined` for a public unicast address. Anything that is not an IP address is reported as `'not an IP address'`.
 *
 * @example
 * specialRange('10.1.2.3'); // 'private'
 * specialRange('::ffff:127.0.0.1'); // 'IPv4-mapped loopback'
 * specialRange('93.184.215.14'); // undefined
 */
export function specialRange(address: string): string | undefined {
  const v4 = ipv4Bytes(address);
  if (v4 !== undefined) return ipv4Range(v4);
  const v6 = ipv6Bytes(address);
  if (v6 === undefined) return 'not an IP address';
  for (const { prefix, offset } of IPV6_EMBEDDING) {
    if (within(v6, prefix.bytes, prefix.bits)) {
      const inner = ipv4Range(v6.slice(offset, offset + 4));
      return inner === undefined ? undefined : `${prefix.name} ${inner}`;
    }
  }
  const special = IPV6_SPECIAL.find((candidate) => within(v6, candidate.bytes, candidate.bits));
  if (special !== undefined) return special.name;
  return within(v6, IPV6_GLOBAL_UNICAST.bytes, IPV6_GLOBAL_UNICAST.bits) ? undefined : 'reserved';
}

/** An IPv4-mapped IPv6 address is matched as the IPv4 address it is. */
function comparableBytes(address: string): Bytes | undefined {
  const v4 = ipv4Bytes(address);
  if (v4 !== undefined) return v4;
  const v6 = ipv6Bytes(address);
  if (v6 === undefined) return undefined;
  const mapped = IPV6_EMBEDDING[0];
  if (mapped !== undefined && within(v6, mapped.prefix.bytes, mapped.prefix.bits)) return v6.slice(12);
  return v6;
}

/**
 * Parses `allowPrivateAddresses` entries (`'127.0.0.1'`, `'10.0.0.0/8'`, `'fd00::/8'`); throws a `TypeError`
 * naming the bad entry.
 */
export function parseAddressList(name: string, entries: readonly unknown[]): Range[] {
  return entries.map((entry) => {
    if (typeof entry !== 'string') throw new TypeError(`\`${name}\` entries must be strings; received ${typeof entry}.`);
    const [address = '', bitsText] = entry.split('/');
    const family = isIP(address);
    const maxBits = family === 4 ? 32 : 128;
    const bits = bitsText === undefined ? maxBits : Number(bitsText);
    const bytes = comparableBytes(address);
    if (family === 0 || bytes === undefined || !Number.isInteger(bits) || bits < 0 || bits > maxBits || !/^\d*$/.test(bitsText ?? '')) {
      throw new TypeError(`\`${name}\` entries must be IP addresses or CIDR ranges like "10.0.0.0/8"; received "${entry}".`);
    }
    // A mapped IPv6 entry is compared as IPv4, so its prefix length shrinks by the 96 mapping bits.
    const effectiveBits = bytes.length === 4 && family === 6 ? Math.max(0, bits - 96) : bits;
    return { bytes, bits: effectiveBits, name: entry };
  });
}

/** Decides which resolved addresses a download may connect to. */
export interface AddressPolicy {
  /** `undefined` when the address may be used, else the special-purpose range it is in (for the error message). */
  refusal(address: string): string | undefined;
  resolve: ResolveHost;
}

const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * `allow: true` permits every address; an array permits the special-purpose addresses it lists (public ones are
 * always permitted); `false` permits public addresses only.
 */
export function addressPolicy(allow: boolean | readonly Range[], resolve: ResolveHost = systemResolve): AddressPolicy {
  return {
    resolve,
    refusal(address) {
      if (isIP(address.split('%')[0] ?? '') === 0) return 'not an IP address';
      if (allow === true) return undefined;
      const special = specialRange(address);
      if (special === undefined) return undefined;
      const bytes = comparableBytes(address);
      if (allow !== false && bytes !== undefined && allow.some((entry) => within(bytes, entry.bytes, entry.bits))) {
        return undefined;
      }
      return special;
    },
  };
}

/** The failure an address refused by the policy produces; also thrown for IP-literal hosts before connecting. */
export function blockedAddress(hostname: string, address: string, range: string): AttemptFailure {
  const subject = hostname === address ? `${address} is` : `${hostname} resolves to ${address},`;
  return new AttemptFailure('address_blocked', `refused: ${subject} a ${range} address (see allowPrivateAddresses)`);
}

/**
 * A `lookup` for `http.request` that resolves with the policy's resolver and refuses the connection unless EVERY
 * address is permitted. The socket connects to exactly the addresses checked here, so a DNS answer that changes
 * between a check and the connect (DNS rebinding) cannot slip past. Node skips `lookup` for IP-literal hosts: the
 * caller checks those itself.
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    policy.resolve(hostname).then(
      (resolved) => {
        const addresses = resolved.filter((entry) => wanted === 0 || entry.family === wanted);
        let failure: Error | undefined;
        if (addresses.length === 0) {
          failure = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        } else {
          for (const { address } of addresses) {
            const why = policy.refusal(address);
            if (why !== undefined) {
              failure = blockedAddress(hostname, address, why);
              break;
            }
          }
        }
        // Answer outside the promise chain: a throw in Node's connect path must not become an unhandled rejection.
        process.nextTick(() => {
          if (failure !== undefined) callback(failure, '', 0);
          else if (options.all === true) callback(null, addresses.map((entry) => ({ address: entry.address, family: entry.family })));
          else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
        });
      },
      (error: unknown) => {
        process.nextTick(() => callback(error as NodeJS.ErrnoException, '', 0));
      },
    );
  };
}

/** Lower-cased host names; `*.example.com` also matches every subdomain of example.com (not example.com itself). */
export function parseAllowedHosts(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    throw new TypeError(`\`${name}\` must be an array of host names (like "cdn.example.com" or "*.example.com").`);
  }
  return (value as string[]).map((entry) => normaliseHost(entry.trim()));
}

function normaliseHost(host: string): string {
  let result = host.toLowerCase();
  if (result.startsWith('[') && result.endsWith(']')) result = result.slice(1, -1);
  return result.endsWith('.') ? result.slice(0, -1) : result;
}

/** Whether `hostname` (as `URL.hostname` spells it) is on the allow-list; no list allows every host. */
export function hostAllowed(hostname: string, allowedHosts: readonly string[] | undefined): boolean {
  if (allowedHosts === undefined) return true;
  const host = normaliseHost(hostname);
  return allowedHosts.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}
