import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = join(here, '..', 'fixtures');

export interface FixtureEntry {
  file: string;
  kind: string;
  stage: string;
  taskId: string;
  needsRouteHint: boolean;
}

export const fixtureIndex = JSON.parse(readFileSync(join(FIXTURES_DIR, 'index.json'), 'utf8')) as FixtureEntry[];

/** A fresh copy of a fixture body, safe to mutate. */
export function fixture(file: string): Record<string, any> {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as Record<string, any>;
}

/** A signature computed independently of the project, which signing and verification must reproduce byte for byte. */
export interface SignatureVector {
  secret: string;
  taskId: string;
  timestamp: number;
  signedString: string;
  headers: { 'X-Webhook-Timestamp': string; 'X-Webhook-Signature': string };
}

export const signatureVectors = JSON.parse(
  readFileSync(join(FIXTURES_DIR, 'signature-vectors.json'), 'utf8'),
) as SignatureVector[];
