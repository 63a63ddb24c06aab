/** The part of a stream the CLI writes to; `process.stdout` fits, and so does a test double. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What a command may touch: its streams and environment, passed in so the commands stay testable. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  /** Read when a file argument is `-`. */
  stdin?: AsyncIterable<Buffer | string>;
  version: string;
}

/**
 * Colours only for a terminal, and never when NO_COLOR is set to anything non-empty (https://no-color.org): piped
 * output and logs stay plain text that other tools can read.
 */
export function colorEnabled(sink: TextSink, env: NodeJS.ProcessEnv): boolean {
  const noColor = env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  return sink.isTTY === true;
}

export interface Printer {
  line(text?: string): void;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

function style(enabled: boolean, open: number, close: number): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

/** Writes whole lines to `sink`, colouring only when `colorEnabled` says so. */
export function printer(sink: TextSink, env: NodeJS.ProcessEnv): Printer {
  const enabled = colorEnabled(sink, env);
  return {
    line: (text = '') => void sink.write(`${text}\n`),
    green: style(enabled, 32, 39),
    red: style(enabled, 31, 39),
    yellow: style(enabled, 33, 39),
    bold: style(enabled, 1, 22),
    dim: style(enabled, 2, 22),
  };
}
