/**
 * The Node half of signature checking: node:crypto's HMAC is synchronous and faster than Web Crypto's, so the Express
 * door, the CLI and the testing helpers use it. Only Node-side modules import this file; the shared pipeline and the
 * web door use lib/signature-core.ts.
 */
import { createHash, createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto';
import {
  checkSignatureWith,
  type PlatformCrypto,
  type Sha256,
  type SignatureCheck,
  type SignatureInput,
  type SignatureVerifier,
} from './signature-core.js';
import { verifyCallbackWith, type VerifyCallbackInput, type VerifyResult } from './verify-callback.js';

export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  checkSignatureHeaders,
  tokenMatches,
} from './signature-core.js';
export type {
  SignatureCheck,
  SignatureFailure,
  SignatureHeaderInput,
  SignatureInput,
  SignatureVerifier,
} from './signature-core.js';

/** HMAC-SHA256 over `<taskId>.<timestamp>`, as the provider computes it (the body itself is not signed). */
export function computeSignature(secret: string, taskId: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${taskId}.${timestamp}`, 'utf8').digest('base64');
}

/** The two headers the provider sends with a signed callback. */
export function signatureHeaders(
  secret: string,
  taskId: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): { 'X-Webhook-Timestamp': string; 'X-Webhook-Signature': string } {
  return {
    'X-Webhook-Timestamp': String(timestamp),
    'X-Webhook-Signature': computeSignature(secret, taskId, timestamp),
  };
}

/**
 * A synchronous verifier over node:crypto. The secrets become KeyObjects once: createHmac with a string key copies
 * and prepares the key on every call, which showed in the per-request profile.
 */
export function nodeVerifier(secrets: readonly string[]): SignatureVerifier {
  const keys: KeyObject[] = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  return (message, signature) => {
    const received = Buffer.from(signature, 'base64');
    let matched = -1;
    for (let index = 0; index < keys.length; index += 1) {
      const expected = createHmac('sha256', keys[index] as KeyObject).update(message, 'utf8').digest();
      if (timingSafeEqual(expected, received) && matched === -1) matched = index;
    }
    return matched;
  };
}

/**
 * SHA-256 in Base64url with node:crypto, synchronously. The one-shot `crypto.hash` (Node 20.12+) skips the Hash
 * object that `createHash` builds: four times faster on the short strings of a signature record, which are joined
 * for it; several parts of which some are bytes still go through `createHash`.
 */
export const nodeSha256: Sha256 = (parts) => {
  if (parts.length === 1) return hash('sha256', parts[0] as Uint8Array | string, 'base64url');
  if (parts.every((part) => typeof part === 'string')) return hash('sha256', parts.join(''), 'base64url');
  const digest = createHash('sha256');
  for (const part of parts) digest.update(part);
  return digest.digest('base64url');
};

/** The Express door's crypto: node:crypto, synchronous, keys prepared once. */
export function nodeCrypto(secrets: readonly string[]): PlatformCrypto {
  return { verifier: nodeVerifier(secrets), sha256: nodeSha256 };
}

/**
 * Checks the timestamp window first (cheap, and it bounds replays), then the signature against every secret.
 * Every secret is compared, even after a match, so the time taken does not reveal which one matched.
 */
export function checkSignature(input: SignatureInput): SignatureCheck {
  // nodeVerifier is synchronous, so checkSignatureWith is too.
  return checkSignatureWith(nodeVerifier(input.secrets), input) as SignatureCheck;
}

/**
 * Signature and freshness of a callback whose body you read yourself (another framework, a queue), synchronously.
 * The web door's `verifyCallback` does the same with Web Crypto and returns a promise; `await` suits both.
 *
 * @example
 * const verified = verifyCallback({ body: rawBody, headers: req.headers, secret: process.env.SUNO_WEBHOOK_SECRET! });
 * if (!verified.ok) return res.status(401).json({ error: verified.error });
 */
export function verifyCallback(input: VerifyCallbackInput): VerifyResult {
  // nodeVerifier is synchronous, so verifyCallbackWith is too.
  return verifyCallbackWith(nodeVerifier, input) as VerifyResult;
}
