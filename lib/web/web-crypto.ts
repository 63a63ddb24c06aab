import { decodeDigest, encodeBase64, sameBytes, type PlatformCrypto, type Sha256, type SignatureVerifier } from '../signature-core.js';

const encoder = new TextEncoder();

// Named through the API rather than the DOM lib's global type, which this package's tsconfig does not load.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function importKey(secret: string): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/**
 * A verifier over Web Crypto (`crypto.subtle`), present in every runtime the web door targets. Keys are imported once,
 * on first use; the comparison is our own constant-time one, since `subtle.verify` says nothing of its timing.
 */
export function webCryptoVerifier(secrets: readonly string[]): SignatureVerifier {
  let keys: Promise<HmacKey[]> | undefined;
  return async (message, signature) => {
    keys ??= Promise.all(secrets.map(importKey)).catch((error: unknown) => {
      // A failed import is tried again by the next request rather than remembered.
      keys = undefined;
      throw error;
    });
    const data = encoder.encode(message);
    const digests = await Promise.all((await keys).map((key) => crypto.subtle.sign('HMAC', key, data)));
    const received = decodeDigest(signature);
    let matched = -1;
    digests.forEach((digest, index) => {
      if (sameBytes(new Uint8Array(digest), received) && matched === -1) matched = index;
    });
    return matched;
  };
}

/** SHA-256 in unpadded Base64url with Web Crypto. */
export const webSha256: Sha256 = async (parts) => {
  const encoded = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : part));
  const bytes = new Uint8Array(encoded.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of encoded) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return encodeBase64(digest).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
};

/** The web door's crypto: Web Crypto, asynchronous. */
export function webCrypto(secrets: readonly string[]): PlatformCrypto {
  return { verifier: webCryptoVerifier(secrets), sha256: webSha256 };
}

/** HMAC-SHA256 over `<taskId>.<timestamp>` in Base64, as the provider computes it, with Web Crypto. */
export async function computeSignatureAsync(secret: string, taskId: string, timestamp: number | string): Promise<string> {
  const digest = await crypto.subtle.sign('HMAC', await importKey(secret), encoder.encode(`${taskId}.${timestamp}`));
  return encodeBase64(new Uint8Array(digest));
}
