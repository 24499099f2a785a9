// The outbound queue's keys, under its own prefix in the store main.ts hands it. Nothing
// else reads or writes them; the core names its own keys in its key schema and leaves
// this prefix alone.

/** One record per queued message: clear scheduling fields, envelope sealed under the spool key. */
export const QUEUE_PREFIX = 'outq/';

export const queueKeys = {
  entry: (entryId: string) => `${QUEUE_PREFIX}${entryId}`,
};
