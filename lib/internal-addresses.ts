// Addresses a webhook must not be pointed at unless the operator allows them by name
// (WEBHOOK_ALLOW_HOSTS): loopback, private, link-local, carrier-grade NAT, multicast and reserved
// ranges, and the names that mean this machine. A supervisor's URL is otherwise a way into the
// system's own network (the database, Temporal, a cloud metadata service at 169.254.169.254).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Two lists: one BlockList matches an IPv4 address against IPv4-mapped IPv6 rules too.
const internal4 = new BlockList();
const internal6 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal4.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal6.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address in an IPv4-mapped IPv6 one (::ffff:a.b.c.d, as URL writes it ::ffff:xxxx:xxxx). */
function mappedIPv4(ip: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return null;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** True for an IP address in a loopback, private, link-local or reserved range. */
export function isInternalAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return internal4.check(ip, 'ipv4');
  if (family !== 6) return false;
  const v4 = mappedIPv4(ip);
  if (v4) return internal4.check(v4, 'ipv4');
  return internal6.check(ip, 'ipv6');
}

const LOCAL_NAMES = /^(localhost|localhost\.localdomain)$|\.(localhost|local|internal)$/;
const LOOKUP_MS = 3_000;

/**
 * Why `hostname` (as URL.hostname has it: IPv6 in brackets) is internal, or null when it is not: an
 * internal address, a local name, or a name that resolves to an internal address now. A name that
 * does not resolve within a few seconds is not refused here (its deliveries fail until it does).
 */
export async function internalHost(hostname: string): Promise<string | null> {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (isIP(host)) return isInternalAddress(host) ? `${host} is a loopback, private, link-local or reserved address` : null;
  if (LOCAL_NAMES.test(host)) return `${host} names this machine or its local network`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const addresses = await Promise.race([
    lookup(host, { all: true }).catch(() => []),
    new Promise<[]>((resolve) => (timer = setTimeout(() => resolve([]), LOOKUP_MS))),
  ]).finally(() => clearTimeout(timer));
  const found = addresses.find((a) => isInternalAddress(a.address));
  return found ? `${host} resolves to ${found.address}, a loopback, private, link-local or reserved address` : null;
}
