import { verifyCallbackWith, type VerifyCallbackInput, type VerifyResult } from '../verify-callback.js';
import { webCryptoVerifier } from './web-crypto.js';

/**
 * Signature and freshness of a callback whose body you read yourself, with Web Crypto. The Express door's
 * `verifyCallback` answers the same synchronously.
 *
 * @example
 * const body = await request.text();
 * const verified = await verifyCallback({ body, headers: request.headers, secret: env.SUNO_WEBHOOK_SECRET });
 * if (!verified.ok) return Response.json({ error: verified.error }, { status: 401 });
 */
export async function verifyCallback(input: VerifyCallbackInput): Promise<VerifyResult> {
  return verifyCallbackWith(webCryptoVerifier, input);
}
