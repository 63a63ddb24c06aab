/**
 * examples/serverless-http.ts invoked as Lambda would: the wrapped handler gets API Gateway events (REST v1 and
 * HTTP API v2 shapes), no server listens, and the answer is what API Gateway would return to the provider.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { signatureHeaders } from '../lib/signature.js';
import { fixture } from './helpers/fixtures.js';
import { handler, suno } from '../examples/serverless-http.js';
import type { CoverReadyEvent } from '../lib/index.js';

const SECRET = 'dev-secret-change-me';
const seen: CoverReadyEvent[] = [];
suno.on('cover-ready', (event) => void seen.push(event));

afterAll(() => suno.close());

interface LambdaResult {
  statusCode: number;
  body: string;
  headers?: Record<string, unknown>;
}

function coverBody(taskId: string) {
  const body = fixture('cover.success.json');
  body.data.taskId = taskId;
  return body;
}

/** An API Gateway REST (payload 1.0) proxy event. */
function restEvent(body: string, headers: Record<string, string>, base64 = false) {
  return {
    resource: '/{proxy+}',
    path: '/suno/callback',
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: 'suno/callback' },
    requestContext: { httpMethod: 'POST', path: '/prod/suno/callback', stage: 'prod', identity: { sourceIp: '203.0.113.9' } },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

/** An API Gateway HTTP API (payload 2.0) event. */
function httpApiEvent(body: string, headers: Record<string, string>) {
  return {
    version: '2.0',
    routeKey: 'POST /suno/callback',
    rawPath: '/suno/callback',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: { http: { method: 'POST', path: '/suno/callback', sourceIp: '203.0.113.9' }, stage: '$default' },
    body,
    isBase64Encoded: false,
  };
}

async function invoke(event: object): Promise<LambdaResult> {
  return (await handler(event, {})) as LambdaResult;
}

describe('serverless-http handler', () => {
  it('accepts a signed callback in a REST API event, after its listener ran', async () => {
    const body = coverBody('lambda-rest-1');
    const result = await invoke(restEvent(JSON.stringify(body), signatureHeaders(SECRET, 'lambda-rest-1')));
    expect([result.statusCode, JSON.parse(result.body)]).toEqual([200, { status: 'received' }]);
    // processBeforeAck: the listener has run by the time the handler returns, before the host freezes.
    expect(seen.map((event) => event.taskId)).toContain('lambda-rest-1');
  });

  it('accepts a base64-encoded body and an HTTP API (2.0) event, and answers a redelivery "duplicate"', async () => {
    const body = JSON.stringify(coverBody('lambda-rest-2'));
    const headers = signatureHeaders(SECRET, 'lambda-rest-2');
    expect(JSON.parse((await invoke(restEvent(body, headers, true))).body)).toEqual({ status: 'received' });
    expect(JSON.parse((await invoke(httpApiEvent(body, headers))).body)).toEqual({ status: 'duplicate' });
    const fresh = coverBody('lambda-http-3');
    const answer = await invoke(httpApiEvent(JSON.stringify(fresh), signatureHeaders(SECRET, 'lambda-http-3')));
    expect([answer.statusCode, JSON.parse(answer.body)]).toEqual([200, { status: 'received' }]);
  });

  it('refuses a wrong signature with 401', async () => {
    const body = coverBody('lambda-forged');
    const result = await invoke(restEvent(JSON.stringify(body), signatureHeaders('not-the-secret', 'lambda-forged')));
    expect([result.statusCode, JSON.parse(result.body).error]).toEqual([401, 'invalid_signature']);
  });
});
