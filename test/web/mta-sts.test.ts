// The MTA-STS policy file over real HTTPS (curl), as a sending server fetches it: it parses
// with mailauth's policy parser, names the mail host, follows smtp.mx.mtaStsMode, and its
// hash is the id in the _mta-sts TXT record `sealpost dns` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { parsePolicy } from 'mailauth/lib/mta-sts.js';
import { readDkimKey } from '../../server/dkim/keys.ts';
import { dnsRecords } from '../../server/dns/records.ts';
import { startTestService } from '../helpers/service.ts';

const run = promisify(execFile);

for (const mode of ['testing', 'enforce'] as const) {
  test(`the ${mode} policy is served for every domain and matches the published id`, async () => {
    const service = await startTestService(['web.enabled=true', 'web.port=0', 'hostname=mail.sealpost.test', `smtp.mx.mtaStsMode=${mode}`]);
    try {
      const url = `https://127.0.0.1:${service.port('https')}/.well-known/mta-sts.txt`;
      const { stdout } = await run('curl', ['-sk', '--fail', '-D', '-', '-H', 'Host: mta-sts.sealpost.test', url]);
      const [head, body] = stdout.split('\r\n\r\n') as [string, string];
      assert.match(head, /^content-type: text\/plain; charset=utf-8$/im);
      const policy = parsePolicy(body);
      assert.equal(policy.mode, mode);
      assert.deepEqual(policy.mx, ['mail.sealpost.test']);
      assert.ok((policy.maxAge ?? 0) >= 86_400, 'cached for at least a day');

      const domain = (await service.core.domains.list())[0]!;
      const key = await readDkimKey(service.dataDir, domain);
      const record = dnsRecords(domain, 'mail.sealpost.test', key!, mode).find((entry) => entry.name === `_mta-sts.${domain}.`)!;
      assert.ok(record.value.includes(`id=${createHash('sha256').update(body).digest('hex').slice(0, 16)}`));
    } finally {
      await service.stop();
    }
  });
}
