// The web client's full-text search, run in Node: words are cut and folded alike in text and
// query (German diacritics, ß, compounds, with Intl.Segmenter and with the regex fallback),
// the inverted index answers AND queries with a prefix on the word being typed, across
// folders, newest first; it follows the server (expunges, UIDVALIDITY, folders gone); an
// update re-encrypts one shard; and the stored records are ciphertext that holds no word,
// open only under their key and label, and give back the same index.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMessage } from '../../mime/structure.ts';
import { openIndexRecords, sealIndexChanges, MANIFEST_ID } from '../../client/src/lib/search/index-records.ts';
import { IndexShard } from '../../client/src/lib/search/index-shard.ts';
import { htmlToText } from '../../mime/html-text.ts';
import { MailIndex, SHARD_CAPACITY, type IndexChanges } from '../../client/src/lib/search/mail-index.ts';
import { searchableText, shownFields } from '../../client/src/lib/search/searchable-text.ts';
import { foldForSearch, indexTerms, parseQuery, MAX_WORD_LENGTH } from '../../client/src/lib/search/words.ts';
import { loadBackends } from '../crypto/helpers.ts';

const counterIds = () => {
  let next = 0;
  return () => `shard${next++}`;
};

const message = (uid: number, date: number, subject = `Subject ${uid}`) => ({ uid, date, subject, from: 'Jürgen', to: 'Anna' });

/** An index of a few messages in two folders, by the text each holds. */
function sampleIndex(): MailIndex {
  const index = new MailIndex(counterIds());
  const texts: [string, number, string][] = [
    ['inbox', 1, 'Grüße aus der Straße: das Über-Ich lässt grüßen'],
    ['inbox', 2, 'Meeting notes about the budget'],
    ['inbox', 3, 'Budget überarbeitet, bitte prüfen'],
    ['archive', 7, 'Old budget from last year, see example.com'],
  ];
  for (const [folderId, uid, text] of texts) index.add(folderId, 1, message(uid, uid * 1000), indexTerms(text));
  return index;
}

const found = (index: MailIndex, query: string) =>
  index
    .search(parseQuery(query), 100)
    .hits.map((hit) => `${hit.folderId}/${hit.uid}`)
    .sort();

describe('search: words', () => {
  test('folding lowers case and drops Latin, Greek and Cyrillic accents; ß and friends spelled out', () => {
    assert.equal(foldForSearch('Über'), 'uber');
    assert.equal(foldForSearch('Straße'), 'strasse');
    assert.equal(foldForSearch('STRAẞE'), 'strasse');
    assert.equal(foldForSearch('Crème Brûlée'), 'creme brulee');
    assert.equal(foldForSearch('Ærøskøbing'), 'aeroskobing');
    assert.equal(foldForSearch('İstanbul Łódź'), 'istanbul lodz');
    assert.equal(foldForSearch('Ἀθῆναι'), 'αθηναι');
    assert.equal(foldForSearch('Ёлка'), 'елка');
    assert.equal(foldForSearch('ﬁnance'), 'finance', 'compatibility forms too');
    // Devanagari vowel signs are marks that make the word: kept.
    assert.equal(foldForSearch('हिन्दी'), 'हिन्दी');
    assert.equal(foldForSearch('U\u0308ber'), 'uber', 'decomposed input folds the same');
  });

  for (const [name, segmenter] of [
    ['Intl.Segmenter', new Intl.Segmenter('de', { granularity: 'word' })],
    ['no segmenter', null],
  ] as const) {
    test(`index terms with ${name}: German words folded, punctuation and spaces gone`, () => {
      const terms = indexTerms('Grüße aus der Straße! Wir sehen uns über\u00a0Ostern, Jürgen (juergen@example.com), foo_bar.', segmenter);
      assert.deepEqual([...terms].sort(), [
        'aus',
        'bar',
        'com',
        'der',
        'example',
        'foo',
        'grusse',
        'juergen',
        'jurgen',
        'ostern',
        'sehen',
        'strasse',
        'uber',
        'uns',
        'wir',
      ]);
    });

    test(`queries with ${name}: all words, the last one as a prefix unless a space follows`, () => {
      assert.deepEqual(parseQuery('Über Stra', segmenter), [
        { term: 'uber', prefix: false },
        { term: 'stra', prefix: true },
      ]);
      assert.deepEqual(parseQuery('strasse ', segmenter), [{ term: 'strasse', prefix: false }]);
      assert.deepEqual(
        parseQuery('"Grüße aus"', segmenter),
        [
          { term: 'grusse', prefix: false },
          { term: 'aus', prefix: false },
        ],
        'quotes are not a phrase: the words are matched anywhere',
      );
      assert.deepEqual(parseQuery('example.c', segmenter), [
        { term: 'example', prefix: false },
        { term: 'c', prefix: true },
      ]);
      assert.deepEqual(parseQuery('  ', segmenter), []);
    });
  }

  test("text without spaces between words is cut by the segmenter's dictionary, else kept whole", () => {
    const japanese = '東京都に住んでいます';
    const segmented = indexTerms(japanese, new Intl.Segmenter('ja', { granularity: 'word' }));
    assert.ok(segmented.has('東京') && segmented.size > 2, [...segmented].join(' '));
    assert.deepEqual([...indexTerms(japanese, null)], [japanese]);
    assert.deepEqual(parseQuery('東京 ', new Intl.Segmenter('ja', { granularity: 'word' })), [{ term: '東京', prefix: false }]);
  });

  test('words longer than the limit are left out (base64, hashes)', () => {
    const long = 'a'.repeat(MAX_WORD_LENGTH + 1);
    assert.deepEqual([...indexTerms(`keep ${long} this`)], ['keep', 'this']);
  });
});

describe('search: HTML and message text', () => {
  test('HTML gives the words a reader sees: blocks and cells split words, entities decode, script, style and comments go', () => {
    const text = htmlToText(
      '<html><head><title>Secret title</title><style>.x{color:red}</style></head><body><p>Gr&uuml;&szlig;e</p><p>aus&nbsp;K&ouml;ln</p><script>var hidden = 1</script><!-- note --><div>caf&#233; &#x2603; &amp; co</div><table><tr><td>Ende</td><td>gut</td></tr></table><b>zu</b>sammen</body></html>',
    );
    const terms = indexTerms(text);
    for (const term of ['grusse', 'aus', 'koln', 'cafe', 'co', 'ende', 'gut', 'zusammen']) assert.ok(terms.has(term), `${term} in ${text}`);
    for (const term of ['secret', 'title', 'color', 'hidden', 'var', 'note']) assert.ok(!terms.has(term), `${term} is not text`);
  });

  test('the searchable text holds subject, people, attachment names and the body (text part, else HTML, else the preview)', () => {
    const raw = [
      'From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>',
      'To: Anna <anna@example.net>',
      'Cc: carl@example.com',
      'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Short preview text.',
      '--b',
      'Content-Type: application/pdf; name="Bericht.pdf"',
      'Content-Disposition: attachment; filename="Bericht.pdf"',
      '',
      'JVBERi0=',
      '--b--',
      '',
    ].join('\r\n');
    const summary = analyzeMessage(new TextEncoder().encode(raw));
    const withBody = indexTerms(searchableText(summary, { text: 'Der Termin ist verschoben.', html: '<p>ignored</p>' }));
    for (const term of ['grusse', 'jurgen', 'muller', 'juergen', 'anna', 'carl', 'bericht', 'pdf', 'termin', 'verschoben']) assert.ok(withBody.has(term), term);
    assert.ok(!withBody.has('ignored'), 'the text part wins over the HTML part');
    assert.ok(indexTerms(searchableText(summary, { text: null, html: '<p>nur HTML</p>' })).has('html'));
    assert.ok(indexTerms(searchableText(summary, null)).has('preview'), 'without the body, the preview');
    assert.deepEqual(shownFields(summary), { subject: 'Grüße', from: 'Jürgen Müller', to: 'Anna' });
  });
});

describe('search: the index', () => {
  test('all words must match, the last by prefix, across folders, whatever the accents', () => {
    const index = sampleIndex();
    assert.deepEqual(found(index, 'budget'), ['archive/7', 'inbox/2', 'inbox/3']);
    assert.deepEqual(found(index, 'budget notes'), ['inbox/2']);
    assert.deepEqual(found(index, 'budget no'), ['inbox/2'], 'the word being typed matches by prefix');
    assert.deepEqual(found(index, 'budget no '), [], 'a finished word must match whole');
    assert.deepEqual(found(index, 'uber '), ['inbox/1'], '"uber" finds "Über"');
    assert.deepEqual(found(index, 'uber'), ['inbox/1', 'inbox/3'], 'and, still being typed, "überarbeitet"');
    assert.deepEqual(found(index, 'strasse'), ['inbox/1'], '"strasse" finds "Straße"');
    assert.deepEqual(found(index, 'STRAßE'), ['inbox/1']);
    assert.deepEqual(found(index, 'grüßen'), ['inbox/1']);
    assert.deepEqual(found(index, 'example.com'), ['archive/7']);
    assert.deepEqual(found(index, 'budget nothing'), []);
    assert.deepEqual(found(index, ''), []);
  });

  test('hits come newest first, with a total beyond the limit', () => {
    const result = sampleIndex().search(parseQuery('budget'), 2);
    assert.equal(result.total, 3);
    assert.deepEqual(
      result.hits.map((hit) => hit.uid),
      [7, 3],
    );
    assert.deepEqual(result.hits[0], { folderId: 'archive', ...message(7, 7000) });
  });

  test('it follows the server: expunged messages, a new UIDVALIDITY and deleted folders go; the rest is reported missing', () => {
    const index = sampleIndex();
    const missing = index.reconcile([
      { folderId: 'inbox', uidValidity: 1, uids: [1, 3, 4, 5] },
      { folderId: 'sent', uidValidity: 9, uids: [1] },
    ]);
    assert.deepEqual(missing, [
      { folderId: 'inbox', uidValidity: 1, uids: [4, 5] },
      { folderId: 'sent', uidValidity: 9, uids: [1] },
    ]);
    assert.deepEqual(found(index, 'budget'), ['inbox/3'], 'uid 2 was expunged, the archive folder is gone');
    assert.equal(index.messageCount, 2);
    assert.deepEqual(
      index.reconcile([{ folderId: 'inbox', uidValidity: 2, uids: [1] }]),
      [{ folderId: 'inbox', uidValidity: 2, uids: [1] }],
      'a new UIDVALIDITY starts the folder afresh',
    );
    assert.equal(index.messageCount, 0);
  });

  test('removing and re-adding a message replaces its words', () => {
    const index = sampleIndex();
    assert.equal(index.remove('inbox', [2, 99]), 1);
    assert.deepEqual(found(index, 'notes'), []);
    index.add('inbox', 1, message(3, 3000), indexTerms('replaced words'));
    assert.deepEqual(found(index, 'budget'), ['archive/7']);
    assert.deepEqual(found(index, 'replaced'), ['inbox/3']);
  });

  test(`shards hold ${SHARD_CAPACITY} messages: adding one more re-encodes one shard, not the index`, () => {
    const index = new MailIndex(counterIds());
    for (let uid = 1; uid <= SHARD_CAPACITY + 10; uid++) index.add('inbox', 1, message(uid, uid), indexTerms(`word${uid % 7} common`));
    const first = index.takeChanges()!;
    assert.deepEqual([...first.shards.keys()], ['shard0', 'shard1']);
    assert.equal(index.takeChanges(), null, 'nothing changed since');
    index.add('inbox', 1, message(SHARD_CAPACITY + 11, 1), indexTerms('late arrival'));
    assert.deepEqual([...index.takeChanges()!.shards.keys()], ['shard1'], 'only the newest shard');
    index.remove('inbox', [5]);
    const removal = index.takeChanges()!;
    assert.deepEqual([...removal.shards.keys()], ['shard0']);
    index.remove(
      'inbox',
      Array.from({ length: SHARD_CAPACITY + 11 }, (_, position) => position + 1).filter((uid) => uid > SHARD_CAPACITY),
    );
    assert.deepEqual(index.takeChanges()!.deleted, ['shard1'], 'an emptied shard is deleted');
  });

  test('a shard survives encoding, and rejects what is not one', () => {
    const shard = new IndexShard();
    shard.add(message(5, 50), indexTerms('alpha beta'));
    shard.add(message(2, 20), indexTerms('beta gamma'));
    const decoded = IndexShard.decode(shard.encode());
    assert.deepEqual([...decoded.matching('beta', false)].sort(), [2, 5]);
    assert.deepEqual([...decoded.matching('gam', true)], [2]);
    assert.deepEqual(decoded.messages.get(5), message(5, 50));
    assert.throws(() => IndexShard.decode(new TextEncoder().encode('{"v":2}')), /format 2/);
    assert.throws(() => IndexShard.decode(new TextEncoder().encode('{"v":1,"messages":[],"terms":["x"],"postings":[[3]]}')), /past the messages/);
  });
});

const backends = await loadBackends();
for (const { name, crypto } of backends) {
  describe(`search: the stored index on ${name}`, () => {
    const recordKey = crypto.deriveSearchIndexKeys(crypto.newMasterKey()).recordKey;
    const SUBJECT = 'Quarterly Überblick';
    const BODY_WORD = 'zanzibarquokka';

    function sealed(): { index: MailIndex; changes: IndexChanges; records: Map<string, Uint8Array> } {
      const index = new MailIndex(counterIds());
      index.add('inbox', 1, message(1, 1000, SUBJECT), indexTerms(`${SUBJECT} the body mentions ${BODY_WORD} once`));
      index.add('archive', 4, message(2, 2000), indexTerms('another message'));
      const changes = index.takeChanges()!;
      return { index, changes, records: sealIndexChanges(crypto, recordKey, changes).put };
    }

    test('every record is ciphertext: no word, no subject, no folder id in its bytes', () => {
      const { changes, records } = sealed();
      assert.deepEqual([...records.keys()].sort(), [MANIFEST_ID, 'shard0', 'shard1']);
      const plaintexts = [changes.manifest, ...changes.shards.values()].map((bytes) => Buffer.from(bytes));
      assert.ok(
        plaintexts.some((bytes) => bytes.includes(BODY_WORD)),
        'the plaintext holds the word (the needle is right)',
      );
      for (const [id, bytes] of records) {
        const stored = Buffer.from(bytes);
        for (const needle of [BODY_WORD, 'zanzibar', 'uberblick', 'Überblick', 'Quarterly', 'inbox', 'archive', '"v":1']) {
          assert.ok(!stored.includes(needle), `${needle} in record ${id}`);
          assert.ok(!stored.includes(Buffer.from(needle, 'utf16le')), `${needle} (UTF-16) in record ${id}`);
        }
        assert.equal(stored[0], 0x01, 'a v1 record');
      }
    });

    test('the records open to the same index, only under their key and only in their place', () => {
      const { records } = sealed();
      const reopened = openIndexRecords(crypto, recordKey, records, counterIds())!;
      assert.deepEqual(
        reopened.search(parseQuery(BODY_WORD), 10).hits.map((hit) => hit.subject),
        [SUBJECT],
      );
      assert.deepEqual(
        reopened.search(parseQuery('another'), 10).hits.map((hit) => hit.folderId),
        ['archive'],
      );
      assert.equal(openIndexRecords(crypto, recordKey, new Map(), counterIds()), null, 'no manifest: no index yet');
      const otherKey = crypto.deriveSearchIndexKeys(crypto.newMasterKey()).recordKey;
      assert.throws(() => openIndexRecords(crypto, otherKey, records, counterIds()), { code: 'AUTHENTICATION_FAILED' });
      const swapped = new Map(records);
      swapped.set('shard0', records.get('shard1')!);
      swapped.set('shard1', records.get('shard0')!);
      assert.throws(
        () => openIndexRecords(crypto, recordKey, swapped, counterIds()),
        { code: 'AUTHENTICATION_FAILED' },
        "a shard does not open under another shard's id",
      );
      const tampered = new Map(records);
      const altered = new Uint8Array(records.get(MANIFEST_ID)!);
      altered[altered.length - 1]! ^= 1;
      tampered.set(MANIFEST_ID, altered);
      assert.throws(() => openIndexRecords(crypto, recordKey, tampered, counterIds()), { code: 'AUTHENTICATION_FAILED' });
    });
  });
}
