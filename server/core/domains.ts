// Domains this server receives mail for. Mail to any other domain is relay and refused.
import { validateDomainName } from './addresses.ts';
import type { CoreContext } from './context.ts';
import { MailError } from './errors.ts';
import { keys, END } from './keys.ts';
import { decodeRecord, encodeRecord } from './records.ts';

interface DomainRecord {
  v: 1;
  name: string;
  createdAt: number;
}

export class Domains {
  readonly #context: CoreContext;
  /** Every MX recipient asks isLocal; domains change only through add() in the one process
   * that holds the store, so the set is read once and kept current here. */
  #localDomains: Promise<Set<string>> | null = null;

  constructor(context: CoreContext) {
    this.#context = context;
  }

  async add(name: string): Promise<string> {
    const domain = validateDomainName(name);
    const record: DomainRecord = { v: 1, name: domain, createdAt: this.#context.clock.now() };
    await this.#context.store.kv.batch([{ type: 'put', key: keys.domain(domain), value: encodeRecord(record) }]);
    (await this.#local()).add(domain);
    return domain;
  }

  async isLocal(name: string): Promise<boolean> {
    return (await this.#local()).has(name.toLowerCase());
  }

  #local(): Promise<Set<string>> {
    this.#localDomains ??= this.list().then((names) => new Set(names));
    return this.#localDomains;
  }

  async requireLocal(name: string): Promise<void> {
    if (!(await this.isLocal(name))) throw new MailError('DOMAIN_UNKNOWN', `${name} is not a domain of this server`);
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    const prefix = keys.domainPrefix();
    for await (const [, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      names.push(decodeRecord<DomainRecord>(value).name);
    }
    return names;
  }
}
