/**
 * A promise the test resolves when it chooses: a listener or a store call that awaits `opened` stays in progress
 * exactly until the test calls `open()`, so a test never guesses how long "long enough" is.
 */
export function gate(): { opened: Promise<void>; open(): void; isOpen(): boolean } {
  let open!: () => void;
  let isOpen = false;
  const opened = new Promise<void>((resolve) => {
    open = () => {
      isOpen = true;
      resolve();
    };
  });
  return { opened, open: () => open(), isOpen: () => isOpen };
}

/** Whether `promise` has settled, looked at after the microtasks already queued have run. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([promise.then(() => undefined, () => undefined), new Promise((resolve) => setImmediate(() => resolve(pending)))]);
  return first !== pending;
}
