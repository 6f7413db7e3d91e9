/**
 * Whose request is this: the peer's address, or, behind a reverse proxy listed in
 * `trusted_proxies` (DOCS.md, docs/proxies.md), the client address the proxy reports in
 * `Forwarded` (RFC 7239) or `X-Forwarded-For`. The request budget, the failed-token ban, the
 * new-stream window and the connections list all key on {@link clientAddress}.
 *
 * The standard walk: the hops are the header's addresses left to right, then the peer. Starting
 * from the peer, every hop that is a trusted proxy passes the question on to the hop on its left;
 * the first untrusted one is the client. Anything left of it was written by the client itself
 * and proves nothing. A peer that is not a trusted proxy is the client, whatever it sends, so a
 * spoofed header from an unlisted address changes nothing.
 *
 * Each listener tags a request once as it arrives ({@link TrustedProxies.tag}); the WebSocket API
 * tags an upgrade the same way.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { AddressSet, unmapIpv4 } from '../base/address-range.ts';
import { isIP } from 'node:net';

/** The client address a trusted proxy reported, set by {@link TrustedProxies.tag}. */
const CLIENT_ADDRESS = Symbol('sse-hub.client-address');

type TaggedRequest = IncomingMessage & { [CLIENT_ADDRESS]?: string };

/** The socket's peer address without the IPv4-mapped prefix (`::ffff:`). */
export function peerAddress(req: IncomingMessage): string {
  return unmapIpv4(req.socket.remoteAddress ?? '');
}

/** The client's address: what a trusted proxy reported for this request, else the peer's. */
export function clientAddress(req: IncomingMessage): string {
  return (req as TaggedRequest)[CLIENT_ADDRESS] ?? peerAddress(req);
}

/** The `trusted_proxies` option in use. */
export class TrustedProxies {
  readonly #proxies: AddressSet;

  constructor(entries: readonly string[]) {
    this.#proxies = new AddressSet(entries);
  }

  /** Records the client address on `req` when its peer is a trusted proxy; otherwise leaves it alone (cheap). */
  tag(req: IncomingMessage): void {
    if (this.#proxies.size === 0) return;
    const peer = peerAddress(req);
    if (!this.#proxies.has(peer)) return;
    (req as TaggedRequest)[CLIENT_ADDRESS] = this.clientOf(peer, req.headers);
  }

  /** The client address for a request from `peer` carrying `headers` (see the file comment). */
  clientOf(peer: string, headers: IncomingHttpHeaders): string {
    let nearest = peer;
    if (!this.#proxies.has(nearest)) return nearest;
    const hops = forwardedHops(headers);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // `unknown`, an obfuscated name or garbage: the proxy that wrote it is as close as we get.
      if (isIP(hop) === 0) return nearest;
      if (!this.#proxies.has(hop)) return hop;
      nearest = hop;
    }
    return nearest;
  }
}

/** The forwarded-for hops, left (the original client) to right: `Forwarded` when it names any, else `X-Forwarded-For`. */
export function forwardedHops(headers: IncomingHttpHeaders): string[] {
  const forwarded = joined(headers.forwarded);
  if (forwarded) {
    const hops = splitOutsideQuotes(forwarded, ',').map(forElement);
    if (hops.some((hop) => hop !== '')) return hops;
  }
  const xff = joined(headers['x-forwarded-for']);
  if (!xff) return [];
  return xff.split(',').map((hop) => node(hop.trim()));
}

function joined(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** The `for=` of one `Forwarded` element as an address ('' when it has none). */
function forElement(element: string): string {
  for (const pair of splitOutsideQuotes(element, ';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    return node(value);
  }
  return '';
}

/** An address with its port and brackets removed: `[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`. */
function node(value: string): string {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? unmapIpv4(value.slice(1, end)) : value;
  }
  const colon = value.indexOf(':');
  // One colon: IPv4 with a port. More: a bare IPv6 address (as X-Forwarded-For writes it).
  if (colon >= 0 && value.indexOf(':', colon + 1) < 0) return value.slice(0, colon);
  return unmapIpv4(value);
}

/** Splits `text` at `separator` where it is not inside a quoted string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}
