"""Python's imaplib against Sealpost's IMAP server: every command of the issue, on one port.

Usage: python3 imaplib-client.py MODE PORT ADDRESS APP_PASSWORD PREFIX
MODE is "starttls" (plain port, STARTTLS, LOGIN) or "implicit" (TLS port, AUTHENTICATE PLAIN).
Asserts as it goes; prints "ok" at the end. The server's certificate is self-signed, so the
client does not verify it (loopback test only).
"""
import imaplib
import re
import ssl
import sys
import time

mode, port, address, secret, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE


def ok(result, what):
    typ, data = result
    assert typ == 'OK', f'{what}: {typ} {data}'
    return data


def text(data):
    return b' '.join(item if isinstance(item, bytes) else b''.join(item) for item in data if item is not None).decode('utf-8', 'replace')


if mode == 'starttls':
    imap = imaplib.IMAP4('127.0.0.1', port)
    assert 'LOGINDISABLED' in imap.capabilities and 'STARTTLS' in imap.capabilities
    ok(imap.starttls(ssl_context=context), 'STARTTLS')
    assert 'AUTH=PLAIN' in imap.capabilities, imap.capabilities
    ok(imap.login(address, secret), 'LOGIN')
else:
    imap = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=context)
    ok(imap.authenticate('PLAIN', lambda _: f'\0{address}\0{secret}'.encode()), 'AUTHENTICATE PLAIN')

caps = text(ok(imap.capability(), 'CAPABILITY'))
for capability in ['IMAP4rev2', 'IDLE', 'MOVE', 'UIDPLUS', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'SORT', 'THREAD=REFERENCES', 'QUOTA', 'COMPRESS=DEFLATE']:
    assert capability in caps, capability
ok(imap.noop(), 'NOOP')
imaplib.Commands['ID'] = ('NONAUTH', 'AUTH', 'SELECTED')
typ, data = imap._simple_command('ID', '("name" "imaplib")')
assert typ == 'OK'
assert b'Sealpost' in imap.untagged_responses.pop('ID', [b''])[0]
ok(imap.enable('CONDSTORE'), 'ENABLE')
assert imap.untagged_responses.pop('ENABLED') == [b'CONDSTORE']
assert text(ok(imap.namespace(), 'NAMESPACE')) == '(("" "/")) NIL NIL'

folder = f'{prefix}-Büro'
encoded = f'"{prefix}-B&APw-ro"'
ok(imap.create(encoded), 'CREATE')
ok(imap.create(f'{prefix}-Tmp/Child'), 'CREATE with parent')
ok(imap.subscribe(encoded), 'SUBSCRIBE')
listing = text(ok(imap.list('""', '*'), 'LIST'))
assert f'"/" {encoded.strip(chr(34))}' in listing and '\\Sent) "/" Sent' in listing and f'(\\HasChildren) "/" {prefix}-Tmp' in listing, listing
assert encoded.strip('"') in text(ok(imap.lsub('""', f'{prefix}-*'), 'LSUB'))
ok(imap.rename(f'{prefix}-Tmp/Child', f'{prefix}-Tmp/Renamed'), 'RENAME')
ok(imap.unsubscribe(encoded), 'UNSUBSCRIBE')
assert encoded.strip('"') not in text(imap.lsub('""', f'{prefix}-*')[1])
ok(imap.delete(f'{prefix}-Tmp/Renamed'), 'DELETE')
assert imap.delete('INBOX')[0] == 'NO'

messages = [
    b'From: Ann <ann@example.com>\r\nTo: you@sealpost.test\r\nSubject: alpha report\r\nDate: Wed, 5 Feb 2025 10:00:00 +0000\r\nMessage-ID: <a@py>\r\n\r\nquarterly numbers\r\n',
    b'From: Ben <ben@example.com>\r\nSubject: Re: alpha report\r\nDate: Wed, 5 Feb 2025 11:00:00 +0000\r\nMessage-ID: <b@py>\r\nReferences: <a@py>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe, looks fine\r\n',
    b'From: Cid <cid@example.com>\r\nSubject: beta\r\nDate: Wed, 5 Feb 2025 09:00:00 +0000\r\nMessage-ID: <c@py>\r\n\r\nsomething else\r\n',
]
for index, raw in enumerate(messages):
    result = ok(imap.append(encoded, '(\\Seen)' if index == 2 else None, imaplib.Time2Internaldate(time.time()), raw), 'APPEND')
    assert re.search(rb'APPENDUID \d+ ' + str(index + 1).encode(), result[0]), result

status = text(ok(imap.status(encoded, '(MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ SIZE)'), 'STATUS'))
assert 'MESSAGES 3' in status and 'UNSEEN 2' in status and 'UIDNEXT 4' in status, status

ok(imap.select(encoded, readonly=True), 'EXAMINE')
assert imap.store('1', '+FLAGS', '\\Flagged')[0] == 'NO'
assert ok(imap.select(encoded), 'SELECT') == [b'3']

data = ok(imap.fetch('1:3', '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)'), 'FETCH')
joined = text(data)
assert 'alpha report' in joined and '"ann" "example.com"' in joined and 'BODYSTRUCTURE ("text" "plain"' in joined, joined
data = ok(imap.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<0.12> BINARY.PEEK[1] RFC822.HEADER)'), 'FETCH sections')
assert data[0][1] == b'Subject: Re: alpha report\r\n\r\n'
assert data[1][1] == b'Gr=C3=BC=C3='
assert data[2][1].decode('utf-8') == 'Grüße, looks fine\r\n'
assert data[3][1].startswith(b'From: Ben')
data = ok(imap.fetch('1', 'RFC822'), 'FETCH RFC822')
assert data[0][1] == messages[0] and b'\\Seen' in data[1], data

ok(imap.store('2', '+FLAGS', '(\\Flagged $Work)'), 'STORE')
assert ok(imap.store('2', '-FLAGS.SILENT', '(\\Seen)'), 'STORE silent') == [None]
ok(imap.uid('STORE', '3', '+FLAGS', '(\\Answered)'), 'UID STORE')
assert ok(imap.search(None, 'UNSEEN'), 'SEARCH') == [b'2']
assert ok(imap.search('UTF-8', 'BODY', '"grüße"'.encode()), 'SEARCH CHARSET') == [b'2']
assert ok(imap.uid('SEARCH', 'FROM', 'cid'), 'UID SEARCH') == [b'3']
assert ok(imap.search(None, 'OR', 'FLAGGED', 'ANSWERED'), 'SEARCH OR') == [b'2 3']
assert ok(imap.sort('(DATE)', 'UTF-8', 'ALL'), 'SORT') == [b'3 1 2']
assert ok(imap.uid('SORT', '(REVERSE SUBJECT)', 'UTF-8', 'ALL'), 'UID SORT') == [b'3 1 2']
assert ok(imap.thread('REFERENCES', 'UTF-8', 'ALL'), 'THREAD') == [b'(3)(1 2)']
assert ok(imap.uid('THREAD', 'ORDEREDSUBJECT', 'UTF-8', 'ALL'), 'UID THREAD') == [b'(3)(1 2)']

ok(imap.copy('1', 'Archive'), 'COPY')
assert re.fullmatch(rb'\d+ 1 \d+', imap.untagged_responses.pop('COPYUID')[0])
ok(imap.uid('COPY', '2', 'Archive'), 'UID COPY')
ok(imap.uid('MOVE', '3', 'Trash'), 'UID MOVE')
ok(imap.check(), 'CHECK')

# IDLE by hand: imaplib has no IDLE before Python 3.14.
tag = imap._new_tag()
imap.send(tag + b' IDLE\r\n')
assert imap.readline().startswith(b'+ idling')
imap.send(b'DONE\r\n')
assert imap.readline().startswith(tag + b' OK')

ok(imap.store('1', '+FLAGS', '\\Deleted'), 'STORE Deleted')
ok(imap.uid('EXPUNGE', '1'), 'UID EXPUNGE')
ok(imap.store('1', '+FLAGS', '\\Deleted'), 'STORE Deleted again')
ok(imap.expunge(), 'EXPUNGE')
assert ok(imap.search(None, 'ALL'), 'SEARCH after expunge') == [b'']
ok(imap.unselect(), 'UNSELECT')
ok(imap.select('Archive'), 'SELECT Archive')
ok(imap.close(), 'CLOSE')

quota = text(ok(imap.getquotaroot('INBOX'), 'GETQUOTAROOT'))
assert 'STORAGE' in quota, quota
assert 'STORAGE' in text(ok(imap.getquota('""'), 'GETQUOTA'))
assert imap.setquota('""', '(STORAGE 1)')[0] == 'NO'
ok(imap.delete(encoded), 'DELETE folder with messages')
imap.logout()
print('ok')
