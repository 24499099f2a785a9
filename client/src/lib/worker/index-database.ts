// This device's store for the encrypted search index: one IndexedDB database per account,
// named by a masterKey subkey (crypto deriveSearchIndexKeys), holding one object store of
// records, id → encrypted bytes. It stores only what search/index-records.ts sealed.
import type { SealedChanges } from '../search/index-records.ts';

const DATABASE_PREFIX = 'sealpost-search-';
const RECORDS = 'records';
/** The IndexedDB schema version: one object store, keys are record ids. */
const SCHEMA_VERSION = 1;

export function searchDatabaseName(storeId: Uint8Array): string {
  return DATABASE_PREFIX + Array.from(storeId, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function completion(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = transaction.onerror = () => reject(transaction.error ?? new Error('the search index could not be written'));
  });
}

export class IndexDatabase {
  readonly #database: IDBDatabase;

  private constructor(database: IDBDatabase) {
    this.#database = database;
  }

  /**
   * Opens the database; without `create`, resolves null when it does not exist (the upgrade
   * that would create it is aborted). `onClosedElsewhere` runs when the page deletes it:
   * this connection closes at once so that the deletion is not blocked.
   */
  static open(name: string, create: boolean, onClosedElsewhere: () => void): Promise<IndexDatabase | null> {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(name, SCHEMA_VERSION);
      let declined = false;
      opening.onupgradeneeded = (event) => {
        if (event.oldVersion === 0 && !create) {
          declined = true;
          opening.transaction!.abort();
          return;
        }
        opening.result.createObjectStore(RECORDS);
      };
      opening.onsuccess = () => {
        const database = opening.result;
        database.onversionchange = () => {
          database.close();
          onClosedElsewhere();
        };
        resolve(new IndexDatabase(database));
      };
      opening.onerror = (event) => {
        event.preventDefault();
        if (declined) resolve(null);
        else reject(opening.error ?? new Error('the search index could not be opened'));
      };
    });
  }

  async readAll(): Promise<Map<string, Uint8Array>> {
    const transaction = this.#database.transaction(RECORDS, 'readonly');
    const store = transaction.objectStore(RECORDS);
    const keys = store.getAllKeys();
    const values = store.getAll();
    await completion(transaction);
    return new Map((keys.result as string[]).map((key, index) => [key, values.result[index] as Uint8Array]));
  }

  /** Writes all changes in one transaction, so the stored index is never half updated. The
   * transaction is created before this returns: calls write in the order they were made. */
  write(changes: SealedChanges): Promise<void> {
    const transaction = this.#database.transaction(RECORDS, 'readwrite');
    const store = transaction.objectStore(RECORDS);
    for (const id of changes.delete) store.delete(id);
    for (const [id, record] of changes.put) store.put(record, id);
    return completion(transaction);
  }

  close(): void {
    this.#database.close();
  }
}
