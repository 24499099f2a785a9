// The configuration schema: every limit of docs/design.md, Defaults with its default. A config
// file holds any subset; environment variables and command-line flags override it; the
// result is validated once at start and rejected with the exact key and reason.
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_HEADER_LIMITS } from '../../mime/header-meter.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Unprivileged defaults so that a newcomer needs no root; operators map 25/587/993… */
const port = (defaultPort: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort });

/** What one client (an address, an IPv6 /64) may hold of a service, counted in memory only:
 * open sockets, and new ones a minute (a burst of that many, then one every 60/n s). Past
 * either it is refused at once, before TLS, and everyone else is still served. */
const perClient = (maxConnections: number, connectionsPerMinute: number) =>
  Type.Object(
    {
      maxConnections: Type.Integer({ minimum: 1, default: maxConnections }),
      connectionsPerMinute: Type.Integer({ minimum: 1, default: connectionsPerMinute }),
    },
    { default: {}, additionalProperties: false },
  );

export const ConfigSchema = Type.Object(
  {
    /** Name this server gives itself in SMTP greetings and Received headers. */
    hostname: Type.String({ minLength: 1, default: 'localhost' }),
    /** Address the listeners bind to. */
    listenAddress: Type.String({ minLength: 1, default: '0.0.0.0' }),
    /** Domain created by `sealpost init` so that a newcomer can receive mail at once. */
    demoDomain: Type.String({ minLength: 1, default: 'sealpost.test' }),
    /** Limits on clients of every listener, beside each service's perClient caps. */
    clients: Type.Object(
      {
        /** Addresses and CIDR ranges the perClient caps do not apply to (they still count
         * towards a service's maxConnections): the host itself, as Postfix's mynetworks, so
         * that local software and monitoring are never refused. web.trustedProxies are
         * exempt on the web listener too. */
        exempt: Type.String({ default: '127.0.0.1, ::1' }),
        /** A connection to IMAP, POP3 or submission that has not logged in this long after
         * it connected (TLS handshake included) is closed: a client at work logs in at once. */
        loginTimeoutMs: Type.Integer({ minimum: 1000, default: 60_000 }),
        /** An implicit-TLS port closes a connection whose handshake is not done by then. */
        tlsHandshakeTimeoutMs: Type.Integer({ minimum: 1000, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    limits: Type.Object(
      {
        messageMaxBytes: Type.Integer({ minimum: 1024, default: 20 * MiB }),
        mailboxQuotaBytes: Type.Integer({ minimum: 1024, default: 1 * GiB }),
        addressesPerMailbox: Type.Integer({ minimum: 1, default: 6 }),
        recipientsPerMessage: Type.Integer({ minimum: 1, default: 100 }),
        /** Messages one account may submit per hour: a person writing mail never comes near
         * it; a hijacked account sending spam reaches it within minutes. */
        sendMessagesPerHour: Type.Integer({ minimum: 1, default: 100 }),
        /** Recipients one account may address per day (the figure large free providers use). */
        sendRecipientsPerDay: Type.Integer({ minimum: 1, default: 500 }),
      },
      { default: {}, additionalProperties: false },
    ),
    retention: Type.Object(
      {
        deliveryLogDays: Type.Integer({ minimum: 1, maximum: 7, default: 7 }),
        junkDays: Type.Integer({ minimum: 1, default: 30 }),
        backupDays: Type.Integer({ minimum: 1, maximum: 7, default: 7 }),
        outboundRetryDays: Type.Integer({ minimum: 1, default: 5 }),
        graceDaysAfterCredit: Type.Integer({ minimum: 0, default: 30 }),
        /** Messages in Trash longer than this are deleted by the retention job. */
        trashDays: Type.Integer({ minimum: 1, default: 30 }),
        /** Expunged messages and deleted folders leave the store's files (their records and
         * content keys, by a compaction of their ranges) at most this long after deletion. */
        erasureIntervalMinutes: Type.Integer({ minimum: 1, default: 60 }),
        /** Whether the service runs the retention job itself, every day at `runAt`. */
        daily: Type.Boolean({ default: true }),
        /** UTC time of day ("HH:MM") of the daily run: a quiet hour for most of Europe. */
        runAt: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '03:30' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Prepaid credit (docs/design.md promise 6). Amounts are in cents of `currency`. */
    billing: Type.Object(
      {
        /** Off (a fresh install): a free service, whose accounts never expire, so that the
         * first account a newcomer creates receives mail at once. An operator who sells
         * mailboxes turns it on; the settings below then apply. */
        enabled: Type.Boolean({ default: false }),
        currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'EUR' }),
        /** The base plan per calendar month (Posteo's price). */
        monthlyPriceCents: Type.Integer({ minimum: 0, default: 100 }),
        /** Extra storage is bought in steps of this size, each at its own monthly price. */
        extraStorageStepBytes: Type.Integer({ minimum: MiB, default: 1 * GiB }),
        extraStorageStepMonthlyCents: Type.Integer({ minimum: 0, default: 25 }),
        extraStorageMaxSteps: Type.Integer({ minimum: 0, default: 19 }),
        /** 0: a new account must be topped up before it receives mail. */
        trialDays: Type.Integer({ minimum: 0, default: 0 }),
        /** A cap on prepaid credit, €60 as at Posteo: five years at the base price, and the less
         * one payment can be, the less a single bank transfer stands out (issue 12, item 9). */
        maxBalanceCents: Type.Integer({ minimum: 1, default: 6000 }),
        /** Long enough for a bank transfer or a letter with cash to arrive. */
        paymentCodeValidDays: Type.Integer({ minimum: 1, default: 60 }),
        pendingCodesPerAccount: Type.Integer({ minimum: 1, default: 3 }),
        /** Shown beside a payment code: the operator's bank details or postal address. */
        paymentInstructions: Type.String({
          minLength: 1,
          default: 'Pay by bank transfer to the account named on our web site, or send cash in a letter, with the payment code as the only reference.',
        }),
        /** The operator as named on receipts. */
        receiptIssuer: Type.String({ minLength: 1, default: 'Sealpost' }),
      },
      { default: {}, additionalProperties: false },
    ),
    lifecycle: Type.Object(
      {
        /** The answer to mail for a disabled mailbox: code, enhanced code (RFC 3463), text.
         * A 4xx code makes senders retry until the grace period ends instead. */
        disabledMailboxReply: Type.String({ pattern: '^[45][0-9][0-9] [45]\\.[0-9]{1,3}\\.[0-9]{1,3} \\S.*$', default: '550 5.2.1 mailbox disabled' }),
        /** Days of credit left at which a reminder goes to the Inbox, comma-separated. */
        reminderDays: Type.String({ pattern: '^([0-9]+(,[0-9]+)*)?$', default: '14,3' }),
        /** A year: longer than contacts keep writing to a dead address, so nobody else
         * receives what was meant for its former owner. */
        addressHoldDays: Type.Integer({ minimum: 0, default: 365 }),
        /** Receiving stops after this many days without a login; 0 switches the rule off. */
        inactivityDays: Type.Integer({ minimum: 0, default: 0 }),
        /** More deletions than this within 24 hours bring the user a notice (docs/design.md). */
        deletionNoticeThreshold: Type.Integer({ minimum: 1, default: 50 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Argon2id cost for passwords the server derives (operator CLI); the browser derives
     * with the parameters stored per account. */
    passwordKdf: Type.Object(
      {
        opsLimit: Type.Integer({ minimum: 1, default: 3 }),
        memLimitBytes: Type.Integer({ minimum: 8 * 1024, default: 64 * MiB }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Worker threads for the per-message work that looks at a whole message at once (sender
     * authentication), so that it never runs on the event loop that serves every client. */
    workers: Type.Object(
      {
        /** 0: one per CPU core. */
        threads: Type.Integer({ minimum: 0, default: 0 }),
        /** Tasks waiting for a thread; past it the MX defers the message (451). */
        maxQueue: Type.Integer({ minimum: 1, default: 1000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    smtp: Type.Object(
      {
        mx: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            port: port(2525),
            maxConnections: Type.Integer({ minimum: 1, default: 500 }),
            /** Postfix's anvil allows 50 at once; a big provider sends over a handful. */
            perClient: perClient(20, 60),
            /** Idle time before a silent peer is dropped (RFC 5321 suggests minutes; we are
             * stricter because every open connection costs memory). */
            socketTimeoutMs: Type.Integer({ minimum: 1000, default: 120_000 }),
            /** Longest command line accepted (RFC 5321: 512 octets; extensions add more). */
            maxCommandLength: Type.Integer({ minimum: 512, default: 4096 }),
            /** Bytes of arriving messages held in memory at once while the checks (filter.*)
             * run; past it the MX answers 452 4.3.1 and the sender retries later. Without it
             * maxConnections × messageMaxBytes (10 GB) could be held. 128 MiB holds six
             * messages of the largest size, or thousands of typical ones; with the copies the
             * checks make, the process peaks near three times the budget (measured with 10 MB
             * messages). At least limits.messageMaxBytes (checked at load). */
            maxBufferedBytes: Type.Integer({ minimum: 1024, default: 128 * MiB }),
            /** A message whose header section is longer, or has more fields, is refused with
             * 552 5.3.4 before anything parses it: parsers and the sender checks build objects
             * per field, so a million one-line fields would cost gigabytes and seconds. */
            maxHeaderBytes: Type.Integer({ minimum: 16 * 1024, default: DEFAULT_HEADER_LIMITS.maxBytes }),
            maxHeaderFields: Type.Integer({ minimum: 100, default: DEFAULT_HEADER_LIMITS.maxFields }),
            /** The MTA-STS policy the web listener serves for every domain: "testing" until the
             * mail host has a certificate from a public CA, since under "enforce" senders
             * refuse a self-signed one (RFC 8461 section 5). */
            mtaStsMode: Type.Union([Type.Literal('testing'), Type.Literal('enforce')], { default: 'testing' }),
          },
          { default: {}, additionalProperties: false },
        ),
        /** Message submission (RFC 6409) with STARTTLS; AUTH with app passwords only after TLS. */
        submission: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            port: port(2587),
            maxConnections: Type.Integer({ minimum: 1, default: 200 }),
            /** Both submission ports together. */
            perClient: perClient(10, 30),
            /** RFC 5321 section 4.5.3.2.7: a server waits at least 5 minutes for the next command. */
            socketTimeoutMs: Type.Integer({ minimum: 1000, default: 300_000 }),
            /** Every failed AUTH is answered only after this long, whatever the reason, so that
             * neither timing nor speed of guessing tells anything (Postfix sleeps 1 s too). */
            authFailureDelayMs: Type.Integer({ minimum: 0, default: 1000 }),
            /** Failed AUTHs from one client address (counted in memory only) before further
             * attempts are refused for authFailureWindowMs. None are counted per account:
             * app passwords cannot be guessed, and such a count would let anyone lock a user out. */
            authMaxFailures: Type.Integer({ minimum: 1, default: 10 }),
            authFailureWindowMs: Type.Integer({ minimum: 1000, default: 900_000 }),
          },
          { default: {}, additionalProperties: false },
        ),
        /** Message submission over implicit TLS (RFC 8314); shares the settings above. */
        submissions: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            port: port(2465),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    /** What the one sending path (submission and the webmail) does to a message's header. */
    sending: Type.Object(
      {
        /** Fields removed from every sent message (comma-separated): they name the sender's
         * machine, its address or its software. */
        stripHeaders: Type.String({ default: 'X-Originating-IP, X-Forwarded-For, User-Agent, X-Mailer' }),
        /** Replace a Message-ID whose domain is not one of ours (a client's host name). */
        rewriteForeignMessageId: Type.Boolean({ default: true }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Delivery of submitted mail to other servers (the outbound queue). */
    outbound: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Fixed next hops instead of MX lookup: `domain=host:port` pairs separated by commas;
         * `*` matches every domain (a smarthost). Empty: DNS decides. */
        staticRoutes: Type.String({ default: '' }),
        /** Port of remote MX hosts: 25 on the internet; a lab or a test points it elsewhere. */
        mxPort: port(25),
        /** DNS servers to ask (comma-separated addresses); empty: the system's resolvers. */
        dnsServers: Type.String({ default: '' }),
        /** RFC 5321 section 4.5.3.2 timeouts, shortened where a dead peer would only hold a slot. */
        connectTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
        /** Section 4.5.3.2.1: 5 minutes for the greeting. */
        greetingTimeoutMs: Type.Integer({ minimum: 100, default: 300_000 }),
        /** Section 4.5.3.2.6: up to 10 minutes for the reply to the final dot. */
        socketTimeoutMs: Type.Integer({ minimum: 100, default: 600_000 }),
        /** Retry backoff doubles from the minimum to the maximum (Postfix's defaults). */
        retryMinSeconds: Type.Integer({ minimum: 1, default: 300 }),
        retryMaxSeconds: Type.Integer({ minimum: 1, default: 4000 }),
        /** A sender learns that a message is late after this long (RFC 3464 "delayed"). */
        delayNoticeHours: Type.Integer({ minimum: 1, default: 4 }),
        /** Connections open at once, in all and to one destination domain: big providers
         * throttle a sending address that opens more than a handful in parallel. */
        maxConnections: Type.Integer({ minimum: 1, default: 50 }),
        connectionsPerDomain: Type.Integer({ minimum: 1, default: 5 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Checks of mail arriving at the MX before it is encrypted (server/filter/): SPF, DKIM
     * and DMARC by mailauth, recorded in an Authentication-Results header, and rspamd's verdict. */
    filter: Type.Object(
      {
        authentication: Type.Boolean({ default: true }),
        /** DNS servers for those lookups (comma-separated addresses); empty: the system's. */
        dnsServers: Type.String({ default: '' }),
        /** Past this the message is stored with temperror results: the sender is waiting for
         * the reply to its final dot, and a dead DNS server must not hold every delivery. */
        authenticationTimeoutMs: Type.Integer({ minimum: 100, default: 20_000 }),
        /** Follow the From domain's published DMARC policy when its checks fail: quarantine
         * files the message in Junk, reject refuses it (550 5.7.1). Off: only recorded. */
        enforceDmarc: Type.Boolean({ default: true }),
        rspamd: Type.Object(
          {
            /** rspamd's normal worker, e.g. http://127.0.0.1:11333; empty: no spam check. */
            url: Type.String({ default: '', pattern: '^(http://[^/\\s]+/?)?$' }),
            timeoutMs: Type.Integer({ minimum: 100, default: 15_000 }),
            /** When rspamd does not answer: accept the message unchecked, or answer 451 so
             * that the sender retries later. */
            whenUnavailable: Type.Union([Type.Literal('accept'), Type.Literal('tempfail')], { default: 'accept' }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    /** POP3 (RFC 1939) on the Inbox: `port` with STLS, `tlsPort` with implicit TLS (RFC 8314). */
    pop3: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        port: port(2110),
        tlsPort: port(2995),
        /** Open connections of both ports together, TLS handshakes included. */
        maxConnections: Type.Integer({ minimum: 1, default: 1000 }),
        perClient: perClient(10, 30),
        /** RFC 1939 section 3: the autologout timer is at least 10 minutes. */
        idleTimeoutMs: Type.Integer({ minimum: 1000, default: 600_000 }),
        /** Longest input line, CRLF included. RFC 2449 allows commands of 255 octets; an
         * AUTH PLAIN response carries two addresses and an app password in base64. */
        maxLineLength: Type.Integer({ minimum: 256, default: 2048 }),
        /** Lines a client may send before it is logged in (CAPA, STLS, USER, PASS, retries). */
        maxCommandsBeforeAuth: Type.Integer({ minimum: 5, default: 30 }),
        /** Every failed login is answered only after this long, whatever the reason, so that
         * neither timing nor speed of guessing tells anything (Dovecot waits 2 s). */
        authFailureDelayMs: Type.Integer({ minimum: 0, default: 2000 }),
        /** Failed logins from one client address (an IPv6 /64), counted in memory only,
         * before further attempts are refused until authFailureWindowMs has passed. */
        authMaxFailuresPerSource: Type.Integer({ minimum: 1, default: 20 }),
        authFailureWindowMs: Type.Integer({ minimum: 1000, default: 900_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    imap: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Plain port with STARTTLS (143 in production); no login before TLS. */
        port: port(2143),
        /** Implicit TLS (993 in production). */
        tlsPort: port(2993),
        limits: Type.Object(
          {
            /** One command line; Dovecot's imap_max_line_length default. */
            maxLineLength: Type.Integer({ minimum: 1024, default: 64 * 1024 }),
            /** A literal in any command but APPEND (whose limit is limits.messageMaxBytes). */
            maxLiteralSize: Type.Integer({ minimum: 1024, default: 64 * 1024 }),
            /** Sessions one account may hold at once (Dovecot's mail_max_userip_connections
             * is 10 per address; clients open several for folders and IDLE). */
            maxConnectionsPerAccount: Type.Integer({ minimum: 1, default: 20 }),
            /** All IMAP connections of the server (both ports, TLS handshakes included). */
            maxConnections: Type.Integer({ minimum: 1, default: 10_000 }),
            /** A household behind one address runs a few clients with several connections each. */
            perClient: perClient(50, 120),
            /** Autologout of a silent authenticated session (RFC 9051 5.4: at least 30 minutes). */
            idleTimeoutMs: Type.Integer({ minimum: 1000, default: 30 * 60_000 }),
            /** Failed logins from one client address in 15 minutes before it must wait;
             * counted in memory only. */
            loginFailuresPerClient: Type.Integer({ minimum: 1, default: 20 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    web: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        port: port(8443),
        /** Open HTTPS connections; past it new ones are closed at once. Each costs a file
         * handle, and without a cap idle sockets used every handle the process had. */
        maxConnections: Type.Integer({ minimum: 1, default: 2000 }),
        /** A browser opens up to six connections per host name; a household shares an address. */
        perClient: perClient(100, 300),
        /** A connection must complete its TLS handshake, and then send a request's headers,
         * within this long, or it is closed. */
        firstRequestTimeoutMs: Type.Integer({ minimum: 1000, default: 10_000 }),
        /** A web session unused this long is revoked; the client locks itself earlier
         * (its own idle setting), this bounds a session whose tab was simply closed. */
        sessionIdleMinutes: Type.Integer({ minimum: 1, default: 30 }),
        /** Hard limit on a session's life, used or not: a stolen cookie expires. */
        sessionMaxHours: Type.Integer({ minimum: 1, default: 12 }),
        /** Failed logins for one address, from anyone, space further attempts out instead of
         * refusing them: past freeFailures in windowMs, one at a time, baseDelayMs apart,
         * doubling up to maxDelayMs. A browser that logged in to the address before (its
         * device cookie) is never slowed, so others' guesses cannot keep the owner out. */
        loginSlowdown: Type.Object(
          {
            freeFailures: Type.Integer({ minimum: 1, default: 5 }),
            baseDelayMs: Type.Integer({ minimum: 1, default: 1000 }),
            maxDelayMs: Type.Integer({ minimum: 1, default: 30_000 }),
            windowMs: Type.Integer({ minimum: 1000, default: 900_000 }),
            /** An attempt that would wait longer in the queue is refused (429, Retry-After). */
            maxWaitMs: Type.Integer({ minimum: 1, default: 60_000 }),
          },
          { default: {}, additionalProperties: false },
        ),
        signupEnabled: Type.Boolean({ default: true }),
        /** Leading zero bits of SHA-256 a signup must find in a quiet hour: 2^20 hashes, about
         * 4 s in a desktop browser and 10 s on a phone (docs/benchmarks.md), make mass
         * signups cost real CPU, with no captcha and no IP. */
        signupProofOfWorkBits: Type.Integer({ minimum: 0, maximum: 26, default: 20 }),
        /** Solved signups in an hour past which each doubling of the rate adds a bit. */
        signupsPerHourBeforeHarderWork: Type.Integer({ minimum: 1, default: 30 }),
        /** Reverse proxies in front of the web listener (comma-separated addresses or CIDR
         * ranges): their X-Forwarded-For names the client for the in-memory rate limits.
         * Empty: the connecting address is the client, and a proxy's clients share it. */
        trustedProxies: Type.String({ default: '' }),
      },
      { default: {}, additionalProperties: false },
    ),
    backup: Type.Object(
      {
        /** Whether the service takes a backup itself, every day at `runAt`. */
        daily: Type.Boolean({ default: true }),
        /** UTC time of day ("HH:MM"), after the retention job's default time. */
        runAt: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '04:00' }),
        /** Relative to the data directory unless absolute; best on another disk. */
        directory: Type.String({ minLength: 1, default: 'backups' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Prometheus metrics: totals only, no per-user or per-address label. Off by default;
     * on a separate port, bound to the loopback interface unless told otherwise. */
    metrics: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        listenAddress: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: port(9465),
      },
      { default: {}, additionalProperties: false },
    ),
    tls: Type.Object(
      {
        /** Paths relative to the data directory unless absolute. */
        certFile: Type.String({ default: 'tls/cert.pem' }),
        keyFile: Type.String({ default: 'tls/key.pem' }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
          { default: 'info' },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
