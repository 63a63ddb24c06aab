import { errorAnswer, type Answer } from './answers.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

function unsupported(message: string): Answer {
  return errorAnswer(415, 'unsupported_media_type', message);
}

/**
 * 415 unless the request says it is JSON (or says nothing: some senders omit the header), in UTF-8 and uncompressed.
 * Takes the header values, so that every door (node:http, Fetch `Headers`) shares it.
 */
export function checkMediaTypeHeaders(contentType: string | null | undefined, encoding: string | null | undefined): Answer | undefined {
  // What the provider sends, checked first: it spares nearly every request the split, the regex and the search.
  if (contentType !== 'application/json' && contentType !== undefined && contentType !== null && contentType !== '') {
    const [mediaType = '', ...parameters] = contentType.split(';');
    if (!JSON_TYPE.test(mediaType.trim())) return unsupported('Send the callback as application/json.');
    const charset = parameters
      .map((parameter) => parameter.trim().toLowerCase())
      .find((parameter) => parameter.startsWith('charset='));
    if (charset !== undefined && !/^charset="?utf-?8"?$/.test(charset)) return unsupported('Only UTF-8 JSON is accepted.');
  }
  if (encoding !== undefined && encoding !== null && encoding.toLowerCase() !== 'identity') {
    return unsupported('Compressed bodies are not accepted.');
  }
  return undefined;
}
