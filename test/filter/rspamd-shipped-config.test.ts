// The rspamd configuration Sealpost ships (scripts/rspamd/local.d, installed per
// docs/operations.md) keeps everything derived from a message's content on this host: no
// fuzzy hashes to rspamd.com, no blocklist lookups of the links, addresses or Received
// headers found in a message, no Redis records of mail. Blocklists are still asked about the
// connecting server's address. A real rspamd (Debian's) asks a recording DNS server on
// loopback, so every name it looks up while checking a message is seen. fuzzy_check is shown
// off through configdump only: rspamd resolves its servers with the system resolver at start,
// which answers nothing offline, so its datagrams could not be observed here anyway.
//
// Checked by hand: with the package's defaults alone (startRspamd({ shippedConfig: false }))
// both tests fail: configdump shows fuzzy_check, asn and the URL and email blocklists enabled,
// and the check asks about the link's domain (uribl.spameatingmonkey.net, dbl.spamhaus.org),
// hashes of it (uribl.rspamd.com, phishtank.rspamd.com), hashes of the body's email address
// (email.rspamd.com, ebl.msbl.org) and the Received header's client address (zen.spamhaus.org),
// and the link's DBL listing turns up as DBL_SPAM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRecordingDnsServer, type RecordingDnsServer } from '../helpers/recording-dns-server.ts';
import { removeRspamd, startRspamd, type RunningRspamd } from '../helpers/rspamd.ts';

const run = promisify(execFile);

/** TEST-NET-3 (RFC 5737): public to rspamd, so its blocklists are asked; nobody's real address. */
const PEER_ADDRESS = '203.0.113.7';
const PEER_REVERSED = PEER_ADDRESS.split('.').reverse().join('.');
/** A correspondent's own client address, as their provider's Received header shows it (TEST-NET-2). */
const CLIENT_ADDRESS = '198.51.100.23';
const CLIENT_REVERSED = CLIENT_ADDRESS.split('.').reverse().join('.');
const SENDER_DOMAIN = 'sender.example';
const HELO = 'mail.sender.example';
/** Real top-level domains: rspamd checks links and addresses only under a known public suffix. */
const LINK_DOMAIN = 'leak-probe-link.net';
const ADDRESS_DOMAIN = 'leak-probe-address.org';
/** Spamhaus's answers for "listed in SBL" and "spam domain in DBL" (rspamd's rbl.conf). */
const SPAMHAUS_SBL = '127.0.0.2';
const SPAMHAUS_DBL_SPAM = '127.0.1.2';

const MESSAGE =
  `Received: from [${CLIENT_ADDRESS}] (unknown [${CLIENT_ADDRESS}])\r\n\tby ${HELO} with ESMTPSA id 4f2a; Sat, 21 Nov 2026 09:59:58 +0000\r\n` +
  `From: Sender <someone@${SENDER_DOMAIN}>\r\nTo: <alice@sealpost.test>\r\nSubject: the offer\r\n` +
  `Message-ID: <probe-1@${SENDER_DOMAIN}>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n` +
  `Content-Type: text/plain; charset=utf-8\r\n\r\n` +
  `See https://www.${LINK_DOMAIN}/offer?id=42 and write to orders@${ADDRESS_DOMAIN} before Friday.\r\n` +
  // Past fuzzy_check's min_bytes (1k): with network access, the stock rule would send its hashes.
  'We have prepared a detailed proposal for the next quarter and look forward to your answer. '.repeat(20) +
  '\r\n';

/** The DNS names a check may ask about: the connecting server and the sender's own domain. */
function isAboutPeerOrSender(name: string): boolean {
  return (
    name.startsWith(`${PEER_REVERSED}.`) || // blocklists and PTR of the peer's address
    [SENDER_DOMAIN, `_dmarc.${SENDER_DOMAIN}`, HELO].includes(name) // SPF, DMARC, HELO checks
  );
}

/** What rspamd asks while idle, about no message: blocklist health probes and map downloads. */
function isAboutNoMessage(name: string): boolean {
  return name.startsWith('1.0.0.127.') || name === 'maps.rspamd.com';
}

/** A rule of rspamd's rbl module, as configdump shows it. */
type BlocklistRule = { enabled?: boolean; disabled?: boolean; checks?: string[]; exclude_checks?: string[] } & Record<string, unknown>;
/** What an rbl rule can look up, each also an old-style boolean option (check_types in rspamd's
 * lualib/plugins/rbl.lua, and `images`, which turns on the link lookups too). */
const CHECK_TYPES = ['from', 'received', 'helo', 'urls', 'content_urls', 'images', 'emails', 'replyto', 'dkim', 'rdns', 'selector'];

/** What the rule looks up, as rspamd's rbl module reads it: `checks` and the old booleans; `from` when neither. */
function checkedItems(rule: BlocklistRule): string[] {
  const named = new Set([...(rule.checks ?? []), ...CHECK_TYPES.filter((check) => rule[check] === true)]);
  if (named.size === 0) named.add('from');
  for (const check of rule.exclude_checks ?? []) named.delete(check);
  return [...named];
}

describe('the shipped rspamd configuration', () => {
  let dns: RecordingDnsServer;
  let rspamd: RunningRspamd;

  before(async () => {
    dns = await startRecordingDnsServer({
      [`${PEER_REVERSED}.zen.spamhaus.org`]: SPAMHAUS_SBL,
      [`${LINK_DOMAIN}.dbl.spamhaus.org`]: SPAMHAUS_DBL_SPAM,
    });
    rspamd = await startRspamd({ nameserver: dns.address });
  });
  after(async () => {
    if (rspamd) await removeRspamd(rspamd);
    await dns?.close();
  });

  test('turns off the modules that send content-derived data away or keep records of mail', async () => {
    const variables = Object.entries(rspamd.configVariables).map(([name, value]) => `--var=${name}=${value}`);
    const configdump = (...args: string[]) => run('rspamadm', [...variables, 'configdump', '-c', '/etc/rspamd/rspamd.conf', ...args]);

    const { stdout: states } = await configdump('-m');
    const disabled = /^Modules disabled \(explicitly\): (.*)$/m.exec(states)?.[1]?.split(', ') ?? [];
    for (const module of ['fuzzy_check', 'asn', 'url_redirector', 'history_redis', 'neural']) {
      assert.ok(disabled.includes(module), `${module} is disabled:\n${states}`);
    }

    const { stdout: json } = await configdump('-C', 'rbl', 'phishing');
    // One JSON object per section asked, one a line.
    const [rbl, phishing] = json
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(phishing?.phishtank_enabled, false);
    const rules = Object.entries((rbl?.rbls ?? {}) as Record<string, BlocklistRule>);
    assert.ok(rules.length > 0, 'the rbl section was read');
    const enabled = rules.filter(([, rule]) => rule.enabled !== false && rule.disabled !== true);
    assert.ok(
      enabled.some(([name]) => name === 'spamhaus'),
      'the peer address is still checked',
    );
    for (const [name, rule] of enabled) {
      assert.deepEqual(checkedItems(rule), ['from'], `blocklist ${name} is asked about the connecting address only`);
    }
  });

  test("a message's links, addresses and Received headers are not looked up; the peer address is", async () => {
    // The headers Sealpost's RspamdClient sends (server/filter/rspamd.ts), through fetch to read
    // the symbols, plus the peer's reverse DNS name (Hostname), which an MTA may pass and without
    // which rspamd's stock DBL, SURBL and URIBL rules skip the message: the shipped files must
    // hold whatever the MTA passes.
    const response = await fetch(`${rspamd.url}/checkv2`, {
      method: 'POST',
      body: MESSAGE,
      headers: {
        IP: PEER_ADDRESS,
        Hostname: HELO,
        Helo: HELO,
        From: `someone@${SENDER_DOMAIN}`,
        Rcpt: 'alice@sealpost.test',
        'Queue-Id': 'probe1',
        Flags: 'no_log',
      },
    });
    assert.equal(response.status, 200);
    const { symbols } = (await response.json()) as { symbols: Record<string, unknown> };
    // rspamd answers only after its lookups of this message are done: all are recorded by now.
    const names = [...new Set(dns.questions.map((question) => question.name))];

    assert.ok(names.includes(`${PEER_REVERSED}.zen.spamhaus.org`), `the peer address is checked through this DNS server: ${names.join(' ')}`);
    assert.ok('RBL_SPAMHAUS_SBL' in symbols, `the listing counts: ${Object.keys(symbols).join(' ')}`);

    const leaked = names.filter((name) => !isAboutPeerOrSender(name) && !isAboutNoMessage(name));
    assert.deepEqual(leaked, [], 'no DNS question derived from the message content');
    for (const needle of [LINK_DOMAIN, ADDRESS_DOMAIN, CLIENT_REVERSED]) {
      assert.ok(!names.some((name) => name.includes(needle)), `${needle} is not looked up`);
    }
    const contentSymbols = Object.keys(symbols).filter((symbol) => /FUZZY|SURBL|URIBL|DBL|PHISHTANK|EMAILBL|MSBL|RECEIVED_SPAMHAUS/.test(symbol));
    assert.deepEqual(contentSymbols, []);
  });
});
