// How to set up a mail client: the server name, ports and security of the running IMAP,
// POP3 and submission listeners, as JSON for the web client's setup page, as Thunderbird
// autoconfig (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat) and
// as an Apple configuration profile. None carries a password: the user types an app
// password into the client.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ServiceEndpoint, WebContext } from '../context.ts';
import { Address } from '../schemas.ts';

type Protocol = 'imap' | 'pop3' | 'smtp';

export interface ClientService {
  protocol: Protocol;
  hostname: string;
  port: number;
  security: 'tls' | 'starttls';
}

/** Listener names are chosen by each front-end; these patterns tell what a listener is.
 * The MX is server-to-server and never offered to clients. */
const PROTOCOL_OF_LISTENER: [RegExp, Protocol][] = [
  [/imap/i, 'imap'],
  [/pop3/i, 'pop3'],
  [/submission/i, 'smtp'],
];

export function clientServices(hostname: string, endpoints: readonly ServiceEndpoint[]): ClientService[] {
  const services: ClientService[] = [];
  for (const endpoint of endpoints) {
    const protocol = PROTOCOL_OF_LISTENER.find(([pattern]) => pattern.test(endpoint.name))?.[1];
    // Only encrypted services are offered: app passwords never cross a network in clear.
    if (!protocol || endpoint.tls === 'none') continue;
    services.push({ protocol, hostname, port: endpoint.port, security: endpoint.tls === 'implicit' ? 'tls' : 'starttls' });
  }
  // By protocol, and implicit TLS before STARTTLS: RFC 8314 prefers it.
  const order: Protocol[] = ['imap', 'pop3', 'smtp'];
  return services.sort((a, b) => order.indexOf(a.protocol) - order.indexOf(b.protocol) || (a.security === b.security ? 0 : a.security === 'tls' ? -1 : 1));
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);

export function autoconfigXml(domain: string, services: readonly ClientService[]): string {
  const server = (service: ClientService, element: 'incomingServer' | 'outgoingServer') =>
    `    <${element} type="${service.protocol}">\n` +
    `      <hostname>${escapeXml(service.hostname)}</hostname>\n` +
    `      <port>${service.port}</port>\n` +
    `      <socketType>${service.security === 'tls' ? 'SSL' : 'STARTTLS'}</socketType>\n` +
    `      <username>%EMAILADDRESS%</username>\n` +
    `      <authentication>password-cleartext</authentication>\n` +
    `    </${element}>\n`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<clientConfig version="1.1">\n' +
    `  <emailProvider id="${escapeXml(domain)}">\n` +
    `    <domain>${escapeXml(domain)}</domain>\n` +
    `    <displayName>Sealpost (${escapeXml(domain)})</displayName>\n` +
    services
      .filter((service) => service.protocol !== 'smtp')
      .map((service) => server(service, 'incomingServer'))
      .join('') +
    services
      .filter((service) => service.protocol === 'smtp')
      .map((service) => server(service, 'outgoingServer'))
      .join('') +
    '  </emailProvider>\n' +
    '</clientConfig>\n'
  );
}

export function appleMobileconfig(address: string, services: readonly ClientService[]): string | undefined {
  const incoming = services.find((service) => service.protocol === 'imap');
  const outgoing = services.find((service) => service.protocol === 'smtp');
  if (!incoming || !outgoing) return undefined;
  const value = (key: string, content: string) => `      <key>${key}</key>\n      ${content}\n`;
  const string = (text: string) => `<string>${escapeXml(text)}</string>`;
  const bool = (flag: boolean) => (flag ? '<true/>' : '<false/>');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    '<plist version="1.0">\n<dict>\n' +
    '  <key>PayloadContent</key>\n  <array>\n    <dict>\n' +
    value('EmailAccountDescription', string(`Sealpost ${address}`)) +
    value('EmailAccountType', string('EmailTypeIMAP')) +
    value('EmailAddress', string(address)) +
    value('IncomingMailServerAuthentication', string('EmailAuthPassword')) +
    value('IncomingMailServerHostName', string(incoming.hostname)) +
    value('IncomingMailServerPortNumber', `<integer>${incoming.port}</integer>`) +
    value('IncomingMailServerUseSSL', bool(incoming.security === 'tls')) +
    value('IncomingMailServerUsername', string(address)) +
    value('OutgoingMailServerAuthentication', string('EmailAuthPassword')) +
    value('OutgoingMailServerHostName', string(outgoing.hostname)) +
    value('OutgoingMailServerPortNumber', `<integer>${outgoing.port}</integer>`) +
    value('OutgoingMailServerUseSSL', bool(outgoing.security === 'tls')) +
    value('OutgoingMailServerUsername', string(address)) +
    value('OutgoingPasswordSameAsIncomingPassword', bool(true)) +
    value('PayloadIdentifier', string(`sealpost.mail.${randomUUID()}`)) +
    value('PayloadType', string('com.apple.mail.managed')) +
    value('PayloadUUID', string(randomUUID())) +
    value('PayloadVersion', '<integer>1</integer>') +
    '    </dict>\n  </array>\n' +
    '  <key>PayloadDisplayName</key>\n  <string>Sealpost mail</string>\n' +
    `  <key>PayloadIdentifier</key>\n  <string>sealpost.profile.${randomUUID()}</string>\n` +
    '  <key>PayloadType</key>\n  <string>Configuration</string>\n' +
    `  <key>PayloadUUID</key>\n  <string>${randomUUID()}</string>\n` +
    '  <key>PayloadVersion</key>\n  <integer>1</integer>\n' +
    '</dict>\n</plist>\n'
  );
}

const ServiceReply = Type.Object({
  protocol: Type.Union([Type.Literal('imap'), Type.Literal('pop3'), Type.Literal('smtp')]),
  hostname: Type.String(),
  port: Type.Integer(),
  security: Type.Union([Type.Literal('tls'), Type.Literal('starttls')]),
});
const AutoconfigQuery = Type.Object({ emailaddress: Type.Optional(Address) });
const MobileconfigQuery = Type.Object({ address: Address });

export async function clientSetupRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const services = () => clientServices(context.config.hostname, context.endpoints());

  app.get('/api/client-setup', { schema: { response: { 200: Type.Object({ services: Type.Array(ServiceReply) }) } } }, async () => ({ services: services() }));

  const autoconfig = async (request: { query: Static<typeof AutoconfigQuery> }, reply: { header(name: string, value: string): unknown }) => {
    const domains = await context.core.domains.list();
    const asked = request.query.emailaddress?.split('@')[1]?.toLowerCase();
    const domain = asked && domains.includes(asked) ? asked : (domains[0] ?? context.config.hostname);
    reply.header('content-type', 'application/xml; charset=utf-8');
    return autoconfigXml(domain, services());
  };
  app.get<{ Querystring: Static<typeof AutoconfigQuery> }>(
    '/.well-known/autoconfig/mail/config-v1.1.xml',
    { schema: { querystring: AutoconfigQuery } },
    autoconfig,
  );
  app.get<{ Querystring: Static<typeof AutoconfigQuery> }>('/mail/config-v1.1.xml', { schema: { querystring: AutoconfigQuery } }, autoconfig);

  app.get<{ Querystring: Static<typeof MobileconfigQuery> }>(
    '/api/client-setup/sealpost.mobileconfig',
    { schema: { querystring: MobileconfigQuery } },
    async (request, reply) => {
      const profile = appleMobileconfig(request.query.address.trim().toLowerCase(), services());
      if (!profile) return reply.status(404).send({ code: 'NOT_FOUND', message: 'this server runs no IMAP and submission service to configure' });
      void reply.header('content-type', 'application/x-apple-aspen-config').header('content-disposition', 'attachment; filename="sealpost.mobileconfig"');
      return profile;
    },
  );
}
