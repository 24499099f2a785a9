// `sealpost dns <domain>`: every record to publish for a domain, ready to paste into a zone.
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { validateDomainName } from '../../core/addresses.ts';
import { readDkimKey } from '../../dkim/keys.ts';
import { dnsRecords, formatZone, mtaStsPolicy } from '../../dns/records.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const dnsCommand: Command = {
  path: ['dns'],
  usage: 'dns <domain>',
  summary: 'Print the DNS records to publish for a domain: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, autoconfig and SRV.',
  details:
    'The mail host is the `hostname` setting; records assume the standard ports (25, 587, 465, 143, 993,\n' +
    '110, 995) forwarded to the listeners. The domain must have been added with `sealpost domain add`.',
  async run({ dataDir, config, positionals, print }) {
    const [name] = positionals;
    if (!name) throw new Error('dns needs a domain name');
    const domain = validateDomainName(name);
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      if (!(await admin.call('domain.list', {})).domains.includes(domain)) {
        throw new Error(`${domain} is not a domain of this server: add it first with \`sealpost domain add ${domain}\``);
      }
    } finally {
      await admin.close();
    }
    const key = await readDkimKey(dataDir, domain);
    if (!key) throw new Error(`${domain} has no DKIM key yet: run \`sealpost domain add ${domain}\` (or start the server) to make one`);
    const mailHost = config.hostname;
    if (!mailHost.includes('.')) {
      print(`; WARNING: hostname is "${mailHost}"; set it to the server's public name (--set hostname=mail.${domain}).`);
    }
    const mode = config.smtp.mx.mtaStsMode;
    print(formatZone(dnsRecords(domain, mailHost, key, mode)));
    print('');
    print(`; The web listener serves this policy at https://mta-sts.${domain}/.well-known/mta-sts.txt (forward port 443`);
    print('; to it; a certificate valid for that name is needed). Once the mail host has a certificate from a public CA,');
    print('; set smtp.mx.mtaStsMode=enforce and publish the new id printed then.');
    for (const line of mtaStsPolicy(mailHost, mode).trimEnd().split('\n')) print(`;   ${line}`);
    print(`; Also: A/AAAA records for ${mailHost}, and a PTR record of its address naming ${mailHost}.`);
  },
};
