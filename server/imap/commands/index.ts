// The handler of every command the wire layer parses, by name. The wire layer's command
// table (proto/commands) says in which states each is valid and how it relates to
// sequence numbers; the connection checks both before and after calling the handler.
import type { CommandHandler } from '../command.ts';
import type { CommandName, Request } from '../proto/index.ts';
import { authenticate } from './authenticate.ts';
import { capability } from './capability.ts';
import { close } from './close.ts';
import { compress } from './compress.ts';
import { copy } from './copy.ts';
import { create } from './create.ts';
import { deleteMailbox } from './delete.ts';
import { enable } from './enable.ts';
import { expunge } from './expunge.ts';
import { fetch } from './fetch.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list } from './list.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { lsub } from './lsub.ts';
import { namespace } from './namespace.ts';
import { noop } from './noop.ts';
import { getQuota, getQuotaRoot, setQuota } from './quota.ts';
import { rename } from './rename.ts';
import { search } from './search.ts';
import { select } from './select.ts';
import { sort } from './sort.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { store } from './store.ts';
import { subscribe } from './subscribe.ts';
import { thread } from './thread.ts';
import { unselect } from './unselect.ts';

type HandlerTable = { readonly [N in Exclude<CommandName, 'APPEND'>]: CommandHandler<Extract<Request, { name: N }>> };

/** APPEND is not here: its message streams in before the command is complete (append.ts). */
export const HANDLERS: HandlerTable = {
  AUTHENTICATE: authenticate,
  CAPABILITY: capability,
  CHECK: noop,
  CLOSE: close,
  COMPRESS: compress,
  COPY: copy,
  'UID COPY': copy,
  CREATE: create,
  DELETE: deleteMailbox,
  ENABLE: enable,
  EXPUNGE: expunge,
  'UID EXPUNGE': expunge,
  EXAMINE: select,
  FETCH: fetch,
  'UID FETCH': fetch,
  GETQUOTA: getQuota,
  GETQUOTAROOT: getQuotaRoot,
  SETQUOTA: setQuota,
  ID: id,
  IDLE: idle,
  LIST: list,
  LOGIN: login,
  LOGOUT: logout,
  LSUB: lsub,
  MOVE: copy,
  'UID MOVE': copy,
  NAMESPACE: namespace,
  NOOP: noop,
  RENAME: rename,
  SEARCH: search,
  'UID SEARCH': search,
  SELECT: select,
  SORT: sort,
  'UID SORT': sort,
  STARTTLS: starttls,
  STATUS: status,
  STORE: store,
  'UID STORE': store,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: subscribe,
  THREAD: thread,
  'UID THREAD': thread,
  UNSELECT: unselect,
};

export function handlerFor(request: Exclude<Request, { name: 'APPEND' }>): CommandHandler<Request> {
  return HANDLERS[request.name] as CommandHandler<Request>;
}
