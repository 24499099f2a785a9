// The DNS records an operator publishes for a mail domain served by this server, as
// zone-file lines: MX, SPF, DKIM, DMARC, MTA-STS (TXT, host and policy file), TLS-RPT, and
// client autoconfiguration (Thunderbird's autoconfig host, RFC 6186 and RFC 8314 SRV).
import { createHash } from 'node:crypto';
import { dkimRecordValue, type DkimKey } from '../dkim/keys.ts';

export interface DnsRecord {
  name: string;
  type: 'MX' | 'TXT' | 'CNAME' | 'SRV';
  value: string;
  /** Why the record is there, printed as a comment above it. */
  purpose: string;
}

/** A TXT character-string holds at most 255 octets (RFC 1035 section 3.3); longer values
 * (a 2048-bit DKIM key) are split into several strings, which receivers concatenate. */
const TXT_STRING_MAX = 255;
/** RFC 8461 section 3.2: policies are cached up to max_age; a week lets a change reach
 * senders within days while surviving a weekend outage of the policy host. */
const MTA_STS_MAX_AGE_SECONDS = 604_800;

/** Standard ports, which the operator forwards to Sealpost's listeners. */
const PORTS = { submission: 587, submissions: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995 };

function txt(value: string): string {
  const strings: string[] = [];
  for (let start = 0; start < value.length; start += TXT_STRING_MAX) strings.push(`"${value.slice(start, start + TXT_STRING_MAX)}"`);
  return strings.length > 1 ? `( ${strings.join(' ')} )` : strings[0]!;
}

/** The policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt. "testing"
 * until the server has a certificate from a public CA: under "enforce", senders would
 * refuse the self-signed one. */
export function mtaStsPolicy(mailHost: string, mode: 'testing' | 'enforce' = 'testing'): string {
  return `version: STSv1\nmode: ${mode}\nmx: ${mailHost}\nmax_age: ${MTA_STS_MAX_AGE_SECONDS}\n`;
}

export function dnsRecords(domain: string, mailHost: string, dkim: DkimKey, mtaStsMode: 'testing' | 'enforce' = 'testing'): DnsRecord[] {
  const host = `${mailHost}.`;
  // The id changes with the policy, so senders fetch it again when the mode changes.
  const policyId = createHash('sha256').update(mtaStsPolicy(mailHost, mtaStsMode)).digest('hex').slice(0, 16);
  const srv = (service: keyof typeof PORTS, priority: number): DnsRecord => ({
    name: `_${service}._tcp.${domain}.`,
    type: 'SRV',
    value: `${priority} 1 ${PORTS[service]} ${host}`,
    purpose: `${service} for mail clients (RFC 6186${service.endsWith('s') ? ', implicit TLS preferred by RFC 8314' : ''})`,
  });
  return [
    { name: `${domain}.`, type: 'MX', value: `10 ${host}`, purpose: 'where other servers deliver mail for the domain' },
    { name: `${domain}.`, type: 'TXT', value: txt('v=spf1 mx -all'), purpose: 'SPF: only the MX host sends for the domain' },
    {
      name: `${dkim.selector}._domainkey.${domain}.`,
      type: 'TXT',
      value: txt(dkimRecordValue(dkim)),
      purpose: `DKIM public key (selector ${dkim.selector}); outgoing mail is signed with it`,
    },
    {
      name: `_dmarc.${domain}.`,
      type: 'TXT',
      value: txt('v=DMARC1; p=quarantine; adkim=s; aspf=s'),
      purpose: 'DMARC: receivers quarantine mail failing SPF and DKIM alignment',
    },
    { name: `_mta-sts.${domain}.`, type: 'TXT', value: txt(`v=STSv1; id=${policyId}`), purpose: 'MTA-STS: a policy exists (the id changes with the policy)' },
    { name: `mta-sts.${domain}.`, type: 'CNAME', value: host, purpose: 'MTA-STS: the HTTPS host serving the policy file below' },
    {
      name: `_smtp._tls.${domain}.`,
      type: 'TXT',
      value: txt(`v=TLSRPTv1; rua=mailto:postmaster@${domain}`),
      purpose: 'TLS-RPT: where senders report TLS failures',
    },
    { name: `autoconfig.${domain}.`, type: 'CNAME', value: host, purpose: 'client autoconfiguration (Thunderbird and others)' },
    srv('submissions', 0),
    srv('submission', 10),
    srv('imaps', 0),
    srv('imap', 10),
    srv('pop3s', 0),
    srv('pop3', 10),
  ];
}

export function formatZone(records: DnsRecord[]): string {
  const width = Math.max(...records.map((record) => record.name.length));
  return records.map((record) => `; ${record.purpose}\n${record.name.padEnd(width)}  IN ${record.type.padEnd(5)} ${record.value}`).join('\n');
}
