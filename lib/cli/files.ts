import { readFile } from 'node:fs/promises';
import { UsageError } from './args.js';
import type { CliIo } from './output.js';

/** The text of a file argument; `-` reads standard input. A missing or unreadable file is a usage error. */
export async function readTextArgument(path: string, option: string, command: string, io: CliIo): Promise<string> {
  if (path === '-') {
    if (io.stdin === undefined) throw new UsageError(`--${option} -: standard input is not available`, command);
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`--${option} ${path}: ${reason}`, command);
  }
}
