import type { JsonObject } from '../classify.js';

/** A JSON string literal (quotes included) after `"name":`, read with JSON's own escaping rules. */
function stringField(raw: string, name: string): string | undefined {
  const match = new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(raw);
  if (match?.[1] === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(match[1]);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function numberField(raw: string, name: string): number | undefined {
  const match = new RegExp(`"${name}"\\s*:\\s*(-?\\d+)`).exec(raw);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The Market record out of an answer that is not valid JSON. The provider has been seen to escape the `param` echo
 * (the original request, JSON inside a string) one time too few, which ends the string early and breaks the whole
 * answer. `param` is only an echo: its defect must not cost the result, so the fields that matter are read one by
 * one, each a well-formed string of its own. `undefined` when they are not all there.
 */
export function salvageMarketAnswer(raw: string): JsonObject | undefined {
  const taskId = stringField(raw, 'taskId');
  const state = stringField(raw, 'state');
  const model = stringField(raw, 'model');
  if (taskId === undefined || state === undefined || model === undefined) return undefined;
  const record: JsonObject = { taskId, model, state };
  const resultJson = stringField(raw, 'resultJson');
  if (state === 'success' && resultJson === undefined) return undefined;
  if (resultJson !== undefined) record.resultJson = resultJson;
  for (const name of ['failCode', 'failMsg']) {
    const value = stringField(raw, name);
    if (value !== undefined) record[name] = value;
  }
  for (const name of ['completeTime', 'createTime', 'updateTime', 'costTime']) {
    const value = numberField(raw, name);
    if (value !== undefined) record[name] = value;
  }
  return { code: numberField(raw, 'code') ?? 200, message: stringField(raw, 'message') ?? stringField(raw, 'msg') ?? '', data: record };
}
