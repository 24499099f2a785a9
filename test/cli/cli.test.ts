// The operator's CLI as a process: help on every command, account commands with and
// without a running server (admin socket vs. opening the store), and config rejection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { EPHEMERAL_PORT_SETTINGS } from '../../scripts/lib/ephemeral-ports.ts';
import { runSealpost, startServerProcess, type ServerProcess } from '../../scripts/lib/server-process.ts';

const CHEAP_KDF = ['--set', 'passwordKdf.opsLimit=1', '--set', 'passwordKdf.memLimitBytes=8388608'];
const SERVER_SETTINGS = ['listenAddress=127.0.0.1', ...EPHEMERAL_PORT_SETTINGS, 'log.level=warn'];
const PASSWORD = 'a long enough password';

describe('sealpost CLI', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sealpost-cli-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('every command has --help', async () => {
    const overview = await runSealpost(['--help']);
    assert.equal(overview.code, 0);
    const commands = [...overview.stdout.matchAll(/^ {2}([a-z-]+(?: [a-z-]+)?)\s{2,}/gm)].map((match) => match[1]!.trim());
    assert.ok(commands.length >= 9, overview.stdout);
    for (const command of commands) {
      const help = await runSealpost([...command.split(' '), '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^Usage: sealpost ${command}`), command);
      assert.match(help.stdout, /--data-dir/);
    }
    const unknown = await runSealpost(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command/);
  });

  test('init creates keys, certificate and config with operator-only permissions', async () => {
    const result = await runSealpost(['init', '--data-dir', dataDir]);
    assert.equal(result.code, 0, result.stderr);
    for (const file of ['keys/server.key', 'keys/spool.key', 'tls/key.pem']) {
      assert.equal((await stat(join(dataDir, file))).mode & 0o777, 0o600, file);
    }
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const again = await runSealpost(['init', '--data-dir', dataDir]);
    assert.match(again.stdout, /nothing to create/);
  });

  test('an invalid config is rejected with the exact key and reason', async () => {
    const bad = await runSealpost(['config', '--data-dir', dataDir, '--set', 'smtp.mx.port=70000']);
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /smtp\.mx\.port: .*65535/);
    const file = join(dataDir, 'bad.json');
    await writeFile(file, JSON.stringify({ limits: { messageMaxBytes: 'big' } }));
    const badFile = await runSealpost(['config', '--config', file]);
    assert.match(badFile.stderr, /limits\.messageMaxBytes: Expected integer/);
    await writeFile(file, JSON.stringify({ smtp: { mxx: {} } }));
    assert.match((await runSealpost(['config', '--config', file])).stderr, /smtp\.mxx: no such setting/);
    const byEnv = await runSealpost(['start', '--data-dir', dataDir, '--set', 'web.enabled=maybe']);
    assert.match(byEnv.stderr, /web\.enabled: --set: expected true or false/);
  });

  test('account commands work on the store when no server runs, then through the admin socket', async () => {
    const created = await runSealpost(['account', 'create', 'offline@sealpost.test', '--data-dir', dataDir, ...CHEAP_KDF], `${PASSWORD}\n`);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /recovery code: ([a-z2-9]{4}-){7}[a-z2-9]{4}/);
    assert.ok(!created.stdout.includes(PASSWORD));

    const short = await runSealpost(['account', 'create', 'short@sealpost.test', '--data-dir', dataDir, ...CHEAP_KDF], 'short\n');
    assert.notEqual(short.code, 0);
    const invalid = await runSealpost(['account', 'create', '1bad@sealpost.test', '--data-dir', dataDir, ...CHEAP_KDF], `${PASSWORD}\n`);
    assert.match(invalid.stderr, /local part/);

    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess(dataDir, SERVER_SETTINGS);
      const online = await runSealpost(['account', 'create', 'online@sealpost.test', '--data-dir', dataDir, ...CHEAP_KDF], `${PASSWORD}\n`);
      assert.equal(online.code, 0, online.stderr);
      const taken = await runSealpost(['account', 'create', 'online@sealpost.test', '--data-dir', dataDir, ...CHEAP_KDF], `${PASSWORD}\n`);
      assert.match(taken.stderr, /already taken/);

      const wrong = await runSealpost(['account', 'app-password', 'online@sealpost.test', '--label', 'phone', '--data-dir', dataDir], 'not the password\n');
      assert.match(wrong.stderr, /wrong password/);
      const app = await runSealpost(['account', 'app-password', 'online@sealpost.test', '--label', 'phone', '--data-dir', dataDir], `${PASSWORD}\n`);
      assert.equal(app.code, 0, app.stderr);
      assert.match(app.stdout, /: ([a-z2-9]{4}-){6}[a-z2-9]{4}\n/);

      const info = await nodemailer
        .createTransport({ host: '127.0.0.1', port: server.ports['smtp-mx'], tls: { rejectUnauthorized: false } })
        .sendMail({ from: 'x@remote.example', to: 'online@sealpost.test', subject: 'hi', text: 'hello' });
      assert.match(info.response, /^250/);

      const list = await runSealpost(['account', 'list', '--data-dir', dataDir]);
      assert.match(list.stdout, /offline@sealpost\.test .*0 messages/);
      assert.match(list.stdout, /online@sealpost\.test .*1 messages/);

      const refused = await runSealpost(['account', 'delete', 'offline@sealpost.test', '--data-dir', dataDir]);
      assert.match(refused.stderr, /--yes/);
      const deleted = await runSealpost(['account', 'delete', 'offline@sealpost.test', '--yes', '--data-dir', dataDir]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.doesNotMatch((await runSealpost(['account', 'list', '--data-dir', dataDir])).stdout, /offline@/);
    } finally {
      server?.child.kill('SIGTERM');
      await server?.exited;
    }
  });
});
