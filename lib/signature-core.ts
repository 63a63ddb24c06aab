/**
 * The platform-neutral half of signature checking: header names, the checks that need no key, and the constant-time
 * comparisons. The HMAC itself is pluggable (`SignatureVerifier`): the Express door computes it with node:crypto,
 * synchronously (lib/signature.ts), the web door with Web Crypto (lib/web/web-crypto.ts). Nothing here imports `node:`.
 */

export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const SIGNATURE_HEADER = 'x-webhook-signature';

/** Why a signed request was refused; each value is also the `error` code the sender receives. */
export type SignatureFailure = 'missing_signature' | 'invalid_signature' | 'stale_timestamp';

export type SignatureCheck =
  | { ok: true; secretIndex: number }
  | { ok: false; error: SignatureFailure; message: string; skewSeconds?: number };

export type SignatureRefusal = Extract<SignatureCheck, { ok: false }>;

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
 * Finds which secret signed `message`: the index of the first matching secret, or -1. Bound to one list of secrets
 * (keys are prepared once). Every secret is compared, even after a match, so timing does not reveal which one matched.
 * `signature` has already passed `checkSignatureHeaders`, so it is 44 Base64 characters.
 */
export type SignatureVerifier = (message: string, signature: string) => number | Promise<number>;

/**
 * SHA-256 over the concatenated parts, in unpadded Base64url: the digests that name single-use signature records.
 * Synchronous with node:crypto, a promise with Web Crypto.
 */
export type Sha256 = (parts: ReadonlyArray<Uint8Array | string>) => string | Promise<string>;

/** What a door supplies to the shared pipeline: the platform's HMAC and SHA-256. */
export interface PlatformCrypto {
  verifier: SignatureVerifier;
  sha256: Sha256;
}

// A SHA-256 digest is 32 bytes: exactly 43 Base64 characters and one '=' of padding.
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;
const UNIX_SECONDS = /^\d{1,12}$/;

const MISMATCH: SignatureRefusal = { ok: false, error: 'invalid_signature', message: 'X-Webhook-Signature does not match.' };

/**
 * What can be checked before the body arrives (the signature itself needs the task id from the body): both headers
 * present, the timestamp inside the window, the signature shaped like a SHA-256 digest. Strangers are refused here,
 * before they make the server buffer anything.
 */
export function checkSignatureHeaders(input: SignatureHeaderInput): SignatureRefusal | undefined {
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
  if (!BASE64_DIGEST.test(signature)) return MISMATCH;
  return undefined;
}

function verdict(matched: number): SignatureCheck {
  return matched === -1 ? MISMATCH : { ok: true, secretIndex: matched };
}

/**
 * Checks the headers first (cheap, and the window bounds replays), then the HMAC of `<taskId>.<timestamp>` with
 * `verify`. Synchronous when `verify` is (the Express door), a promise when it is not (Web Crypto).
 */
export function checkSignatureWith(
  verify: SignatureVerifier,
  input: Omit<SignatureInput, 'secrets'>,
): SignatureCheck | Promise<SignatureCheck> {
  const refused = checkSignatureHeaders(input);
  if (refused !== undefined) return refused;
  // checkSignatureHeaders has seen both headers present.
  const matched = verify(`${input.taskId}.${input.timestamp as string}`, input.signature as string);
  return typeof matched === 'number' ? verdict(matched) : matched.then(verdict);
}

/** Constant-time equality of two byte arrays of the same, public, length (digests). */
export function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= (left[index] as number) ^ (right[index] as number);
  return difference === 0;
}

/**
 * Constant-time token comparison. The loop runs over the received string only, so its time depends on what the
 * sender sent and never on the expected token's length or content; a length difference still counts as a mismatch.
 */
function sameToken(received: string, expected: string): boolean {
  let difference = received.length ^ expected.length;
  const length = expected.length;
  for (let index = 0; index < received.length; index += 1) {
    difference |= received.charCodeAt(index) ^ expected.charCodeAt(index % length);
  }
  return difference === 0 && length > 0;
}

/** True when `received` equals one of `tokens`; every token is compared, so timing does not tell which matched. */
export function tokenMatches(received: string, tokens: readonly string[]): boolean {
  let matched = false;
  for (const token of tokens) {
    if (sameToken(received, token)) matched = true;
  }
  return matched;
}

/** The 32 bytes of a signature that passed `checkSignatureHeaders` (43 Base64 characters and '='). */
export function decodeDigest(signature: string): Uint8Array {
  const binary = atob(signature);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Standard Base64 with padding, as the provider sends `X-Webhook-Signature`. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
