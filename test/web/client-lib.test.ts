// The web client's pure modules, run in Node against the server's own code: the MIME it
// builds parses back (mime/ and mailparser), folder names sealed with the browser's
// crypto backend open with the server's and back, threads group as a reader expects, and
// only our own server's verdict headers are believed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { loadBrowserCrypto } from '../../crypto/browser.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { analyzeMessage } from '../../mime/structure.ts';
import { openFolderName, sealFolderName } from '../../shared/folder-names.ts';
import { parseAddressList } from '../../client/src/lib/addresses.ts';
import { buildMessage, encodeWords, quotedPrintable } from '../../client/src/lib/compose-mime.ts';
import { trustsRemoteContent, verifiedSender } from '../../client/src/lib/remote-content.ts';
import { threadRows } from '../../client/src/lib/threads.ts';
import { authenticationResults, localSender, parseMessage, spamVerdict } from '../../client/src/lib/worker/message-parser.ts';
import type { MessageSummary } from '../../mime/types.ts';

describe('web client: composing MIME', () => {
  const attachment = new Uint8Array(100_000).map((_, index) => (index * 7) % 256);
  const message = buildMessage({
    from: { name: 'Jörg Müller', address: 'joerg@sealpost.test' },
    to: [
      { name: 'Ann "the" Reader', address: 'ann@example.org' },
      { name: '', address: 'bob@example.org' },
    ],
    cc: [],
    subject: 'Grüße aus Köln — ein sehr langer Betreff, der über mehrere kodierte Wörter gehen muss 😀',
    text: `Hallo Ann,\n\nviele Grüße! A line with = and trailing space \n${'x'.repeat(200)}\n-- \nJörg`,
    date: new Date('2026-03-01T10:00:00Z'),
    messageId: '<abc123@sealpost.test>',
    inReplyTo: '<parent@example.org>',
    references: ['<root@example.org>', '<parent@example.org>'],
    attachments: [{ filename: 'Übersicht März.bin', mimeType: 'application/octet-stream', content: attachment }],
  });
  const text = new TextDecoder().decode(message);

  test('lines are CRLF and short, headers ASCII', () => {
    assert.ok(!/[^\r]\n/.test(text), 'every LF follows a CR');
    for (const line of text.split('\r\n')) assert.ok(line.length <= 78, `line too long: ${line.slice(0, 40)}…`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, controls included.
    assert.ok(/^[\x00-\x7f]*$/.test(text), 'pure ASCII on the wire');
  });

  test('mailparser reads back what was written', async () => {
    const parsed = await simpleParser(Buffer.from(message));
    assert.equal(parsed.subject, 'Grüße aus Köln — ein sehr langer Betreff, der über mehrere kodierte Wörter gehen muss 😀');
    assert.equal(parsed.from?.value[0]?.name, 'Jörg Müller');
    assert.deepEqual(
      (Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value.map((entry) => [entry.name, entry.address]),
      [
        ['Ann "the" Reader', 'ann@example.org'],
        ['', 'bob@example.org'],
      ],
    );
    assert.equal(parsed.text?.trim(), `Hallo Ann,\n\nviele Grüße! A line with = and trailing space \n${'x'.repeat(200)}\n-- \nJörg`.trim());
    assert.equal(parsed.attachments[0]?.filename, 'Übersicht März.bin');
    assert.deepEqual(new Uint8Array(parsed.attachments[0]!.content), attachment);
    assert.equal(parsed.inReplyTo, '<parent@example.org>');
    assert.equal(parsed.messageId, '<abc123@sealpost.test>');
  });

  test("the server's MIME analysis sees the same structure", () => {
    const summary = analyzeMessage(message);
    assert.equal(summary.envelope.decodedSubject, 'Grüße aus Köln — ein sehr langer Betreff, der über mehrere kodierte Wörter gehen muss 😀');
    assert.equal(summary.structure.subtype, 'mixed');
    assert.equal(summary.attachments[0]?.filename, 'Übersicht März.bin');
    assert.deepEqual(summary.threading.references, ['root@example.org', 'parent@example.org']);
    assert.equal(summary.defects, undefined, 'no defect found');
  });

  test('quoted-printable and encoded words handle the edges', () => {
    assert.equal(quotedPrintable('a=b'), 'a=3Db');
    assert.equal(quotedPrintable('end '), 'end=20');
    assert.equal(quotedPrintable('€'), '=E2=82=AC');
    assert.ok(
      quotedPrintable('é'.repeat(100))
        .split('\r\n')
        .every((line) => line.length <= 76 && !/=.?$/.test(line.replace(/=$/, ''))),
    );
    assert.equal(encodeWords('plain'), 'plain');
    assert.match(encodeWords('ä'), /^=\?UTF-8\?B\?w6Q=\?=$/);
  });

  test('typed address lists are split into mailboxes, with the invalid parts apart', () => {
    assert.deepEqual(parseAddressList('Ann <ann@x.org>, bob@y.org; "C, D" <cd@z.org>, nonsense'), {
      mailboxes: [
        { name: 'Ann', address: 'ann@x.org' },
        { name: '', address: 'bob@y.org' },
        { name: 'C, D', address: 'cd@z.org' },
      ],
      invalid: ['nonsense'],
    });
  });
});

describe("web client: the browser's crypto backend and the server's", () => {
  test("folder names sealed with the browser's crypto open with the server's and back", async () => {
    const server = await loadNodeCrypto();
    const browser = await loadBrowserCrypto();
    const masterKey = server.newMasterKey();
    const identity = server.newIdentity(masterKey);
    const keys = server.openIdentity(identity, masterKey);
    const sealedInBrowser = sealFolderName(browser, keys, 'Reisen/2026 Sommer ☀');
    assert.equal(openFolderName(server, keys, sealedInBrowser), 'Reisen/2026 Sommer ☀');
    assert.equal(openFolderName(browser, keys, sealFolderName(server, keys, 'Work')), 'Work');
    assert.throws(() => openFolderName(browser, keys, `${sealedInBrowser.slice(0, -4)}AAA=`));
  });
});

describe('web client: reading', () => {
  test('only verdict headers above our own topmost Received header are believed', async () => {
    const raw = Buffer.from(
      'Authentication-Results: mx.sealpost.test; spf=pass smtp.mailfrom=a.example; dkim=fail; dmarc=none\r\n' +
        'X-Spam-Status: No, score=1.5\r\n' +
        'Received: from web (Sealpost) by mx.sealpost.test\r\n' +
        'Received: from mail.a.example by mx.b.example\r\n' +
        'Authentication-Results: forged; spf=pass; dkim=pass; dmarc=pass\r\n' +
        'X-Spam-Flag: NO\r\n' +
        'From: a@a.example\r\nSubject: verdicts\r\n\r\nbody\r\n',
    );
    const parsed = await parseMessage(raw);
    assert.deepEqual(parsed.authentication, { spf: 'pass', dkim: 'fail', dmarc: 'none' });
    assert.deepEqual(parsed.spam, { flagged: false, score: '1.5' });

    // A sender's forgery below our Received header, in a message with no Received of its own.
    const forgedBelowOurs = await parseMessage(
      Buffer.from(
        'Received: from mail.a.example (Sealpost) by mx.sealpost.test\r\nAuthentication-Results: mx.sealpost.test; dkim=pass\r\nX-Spam-Flag: NO\r\n\r\nbody\r\n',
      ),
    );
    assert.equal(forgedBelowOurs.authentication, null);
    assert.equal(forgedBelowOurs.spam, null);
    const forgedOnly = await parseMessage(
      Buffer.from('Received: from mail.a.example by mx.b.example\r\nAuthentication-Results: x; dkim=pass\r\nX-Spam-Flag: NO\r\n\r\nbody\r\n'),
    );
    assert.equal(forgedOnly.authentication, null);
    assert.equal(forgedOnly.spam, null);
    assert.equal(authenticationResults([]), null);
    assert.equal(spamVerdict([]), null);
  });

  test('a local sender is believed only from our own auth=pass above our Received header', async () => {
    const ours =
      'Authentication-Results: mx.sealpost.test; auth=pass smtp.auth=Alice@sealpost.test\r\nReceived: by mx.sealpost.test (Sealpost) with ESMTPSA id 0011;\r\n';
    const passed = await parseMessage(Buffer.from(`${ours}From: alice@sealpost.test\r\nSubject: hi\r\n\r\nbody\r\n`));
    assert.equal(passed.localSender, 'alice@sealpost.test');
    // The sender's own claim, below our Received header, is not believed; nor is it above a
    // Received header that is not ours.
    const forged = 'Authentication-Results: mx.sealpost.test; auth=pass smtp.auth=chief@sealpost.test\r\n';
    assert.equal((await parseMessage(Buffer.from(`Received: from mail.a.example (Sealpost) by mx.sealpost.test\r\n${forged}\r\nbody\r\n`))).localSender, null);
    assert.equal((await parseMessage(Buffer.from(`${forged}Received: from mail.a.example by mx.b.example\r\n\r\nbody\r\n`))).localSender, null);
    // Ours above, a forgery below: ours wins.
    assert.equal((await parseMessage(Buffer.from(`${ours}${forged}\r\nbody\r\n`))).localSender, 'alice@sealpost.test');
    // Only a passing auth result names a sender, and only with its own smtp.auth.
    const received = 'Received: by mx.sealpost.test (Sealpost) with ESMTPSA id 0011;\r\n\r\nbody\r\n';
    for (const value of [
      'auth=fail smtp.auth=alice@sealpost.test',
      'auth=pass',
      'spf=pass smtp.mailfrom=alice@sealpost.test',
      'auth=none; spf=pass smtp.auth=alice@sealpost.test',
    ]) {
      assert.equal((await parseMessage(Buffer.from(`Authentication-Results: mx.sealpost.test; ${value}\r\n${received}`))).localSender, null, value);
    }
    assert.equal(localSender([]), null);
  });

  test('conversations group by references, newest conversation first', () => {
    const summary = (messageId: string, references: string[] = []) =>
      ({ threading: { messageId, inReplyTo: references.slice(-1), references, isReplyOrForward: references.length > 0 } }) as unknown as MessageSummary;
    const summaries = new Map<number, MessageSummary>([
      [1, summary('a')],
      [2, summary('b')],
      [3, summary('c', ['a'])],
      [4, summary('d', ['a', 'c'])],
    ]);
    const dates = new Map([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 15],
    ]);
    assert.deepEqual(
      threadRows(
        [1, 2, 3, 4],
        (uid) => dates.get(uid)!,
        (uid) => summaries.get(uid),
      ),
      [
        { uid: 1, depth: 0, size: 3 },
        { uid: 4, depth: 1, size: 0 },
        { uid: 3, depth: 1, size: 0 },
        { uid: 2, depth: 0, size: 1 },
      ],
    );
  });
});

describe('web client: whose remote content loads without asking (issue 12, item 10)', () => {
  const from = (address: string) => [{ name: '', address }];
  const verdicts = (dmarc: 'pass' | 'fail' | null) => ({ spf: 'pass' as const, dkim: null, dmarc });

  test('a trusted sender counts only when our server verified the From: DMARC pass, or our own account sent it', () => {
    const trusted = ['news@shop.example', 'alice@sealpost.test'];
    assert.equal(trustsRemoteContent({ from: from('News@Shop.example'), authentication: verdicts('pass'), localSender: null }, trusted), true);
    assert.equal(
      trustsRemoteContent({ from: from('news@shop.example'), authentication: verdicts('fail'), localSender: null }, trusted),
      false,
      'a forged From',
    );
    assert.equal(trustsRemoteContent({ from: from('news@shop.example'), authentication: verdicts(null), localSender: null }, trusted), false, 'not checked');
    assert.equal(trustsRemoteContent({ from: from('news@shop.example'), authentication: null, localSender: null }, trusted), false, 'no verdict at all');
    assert.equal(trustsRemoteContent({ from: from('alice@sealpost.test'), authentication: null, localSender: 'alice@sealpost.test' }, trusted), true);
    assert.equal(
      trustsRemoteContent({ from: from('alice@sealpost.test'), authentication: null, localSender: 'mallory@sealpost.test' }, trusted),
      false,
      'another local account',
    );
    assert.equal(
      verifiedSender({ from: [...from('news@shop.example'), ...from('x@y.example')], authentication: verdicts('pass'), localSender: null }),
      null,
      'two Froms',
    );
    assert.equal(verifiedSender({ from: from('someone@else.example'), authentication: verdicts('pass'), localSender: null }), 'someone@else.example');
  });
});
