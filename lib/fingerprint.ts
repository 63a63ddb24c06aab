import type { Sha256 } from './signature-core.js';
import type { SignatureUse } from './store.js';

/** The body in the form it reached the pipeline, for hashing. */
export type BodyForDigest = Uint8Array | string;

/**
 * The single-use record of one signed delivery: `id` names the (task id, timestamp, signature) triple, `binding` the
 * dedupe key and body it was first used with. Digests keep the signature itself out of the store, and keep every
 * store key short whatever the sender sent.
 */
export function signatureUse(
  sha256: Sha256,
  taskId: string,
  timestamp: string,
  signature: string,
  key: string,
  body: BodyForDigest,
  ttlMs: number,
): SignatureUse | Promise<SignatureUse> {
  // `sha256` is the door's: node:crypto answers at once (the Express door stays synchronous), Web Crypto in a promise.
  const id = sha256([taskId, '\n', timestamp, '\n', signature]);
  const bodyDigest = sha256([body]);
  if (typeof id === 'string' && typeof bodyDigest === 'string') {
    const binding = sha256([key, '\n', bodyDigest]);
    if (typeof binding === 'string') return { id, binding, ttlMs };
  }
  return Promise.all([id, bodyDigest]).then(async ([idText, bodyText]) => ({
    id: idText,
    binding: await sha256([key, '\n', bodyText]),
    ttlMs,
  }));
}
