// Dovecot from Debian (`apt-get install -y dovecot-imapd`) in a temporary directory, for
// side-by-side benchmarks: implicit TLS on a loopback port, passwd-file users with salted
// SHA-256 passwords (a fast hash, as Sealpost's app passwords use a fast KDF), Maildir, the
// high-performance login mode (service_count = 0). With `crypt`, the mail_crypt plugin
// encrypts every message under per-user keys whose private key is unlocked by the login
// password (Dovecot's documented "user key encrypted with password" setup). Runs as root;
// mail is owned by nobody.
import { createHash, randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** nobody/nogroup: mail processes must not run as root, and need no other rights. */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

export interface DovecotUser {
  address: string;
  password: string;
}

export interface RunningDovecot {
  /** The master process; its tree is the whole server. */
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Why Dovecot cannot run here, or undefined when it can. */
export async function dovecotUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the benchmark must run as root to start Dovecot (it switches users)';
  try {
    await run('dovecot', ['--version']);
    return undefined;
  } catch {
    return 'dovecot is not installed: apt-get install -y dovecot-imapd';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** {SSHA256}: base64(SHA-256(password ‖ salt) ‖ salt). */
function ssha256(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha256').update(password).update(salt).digest();
  return `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`;
}

export async function startDovecot(options: { users: DovecotUser[]; crypt: boolean; cert: string; key: string }): Promise<RunningDovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'dovecot-bench-'));
  await chmod(dir, 0o755);
  const mail = join(dir, 'mail');
  await mkdir(mail);
  await chown(mail, MAIL_UID, MAIL_GID);
  const port = await freePort();
  await writeFile(
    join(dir, 'users'),
    options.users.map((user) => `${user.address}:${ssha256(user.password)}:${MAIL_UID}:${MAIL_GID}::${join(mail, user.address)}::\n`).join(''),
  );
  const config = join(dir, 'dovecot.conf');
  await writeFile(
    config,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <${options.cert}
ssl_key = <${options.key}
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=SSHA256 username_format=%u ${dir}/users
${options.crypt ? '  override_fields = userdb_mail_crypt_private_password=%{password}\n' : ''}}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
mail_location = maildir:~/Maildir
mail_attribute_dict = file:%h/dovecot-attributes
${
  options.crypt
    ? `mail_plugins = $mail_plugins mail_crypt
plugin {
  mail_crypt_curve = secp521r1
  mail_crypt_save_version = 2
  mail_crypt_require_encrypted_user_key = yes
}
`
    : ''
}default_client_limit = 5000
default_process_limit = 100
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = ${port}
    ssl = yes
  }
  service_count = 0
  process_min_avail = 2
  process_limit = 4
  vsz_limit = 1G
}
service imap {
  process_limit = 2100
}
service imap-urlauth-login {
  process_limit = 1
}
service auth {
  client_limit = 5000
}
service anvil {
  client_limit = 5000
}
protocol imap {
  mail_max_userip_connections = 5000
}
`,
  );
  const master = spawn('dovecot', ['-F', '-c', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => master.on('exit', () => resolve()));
  await waitForPort(port);
  if (options.crypt) {
    for (const user of options.users) {
      await run('doveadm', [
        '-c',
        config,
        '-o',
        `plugin/mail_crypt_private_password=${user.password}`,
        'mailbox',
        'cryptokey',
        'generate',
        '-u',
        user.address,
        '-U',
      ]);
    }
  }
  return {
    pid: master.pid!,
    port,
    async stop() {
      master.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Dovecot did not listen on port ${port}`);
}
