// Full-text search over every folder, done in the browser. The crypto worker holds the index
// and keeps it encrypted in this device's IndexedDB (lib/worker/mail-search.ts); this store
// feeds it and asks it. The index is built the first time the user searches on a device
// (downloading a whole mailbox is not done unasked); from then on every login brings it up to
// date in the background: the server's message lists are compared with it, what was expunged
// is dropped, what is missing is downloaded and indexed in small batches at low priority, and
// new mail arriving live is added. Logout keeps it (encrypted); forget() deletes it.
import { api, ApiError } from '../lib/api.ts';
import { callWorker } from '../lib/crypto-client.ts';
import type { EncryptedRecord, FolderUids, MessageToIndex, SearchHit } from '../lib/worker/protocol.ts';
import { mail, type MailChange } from './mail.svelte.ts';
import { router } from './router.svelte.ts';
import { session } from './session.svelte.ts';

/** Messages per indexing batch (one metadata and one bodies request, one worker call):
 * small, so that a message the user opens never waits long behind a batch in the worker. */
const INDEX_BATCH = 20;
/** Larger messages are indexed by their summary (subject, people, attachment names,
 * preview) only: they are nearly all attachment, and downloading them costs the user's
 * bandwidth for few words. */
const MAX_INDEXED_BODY_BYTES = 2 * 1024 * 1024;
/** Hits shown at once; more on request. */
const RESULTS_PAGE = 50;
/** A move is an expunge and an add per message: live events are handled in bursts. */
const LIVE_DELAY_MS = 300;
/** After login the index waits this long, so that the first list paints without competition. */
const START_DELAY_MS = 1_500;
/** Keystrokes closer together than this make one query. */
const QUERY_DELAY_MS = 80;

/** off: no index on this device; syncing: comparing it with the server; indexing:
 * downloading what it lacks; ready: up to date. */
type SearchPhase = 'off' | 'syncing' | 'indexing' | 'ready';

interface PendingMessage {
  uid: number;
  size: number;
  date: number;
}

interface FolderWork {
  uidValidity: number;
  /** Newest first: recent mail is what people search for. */
  messages: PendingMessage[];
}

/** Resolves when the browser has a moment with nothing else to do. */
const idle = () =>
  new Promise<void>((resolve) =>
    typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 1_000 }) : setTimeout(resolve, 0),
  );

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('the search index could not be deleted'));
  });
}

class Search {
  phase = $state<SearchPhase>('off');
  /** Background indexing of this round: messages done of those to do. */
  progress = $state<{ done: number; total: number } | null>(null);
  /** Messages in the index. */
  indexed = $state(0);
  /** The query the hits answer (the search field is mail.query), and the hits: the newest
   * `limit` of `total`. */
  answered = $state('');
  hits = $state.raw<SearchHit[]>([]);
  total = $state(0);
  limit = $state(RESULTS_PAGE);
  searching = $state(false);

  /** This account's index database on this device, learnt at login. Logout does not clear
   * it: deleting the account ends the session (the server's event, or a background request
   * refused), which throws the worker away, and the index must still be deleted after. */
  #database: string | null = null;
  #generation = 0;
  readonly #work = new Map<string, FolderWork>();
  #draining = false;
  #syncWanted = false;
  readonly #liveAdded = new Map<string, Set<number>>();
  readonly #liveExpunged = new Map<string, Set<number>>();
  #liveTimer: ReturnType<typeof setTimeout> | undefined;
  #queryTimer: ReturnType<typeof setTimeout> | undefined;

  /** At login: opens this device's index, if there is one, and brings it up to date. It waits
   * a moment first: loading the index keeps the worker busy, and the first list comes first. */
  resume(): void {
    const generation = this.#generation;
    this.#database = null;
    void callWorker('searchIndexName', {})
      .then(({ database }) => {
        if (generation === this.#generation) this.#database = database;
      })
      .catch((error: unknown) => this.#fail(error));
    setTimeout(() => {
      if (generation === this.#generation && this.phase === 'off') void this.#open(false).catch((error: unknown) => this.#fail(error));
    }, START_DELAY_MS);
  }

  /** The search field changed: searches every folder for it; the first search on a device
   * builds the index. */
  queryChanged(): void {
    this.limit = RESULTS_PAGE;
    clearTimeout(this.#queryTimer);
    if (!mail.query.trim()) {
      this.hits = [];
      this.total = 0;
      this.answered = '';
      this.searching = false;
      return;
    }
    this.#queryTimer = setTimeout(() => void this.#runQuery(true), QUERY_DELAY_MS);
  }

  showMore(): void {
    this.limit += RESULTS_PAGE;
    void this.#runQuery(false);
  }

  /** Opens a hit in its folder. */
  async open(hit: SearchHit): Promise<void> {
    const opened = mail.openInFolder(hit.folderId, hit.uid);
    router.go({ screen: 'mail', folderId: hit.folderId });
    await opened;
  }

  /** Deletes this device's index ("forget this device", account deletion). */
  async forget(): Promise<void> {
    const database = this.#database ?? (await callWorker('searchIndexName', {})).database;
    this.reset();
    // The worker closes its connection when asked to (versionchange), then this completes.
    await deleteDatabase(database);
  }

  /** Logout: the index stays on the device, encrypted; nothing of it stays in the page. */
  reset(): void {
    this.#generation++;
    this.phase = 'off';
    this.indexed = 0;
    this.#work.clear();
    this.#liveAdded.clear();
    this.#liveExpunged.clear();
    clearTimeout(this.#liveTimer);
    clearTimeout(this.#queryTimer);
    this.progress = null;
    this.hits = [];
    this.total = 0;
    this.answered = '';
  }

  /** Asks the index for the search field's query; only a query the user typed (`typed`)
   * builds an index where there is none, never a refresh after the index was deleted. */
  async #runQuery(typed: boolean): Promise<void> {
    const query = mail.query;
    if (!query.trim() || (this.phase === 'off' && !typed)) return;
    const generation = this.#generation;
    this.searching = true;
    try {
      if (this.phase === 'off') await this.#open(true);
      if (generation !== this.#generation) return;
      const result = await callWorker('searchMessages', { query, limit: this.limit });
      if (generation !== this.#generation || query !== mail.query) return;
      this.hits = result.hits;
      this.total = result.total;
      this.answered = query;
    } catch (error) {
      this.#fail(error);
    } finally {
      if (query === mail.query) this.searching = false;
    }
  }

  /** Opens the index (`create`: a new one if there is none) and syncs it with the server. */
  async #open(create: boolean): Promise<void> {
    const generation = this.#generation;
    const { database, messages } = await callWorker('openSearchIndex', { create });
    if (generation !== this.#generation || !database || this.phase !== 'off') return;
    this.#database = database;
    this.indexed = messages;
    this.phase = 'ready';
    this.#requestSync();
  }

  onMailChange(change: MailChange): void {
    if (change.type === 'account-deleted') {
      void this.forget().catch(() => undefined);
      return;
    }
    if (this.phase === 'off') return;
    if (change.type === 'folders-changed') {
      this.#requestSync();
      return;
    }
    const pending = change.type === 'added' ? this.#liveAdded : this.#liveExpunged;
    pending.set(change.folderId, (pending.get(change.folderId) ?? new Set()).add(change.uid));
    clearTimeout(this.#liveTimer);
    this.#liveTimer = setTimeout(() => void this.#applyLive(this.#generation).catch((error: unknown) => this.#fail(error)), LIVE_DELAY_MS);
  }

  async #applyLive(generation: number): Promise<void> {
    const expunged = [...this.#liveExpunged];
    const added = [...this.#liveAdded];
    this.#liveExpunged.clear();
    this.#liveAdded.clear();
    for (const [folderId, uids] of expunged) {
      const work = this.#work.get(folderId);
      if (work) work.messages = work.messages.filter((message) => !uids.has(message.uid));
      const { removed } = await callWorker('unindexMessages', { folderId, uids: [...uids] });
      if (generation !== this.#generation) return;
      this.indexed -= removed;
    }
    for (const [folderId, uids] of added) {
      // The index entries give each new message's size and date, and the folder's UIDVALIDITY.
      const page = await api.index(folderId, Math.min(...uids) - 1);
      if (generation !== this.#generation) return;
      const fresh = page.messages.filter(([uid]) => uids.has(uid)).map(([uid, size, date]) => ({ uid, size, date }));
      this.#enqueue(folderId, page.uidValidity, fresh.reverse(), true);
    }
    if (expunged.length > 0) this.#refreshHits();
    void this.#drain();
  }

  #requestSync(): void {
    this.#syncWanted = true;
    void this.#drain();
  }

  /** The one background loop: syncs when asked, then indexes what is queued, batch by batch,
   * giving the page a moment between batches. */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    const generation = this.#generation;
    let failed = false;
    try {
      while (generation === this.#generation) {
        if (this.#syncWanted) {
          this.#syncWanted = false;
          await this.#sync(generation);
          continue;
        }
        const batch = this.#nextBatch();
        if (!batch) break;
        this.phase = 'indexing';
        await this.#indexBatch(batch.folderId, batch.uidValidity, batch.messages, generation);
        if (generation !== this.#generation) break;
        this.progress = this.progress && { ...this.progress, done: Math.min(this.progress.total, this.progress.done + batch.messages.length) };
        this.#refreshHits();
        await idle();
      }
    } catch (error) {
      // What is left waits for the next sync (next login, or a change of folders).
      failed = true;
      this.#fail(error);
    } finally {
      this.#draining = false;
      if (generation === this.#generation) {
        this.progress = null;
        if (this.phase !== 'off') this.phase = 'ready';
        // Work queued while the loop was ending.
        if (!failed && (this.#syncWanted || this.#work.size > 0)) void this.#drain();
      }
    }
  }

  /** Compares the index with the server's message lists: drops what is gone, queues what is
   * missing. */
  async #sync(generation: number): Promise<void> {
    this.phase = 'syncing';
    const { folders } = await api.folders();
    const listed: FolderUids[] = [];
    const known = new Map<string, Map<number, PendingMessage>>();
    for (const folder of folders) {
      const messages = new Map<number, PendingMessage>();
      let uidValidity = folder.uidValidity;
      for (let afterUid = 0; ; ) {
        const page = await api.index(folder.id, afterUid);
        if (generation !== this.#generation) return;
        uidValidity = page.uidValidity;
        for (const [uid, size, date] of page.messages) messages.set(uid, { uid, size, date });
        if (page.nextAfterUid === null) break;
        afterUid = page.nextAfterUid;
      }
      listed.push({ folderId: folder.id, uidValidity, uids: [...messages.keys()] });
      known.set(folder.id, messages);
    }
    const { missing } = await callWorker('reconcileSearchIndex', { folders: listed });
    if (generation !== this.#generation) return;
    // Of what was queued before, only mail that arrived after the listing is not in `missing`.
    const arrivedSince = [...this.#work].map(([folderId, work]) => ({
      folderId,
      work,
      messages: work.messages.filter((message) => !known.get(folderId)?.has(message.uid)),
    }));
    this.#work.clear();
    this.progress = null;
    for (const { folderId, work, messages } of arrivedSince) this.#enqueue(folderId, work.uidValidity, messages, false);
    for (const folder of missing) {
      const messages = known.get(folder.folderId)!;
      this.#enqueue(
        folder.folderId,
        folder.uidValidity,
        folder.uids.map((uid) => messages.get(uid)!).sort((a, b) => b.date - a.date),
        false,
      );
    }
    this.indexed = listed.reduce((total, folder) => total + folder.uids.length, 0) - missing.reduce((total, folder) => total + folder.uids.length, 0);
    this.#refreshHits();
  }

  #enqueue(folderId: string, uidValidity: number, messages: PendingMessage[], first: boolean): void {
    if (messages.length === 0) return;
    const work = this.#work.get(folderId);
    if (work && work.uidValidity === uidValidity) work.messages = first ? [...messages, ...work.messages] : [...work.messages, ...messages];
    else this.#work.set(folderId, { uidValidity, messages });
    this.progress = { done: this.progress?.done ?? 0, total: (this.progress?.total ?? 0) + messages.length };
  }

  #nextBatch(): { folderId: string; uidValidity: number; messages: PendingMessage[] } | null {
    for (const [folderId, work] of this.#work) {
      const messages = work.messages.splice(0, INDEX_BATCH);
      if (work.messages.length === 0) this.#work.delete(folderId);
      if (messages.length > 0) return { folderId, uidValidity: work.uidValidity, messages };
    }
    return null;
  }

  async #indexBatch(folderId: string, uidValidity: number, messages: PendingMessage[], generation: number): Promise<void> {
    const small = messages.filter((message) => message.size <= MAX_INDEXED_BODY_BYTES).map((message) => message.uid);
    let records: EncryptedRecord[];
    let bodies: Map<number, ArrayBuffer>;
    try {
      [{ messages: records }, bodies] = await Promise.all([
        api.metadata(
          folderId,
          messages.map((message) => message.uid),
        ),
        small.length > 0 ? api.bodies(folderId, small) : new Map<number, ArrayBuffer>(),
      ]);
    } catch (error) {
      // The folder went away meanwhile: the next sync sees it.
      if (error instanceof ApiError && error.status === 404) return;
      throw error;
    }
    if (generation !== this.#generation) return;
    const byUid = new Map(records.map((record) => [record.uid, record]));
    // A message without its record, or a small one without its body, was expunged meanwhile.
    const prepared = messages.map((message): MessageToIndex | null => {
      const record = byUid.get(message.uid);
      if (!record) return null;
      if (message.size > MAX_INDEXED_BODY_BYTES) return { ...record, date: message.date, ciphertext: null };
      const ciphertext = bodies.get(message.uid);
      return ciphertext ? { ...record, date: message.date, ciphertext } : null;
    });
    const ready = prepared.filter((message): message is MessageToIndex => message !== null);
    if (ready.length === 0) return;
    const transfer = ready.flatMap((message) => (message.ciphertext ? [message.ciphertext] : []));
    const { rewraps, failed } = await callWorker('indexMessages', { folderId, uidValidity, messages: ready }, transfer);
    if (generation !== this.#generation) return;
    this.indexed += ready.length - failed.length;
    if (rewraps.length > 0) void api.rewrap(folderId, rewraps).catch(() => undefined);
  }

  /** New results while the index grows, when a search is showing. */
  #refreshHits(): void {
    if (mail.query.trim()) void this.#runQuery(false);
  }

  #fail(error: unknown): void {
    // The session ending is the session store's to show; the index just stops.
    if (error instanceof ApiError && error.status === 401) {
      session.handleExpired(error);
      return;
    }
    // Locked, or the index deleted, while a call was under way: nothing to report.
    if (['LOCKED', 'SEARCH_INDEX_CLOSED'].includes((error as { code?: string }).code ?? '')) return;
    console.warn('search index:', error instanceof Error ? error.message : error);
  }
}

export const search = new Search();
mail.onChange((change) => search.onMailChange(change));
session.onLogout(() => search.reset());
