// Realistic messages for benchmarks: people's names, threads with References, plain text,
// multipart/alternative with HTML, some with a base64 attachment; 2 KB to about 80 KB,
// deterministic for a given seed so that every server gets the same mailbox.

const FIRST = ['Anna', 'Jonas', 'Leonie', 'Paul', 'Marie', 'Lukas', 'Sofia', 'Elias', 'Emma', 'Noah', 'Mia', 'Ben', 'Zoë', 'Jürgen'];
const LAST = ['Müller', 'Schmidt', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann'];
const TOPICS = [
  'budget review',
  'meeting notes',
  'holiday plans',
  'invoice 2025-03',
  'project kickoff',
  'server migration',
  'quarterly report',
  'team lunch',
  'contract draft',
  'travel booking',
];
const WORDS =
  'the a of to and in that is for it with as was on be at by this had not are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );

export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

function paragraph(random: () => number, words: number): string {
  const out: string[] = [];
  let line = '';
  for (let i = 0; i < words; i++) {
    const word = pick(random, WORDS);
    if (line.length + word.length > 72) {
      out.push(line);
      line = '';
    }
    line += (line ? ' ' : '') + word;
  }
  out.push(line);
  return out.join('\r\n');
}

function encodedHeader(text: string): string {
  // RFC 2047 B encoding for non-ASCII names and subjects.
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

export interface SampleMessage {
  subject: string;
  bytes: Buffer;
}

/** The index-th message of a mailbox (same seed and index, same bytes). */
export function sampleMessage(seed: number, index: number, to: string): SampleMessage {
  const random = prng(seed * 1_000_003 + index + 1);
  const name = `${pick(random, FIRST)} ${pick(random, LAST)}`;
  const from = `${encodedHeader(name)} <${name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z ]/g, '')
    .replace(' ', '.')}@example.com>`;
  const topic = pick(random, TOPICS);
  const reply = index > 0 && random() < 0.4;
  const subject = `${reply ? 'Re: ' : ''}${topic} ${Math.floor(random() * 50)}`;
  const date = new Date(Date.UTC(2025, 0, 1) + index * 3_600_000 + Math.floor(random() * 3_600_000)).toUTCString().replace('GMT', '+0000');
  const id = `<${seed}.${index}@example.com>`;
  const headers = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${encodedHeader(subject)}`,
    `Date: ${date}`,
    `Message-ID: ${id}`,
    ...(reply ? [`In-Reply-To: <${seed}.${index - 1}@example.com>`, `References: <${seed}.${index - 1}@example.com>`] : []),
    'MIME-Version: 1.0',
  ];
  const text = paragraph(random, 80 + Math.floor(random() * 600));
  const kind = random();
  let body: string;
  if (kind < 0.4) {
    headers.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    body = text;
  } else {
    const boundary = `b${seed}x${index}`;
    const html = `<html><body><p>${text.replace(/\r\n/g, ' ')}</p></body></html>`;
    const alternative = [
      `--${boundary}a`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      `--${boundary}a`,
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      `--${boundary}a--`,
      '',
    ].join('\r\n');
    if (kind < 0.8) {
      headers.push(`Content-Type: multipart/alternative; boundary="${boundary}a"`);
      body = alternative;
    } else {
      const attachment = Buffer.alloc(8_000 + Math.floor(random() * 50_000));
      for (let i = 0; i < attachment.length; i++) attachment[i] = Math.floor(random() * 256);
      headers.push(`Content-Type: multipart/mixed; boundary="${boundary}m"`);
      body = [
        `--${boundary}m`,
        `Content-Type: multipart/alternative; boundary="${boundary}a"`,
        '',
        alternative,
        `--${boundary}m`,
        'Content-Type: application/pdf; name="report.pdf"',
        'Content-Disposition: attachment; filename="report.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
        `--${boundary}m--`,
        '',
      ].join('\r\n');
    }
  }
  return { subject, bytes: Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}\r\n`) };
}
