/**
 * BullMQ job ids are the dedupe keys, encoded: BullMQ refuses a custom id that contains `:` (it splits Redis keys on
 * it) and one that reads as an integer (it would collide with its own counter). A key is `<kind>:<taskId>:<stage>`,
 * and a task id is the provider's to choose, so every `:` is escaped; `%` and `~` are escaped too, which keeps the
 * encoding reversible and leaves `~` free to separate a suffix (see `uniqueJobIdOf`).
 */
export function jobIdOf(key: string): string {
  return key.replaceAll('%', '%25').replaceAll(':', '%3A').replaceAll('~', '%7E');
}

/** The dedupe key a job id was made from, whatever suffix `uniqueJobIdOf` added. */
export function keyOfJobId(jobId: string): string {
  const end = jobId.indexOf('~');
  const encoded = end === -1 ? jobId : jobId.slice(0, end);
  return encoded.replaceAll('%7E', '~').replaceAll('%3A', ':').replaceAll('%25', '%');
}

/**
 * A job id that starts with the key's and is unique to one delivery: used when BullMQ's deduplication id, not the job
 * id, dedupes, because only then does `add` tell a duplicate apart (it answers with the first delivery's id).
 */
export function uniqueJobIdOf(key: string, receivedAt: Date): string {
  return `${jobIdOf(key)}~${receivedAt.getTime().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
