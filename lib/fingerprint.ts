import { createHash } from 'node:crypto';
import type { SignatureUse } from './store.js';

/** The body in the form it reached the pipeline, for hashing. */
export type BodyForDigest = Uint8Array | string;

function digest(...parts: BodyForDigest[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('base64url');
}

/**
 * The single-use record of one signed delivery: `id` names the (task id, timestamp, signature) triple, `binding` the
 * dedupe key and body it was first used with. Digests keep the signature itself out of the store, and keep every
 * store key short whatever the sender sent.
 */
export function signatureUse(
  taskId: string,
  timestamp: string,
  signature: string,
  key: string,
  body: BodyForDigest,
  ttlMs: number,
): SignatureUse {
  return {
    id: digest(taskId, '\n', timestamp, '\n', signature),
    binding: digest(key, '\n', digest(body)),
    ttlMs,
  };
}
