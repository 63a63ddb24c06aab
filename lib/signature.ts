import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const SIGNATURE_HEADER = 'x-webhook-signature';

/** Why a signed request was refused; each value is also the `error` code the sender receives. */
export type SignatureFailure = 'missing_signature' | 'invalid_signature' | 'stale_timestamp';

export type SignatureCheck =
  | { ok: true; secretIndex: number }
  | { ok: false; error: SignatureFailure; message: string; skewSeconds?: number };

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

// A SHA-256 digest is 32 bytes: exactly 43 Base64 characters and one '=' of padding.
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;
const UNIX_SECONDS = /^\d{1,12}$/;

export interface SignatureInput {
  secrets: readonly string[];
  taskId: string;
  timestamp: string | undefined;
  signature: string | undefined;
  toleranceSeconds: number;
  /** Current time in milliseconds; injectable for tests and the CLI's `verify`. */
  now?: number;
}

export type SignatureHeaderInput = Pick<SignatureInput, 'timestamp' | 'signature' | 'toleranceSeconds' | 'now'>;

/**
 * What can be checked before the body arrives (the signature itself needs the task id from the body): both headers
 * present, the timestamp inside the window, the signature shaped like a SHA-256 digest. Strangers are refused here,
 * before they make the server buffer anything.
 */
export function checkSignatureHeaders(input: SignatureHeaderInput): Extract<SignatureCheck, { ok: false }> | undefined {
  const { timestamp, signature } = input;
  if (timestamp === undefined || timestamp === '' || signature === undefined || signature === '') {
    return {
      ok: false,
      error: 'missing_signature',
      message: 'X-Webhook-Timestamp and X-Webhook-Signature headers are required.',
    };
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, error: 'stale_timestamp', message: 'X-Webhook-Timestamp is not a Unix time in seconds.' };
  }
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  const skewSeconds = Number(timestamp) - nowSeconds;
  if (Math.abs(skewSeconds) > input.toleranceSeconds) {
    return {
      ok: false,
      error: 'stale_timestamp',
      message: 'X-Webhook-Timestamp is outside the accepted window.',
      skewSeconds,
    };
  }
  if (!BASE64_DIGEST.test(signature)) {
    return { ok: false, error: 'invalid_signature', message: 'X-Webhook-Signature does not match.' };
  }
  return undefined;
}

/**
 * Checks the headers first (cheap, and the window bounds replays), then the signature against every secret.
 * Every secret is compared, even after a match, so the time taken does not reveal which one matched.
 */
export function checkSignature(input: SignatureInput): SignatureCheck {
  const refused = checkSignatureHeaders(input);
  if (refused !== undefined) return refused;
  const { timestamp, signature } = input as { timestamp: string; signature: string };
  const received = Buffer.from(signature, 'base64');
  let matched = -1;
  input.secrets.forEach((secret, index) => {
    const expected = createHmac('sha256', secret).update(`${input.taskId}.${timestamp}`, 'utf8').digest();
    if (timingSafeEqual(expected, received) && matched === -1) matched = index;
  });
  if (matched === -1) {
    return { ok: false, error: 'invalid_signature', message: 'X-Webhook-Signature does not match.' };
  }
  return { ok: true, secretIndex: matched };
}

/** Constant-time token comparison: hashing first makes lengths equal, so length is not leaked either. */
export function tokenMatches(received: string, tokens: readonly string[]): boolean {
  const receivedDigest = createHash('sha256').update(received, 'utf8').digest();
  let matched = false;
  for (const token of tokens) {
    const expectedDigest = createHash('sha256').update(token, 'utf8').digest();
    if (timingSafeEqual(receivedDigest, expectedDigest)) matched = true;
  }
  return matched;
}
