import * as realCrypto from 'node:crypto';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { SignatureInput } from '../lib/signature.js';
import { signatureVectors, type SignatureVector as Vector } from './helpers/fixtures.js';

/**
 * Every call to `timingSafeEqual`, recorded by a pass-through wrapper around the real one. It is how the tests see the
 * shape of the comparison (always two 32-byte digests, every candidate compared) without trusting timings.
 */
const comparisons: Array<{ left: number; right: number; equal: boolean }> = [];
jest.unstable_mockModule('node:crypto', () => ({
  ...realCrypto,
  default: realCrypto,
  timingSafeEqual: (left: NodeJS.ArrayBufferView, right: NodeJS.ArrayBufferView): boolean => {
    const equal = realCrypto.timingSafeEqual(left, right);
    comparisons.push({ left: left.byteLength, right: right.byteLength, equal });
    return equal;
  },
}));
const { checkSignature, computeSignature, signatureHeaders, tokenMatches, SIGNATURE_HEADER, TIMESTAMP_HEADER } =
  await import('../lib/signature.js');

const vectors = signatureVectors;
const named = vectors.map((vector) => [`${vector.taskId} signed with "${vector.secret}"`, vector] as const);

/** The input a receiver builds from a vector's own delivery, `now` set to the moment it was signed. */
function inputFor(vector: Vector): SignatureInput & { signature: string } {
  return {
    secrets: [vector.secret],
    taskId: vector.taskId,
    timestamp: vector.headers['X-Webhook-Timestamp'],
    signature: vector.headers['X-Webhook-Signature'],
    toleranceSeconds: 300,
    now: vector.timestamp * 1000,
  };
}

beforeEach(() => {
  comparisons.length = 0;
});

describe('the independently computed vectors', () => {
  it('are three, and cover a non-ASCII secret and a masked task id', () => {
    expect(vectors).toHaveLength(3);
    expect(vectors.some((vector) => /[^\x00-\x7f]/.test(vector.secret))).toBe(true);
    expect(vectors.some((vector) => vector.taskId.includes('*'))).toBe(true);
  });

  it.each(named)('%s: the signed string is "<taskId>.<timestamp>"', (_name, vector) => {
    expect(vector.signedString).toBe(`${vector.taskId}.${vector.timestamp}`);
  });

  it.each(named)('%s: computeSignature() reproduces the header byte for byte', (_name, vector) => {
    expect(computeSignature(vector.secret, vector.taskId, vector.timestamp)).toBe(vector.headers['X-Webhook-Signature']);
    // The header carries the timestamp as text; signing that text gives the same bytes.
    expect(computeSignature(vector.secret, vector.taskId, vector.headers['X-Webhook-Timestamp'])).toBe(
      vector.headers['X-Webhook-Signature'],
    );
  });

  it.each(named)('%s: signatureHeaders() reproduces both headers exactly', (_name, vector) => {
    expect(signatureHeaders(vector.secret, vector.taskId, vector.timestamp)).toStrictEqual(vector.headers);
  });

  it.each(named)('%s: checkSignature() accepts it at the moment it was signed', (_name, vector) => {
    expect(checkSignature(inputFor(vector))).toStrictEqual({ ok: true, secretIndex: 0 });
  });

  it('the header names the receiver reads are the lower-cased names the provider sends', () => {
    expect(TIMESTAMP_HEADER).toBe('x-webhook-timestamp');
    expect(SIGNATURE_HEADER).toBe('x-webhook-signature');
  });
});

describe('signatureHeaders() without a timestamp', () => {
  it('signs the current Unix time in whole seconds', () => {
    const before = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders('s', 'task');
    const after = Math.floor(Date.now() / 1000);
    const timestamp = Number(headers['X-Webhook-Timestamp']);
    expect(headers['X-Webhook-Timestamp']).toMatch(/^\d+$/);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(headers['X-Webhook-Signature']).toBe(computeSignature('s', 'task', timestamp));
  });
});

describe('checkSignature() refuses every broken delivery', () => {
  const vector = vectors[0] as Vector;
  const base = inputFor(vector);
  const sixteenBytes = Buffer.alloc(16, 1).toString('base64');
  const hexDigest = realCrypto.createHmac('sha256', vector.secret).update(vector.signedString).digest('hex');
  const flipped = `${base.signature.startsWith('A') ? 'B' : 'A'}${base.signature.slice(1)}`;

  const cases: Array<[string, Partial<SignatureInput>, string]> = [
    ['no timestamp header', { timestamp: undefined }, 'missing_signature'],
    ['an empty timestamp header', { timestamp: '' }, 'missing_signature'],
    ['no signature header', { signature: undefined }, 'missing_signature'],
    ['an empty signature header', { signature: '' }, 'missing_signature'],
    ['the wrong secret', { secrets: ['whk_test_wrong'] }, 'invalid_signature'],
    ['no secret at all', { secrets: [] }, 'invalid_signature'],
    ['another task id', { taskId: `${vector.taskId}x` }, 'invalid_signature'],
    ['another timestamp inside the window', { timestamp: String(vector.timestamp + 1) }, 'invalid_signature'],
    ['one character of the signature changed', { signature: flipped }, 'invalid_signature'],
    ['a signature that is not Base64', { signature: '!!!! not base64 at all !!!!' }, 'invalid_signature'],
    ['Base64 of 16 bytes instead of 32', { signature: sixteenBytes }, 'invalid_signature'],
    ['the digest in hex instead of Base64', { signature: hexDigest }, 'invalid_signature'],
    ['URL-safe Base64', { signature: base.signature.replace(/\+/g, '-').replace(/\//g, '_') }, 'invalid_signature'],
    ['a non-numeric timestamp', { timestamp: 'yesterday' }, 'stale_timestamp'],
    ['a timestamp in milliseconds', { timestamp: `${vector.timestamp}000` }, 'stale_timestamp'],
    ['a fractional timestamp', { timestamp: `${vector.timestamp}.5` }, 'stale_timestamp'],
    ['a negative timestamp', { timestamp: `-${vector.timestamp}` }, 'stale_timestamp'],
    ['an ISO date', { timestamp: new Date(vector.timestamp * 1000).toISOString() }, 'stale_timestamp'],
    ['signed 301 s before now', { now: (vector.timestamp + 301) * 1000 }, 'stale_timestamp'],
    ['signed 301 s after now', { now: (vector.timestamp - 301) * 1000 }, 'stale_timestamp'],
  ];

  it.each(cases)('%s', (_name, change, error) => {
    const result = checkSignature({ ...base, ...change });
    expect(result).toMatchObject({ ok: false, error });
    expect(result.ok === false && result.message.length > 0).toBe(true);
    expect(JSON.stringify(result)).not.toContain(vector.secret);
  });

  it('reports the skew with its sign, so a log can tell a slow clock from a replay', () => {
    expect(checkSignature({ ...base, now: (vector.timestamp + 400) * 1000 })).toMatchObject({ skewSeconds: -400 });
    expect(checkSignature({ ...base, now: (vector.timestamp - 400) * 1000 })).toMatchObject({ skewSeconds: 400 });
  });

  it('checks the window before the signature: a genuine but old signature is stale, not invalid', () => {
    const old = checkSignature({ ...base, now: (vector.timestamp + 3600) * 1000 });
    expect(old).toMatchObject({ ok: false, error: 'stale_timestamp' });
    expect(comparisons).toHaveLength(0);
  });
});

describe('checkSignature() and the freshness window', () => {
  const vector = vectors[1] as Vector;
  const at = (offsetSeconds: number, toleranceSeconds = 300) =>
    checkSignature({ ...inputFor(vector), toleranceSeconds, now: (vector.timestamp + offsetSeconds) * 1000 });

  it('accepts a timestamp exactly at the edge, in both directions', () => {
    expect(at(300)).toStrictEqual({ ok: true, secretIndex: 0 });
    expect(at(-300)).toStrictEqual({ ok: true, secretIndex: 0 });
  });

  it('refuses one second past the edge, in both directions', () => {
    expect(at(301)).toMatchObject({ ok: false, error: 'stale_timestamp' });
    expect(at(-301)).toMatchObject({ ok: false, error: 'stale_timestamp' });
  });

  it('honours toleranceSeconds', () => {
    expect(at(10, 10)).toMatchObject({ ok: true });
    expect(at(11, 10)).toMatchObject({ ok: false, error: 'stale_timestamp' });
    expect(at(-11, 10)).toMatchObject({ ok: false, error: 'stale_timestamp' });
  });

  it('uses whole seconds of `now`: 999 ms into the next second is still that second', () => {
    const input = { ...inputFor(vector), toleranceSeconds: 1 };
    expect(checkSignature({ ...input, now: (vector.timestamp + 1) * 1000 + 999 })).toMatchObject({ ok: true });
    expect(checkSignature({ ...input, now: (vector.timestamp + 2) * 1000 })).toMatchObject({ ok: false });
  });
});

describe('checkSignature() with several secrets (rotation)', () => {
  const vector = vectors[0] as Vector;

  it('accepts the delivery when the second secret matches, and says which one did', () => {
    const result = checkSignature({ ...inputFor(vector), secrets: ['whk_new_secret', vector.secret] });
    expect(result).toStrictEqual({ ok: true, secretIndex: 1 });
  });

  it('compares every secret even after a match, each time two 32-byte digests', () => {
    checkSignature({ ...inputFor(vector), secrets: [vector.secret, 'whk_b', 'whk_c'] });
    expect(comparisons).toStrictEqual([
      { left: 32, right: 32, equal: true },
      { left: 32, right: 32, equal: false },
      { left: 32, right: 32, equal: false },
    ]);
  });

  it('never reaches timingSafeEqual with a signature of the wrong size (it would throw)', () => {
    const result = checkSignature({ ...inputFor(vector), signature: Buffer.alloc(31).toString('base64') });
    expect(result).toMatchObject({ ok: false, error: 'invalid_signature' });
    expect(comparisons).toHaveLength(0);
  });
});

describe('tokenMatches()', () => {
  const token = 'tok_3f9a1c2e7b';

  it('accepts the same token', () => {
    expect(tokenMatches(token, [token])).toBe(true);
  });

  it('refuses a different token of the same length', () => {
    expect(tokenMatches('tok_3f9a1c2e7c', [token])).toBe(false);
  });

  it.each([
    ['one character shorter', token.slice(0, -1)],
    ['one character longer', `${token}0`],
    ['empty', ''],
    ['a hundred times longer', token.repeat(100)],
    ['in another letter case', token.toUpperCase()],
  ])('refuses a token that is %s, without throwing', (_name, received) => {
    expect(tokenMatches(received, [token])).toBe(false);
  });

  it('accepts a token at any position of an array of tokens', () => {
    expect(tokenMatches('b', ['a', 'b', 'c'])).toBe(true);
    expect(tokenMatches('c', ['a', 'b', 'c'])).toBe(true);
    expect(tokenMatches('d', ['a', 'b', 'c'])).toBe(false);
  });

  it('compares non-ASCII tokens as UTF-8', () => {
    expect(tokenMatches('clé-🔑', ['clé-🔑'])).toBe(true);
    expect(tokenMatches('cle-🔑', ['clé-🔑'])).toBe(false);
  });

  /** A token whose reads are counted: the comparison reads characters through charCodeAt only. */
  function counted(text: string): { value: string; reads: () => number } {
    let reads = 0;
    const value = Object.assign(new String(text), {
      charCodeAt(index: number): number {
        reads += 1;
        return String.prototype.charCodeAt.call(text, index);
      },
    });
    return { value: value as unknown as string, reads: () => reads };
  }

  it('is constant-time by design: the work depends on the received length only, every token compared', () => {
    for (const received of ['x', token, token.slice(0, 3), token.repeat(50)]) {
      const tokens = [counted(token), counted('second-token'), counted('t')];
      tokenMatches(received, tokens.map(({ value }) => value));
      // Each token is read exactly once per received character, whether it matches, is longer or shorter: neither a
      // match nor the token's own length changes how long the loop runs.
      expect(tokens.map(({ reads }) => reads())).toStrictEqual([received.length, received.length, received.length]);
    }
    const first = [counted(token), counted('second-token')];
    expect(tokenMatches(token, first.map(({ value }) => value))).toBe(true);
    // A match on the first token does not cut the second one's comparison short.
    expect(first.map(({ reads }) => reads())).toStrictEqual([token.length, token.length]);
  });
});
