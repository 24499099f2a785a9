// The command table: every command the wire layer understands, by name ("UID FETCH" for
// UID commands), and the union of their typed requests. The receiver looks commands up
// here; the session uses `states` and the sequence-number flags of the spec it is given.
import type { ParseContext } from '../args.ts';
import { ProtoError } from '../errors.ts';
import type { Arg } from '../tokenizer.ts';
import { appendCommand, type AppendRequest } from './append.ts';
import { authenticateCommand, type AuthenticateRequest } from './authenticate.ts';
import { capabilityCommand, type CapabilityRequest } from './capability.ts';
import { checkCommand, type CheckRequest } from './check.ts';
import { closeCommand, type CloseRequest } from './close.ts';
import { compressCommand, type CompressRequest } from './compress.ts';
import { copyCommand, uidCopyCommand, type CopyRequest } from './copy.ts';
import { createCommand, type CreateRequest } from './create.ts';
import { deleteCommand, type DeleteRequest } from './delete.ts';
import { enableCommand, type EnableRequest } from './enable.ts';
import { expungeCommand, uidExpungeCommand, type ExpungeRequest, type UidExpungeRequest } from './expunge.ts';
import { fetchCommand, uidFetchCommand, type FetchRequest } from './fetch.ts';
import { idCommand, type IdRequest } from './id.ts';
import { idleCommand, type IdleRequest } from './idle.ts';
import { listCommand, type ListRequest } from './list.ts';
import { loginCommand, type LoginRequest } from './login.ts';
import { logoutCommand, type LogoutRequest } from './logout.ts';
import { lsubCommand, type LsubRequest } from './lsub.ts';
import { moveCommand, uidMoveCommand, type MoveRequest } from './move.ts';
import { namespaceCommand, type NamespaceRequest } from './namespace.ts';
import { noopCommand, type NoopRequest } from './noop.ts';
import { getQuotaCommand, getQuotaRootCommand, setQuotaCommand, type GetQuotaRequest, type GetQuotaRootRequest, type SetQuotaRequest } from './quota.ts';
import { renameCommand, type RenameRequest } from './rename.ts';
import { searchCommand, uidSearchCommand, type SearchRequest } from './search.ts';
import { searchUsesSequenceNumbers } from './search-keys.ts';
import { examineCommand, selectCommand, type SelectRequest } from './select.ts';
import { sortCommand, uidSortCommand, type SortRequest } from './sort.ts';
import type { CommandSpec } from './spec.ts';
import { starttlsCommand, type StarttlsRequest } from './starttls.ts';
import { statusCommand, type StatusRequest } from './status.ts';
import { storeCommand, uidStoreCommand, type StoreRequest } from './store.ts';
import { subscribeCommand, unsubscribeCommand, type SubscribeRequest } from './subscribe.ts';
import { threadCommand, uidThreadCommand, type ThreadRequest } from './thread.ts';
import { unselectCommand, type UnselectRequest } from './unselect.ts';

export type Request =
  | AppendRequest
  | AuthenticateRequest
  | CapabilityRequest
  | CheckRequest
  | CloseRequest
  | CompressRequest
  | CopyRequest
  | CreateRequest
  | DeleteRequest
  | EnableRequest
  | ExpungeRequest
  | FetchRequest
  | GetQuotaRequest
  | GetQuotaRootRequest
  | IdRequest
  | IdleRequest
  | ListRequest
  | LoginRequest
  | LogoutRequest
  | LsubRequest
  | MoveRequest
  | NamespaceRequest
  | NoopRequest
  | RenameRequest
  | SearchRequest
  | SelectRequest
  | SetQuotaRequest
  | SortRequest
  | StarttlsRequest
  | StatusRequest
  | StoreRequest
  | SubscribeRequest
  | ThreadRequest
  | UidExpungeRequest
  | UnselectRequest;

export type CommandName = Request['name'];

// Each entry's parse returns its own request type; the table widens them to Request.
type AnySpec = CommandSpec<Request>;

const ALL_COMMANDS = [
  appendCommand,
  authenticateCommand,
  capabilityCommand,
  checkCommand,
  closeCommand,
  compressCommand,
  copyCommand,
  uidCopyCommand,
  createCommand,
  deleteCommand,
  enableCommand,
  expungeCommand,
  uidExpungeCommand,
  fetchCommand,
  uidFetchCommand,
  getQuotaCommand,
  getQuotaRootCommand,
  setQuotaCommand,
  idCommand,
  idleCommand,
  listCommand,
  loginCommand,
  logoutCommand,
  lsubCommand,
  moveCommand,
  uidMoveCommand,
  namespaceCommand,
  noopCommand,
  renameCommand,
  searchCommand,
  uidSearchCommand,
  selectCommand,
  examineCommand,
  sortCommand,
  uidSortCommand,
  starttlsCommand,
  statusCommand,
  storeCommand,
  uidStoreCommand,
  subscribeCommand,
  unsubscribeCommand,
  threadCommand,
  uidThreadCommand,
  unselectCommand,
] as unknown as readonly AnySpec[];

export const COMMANDS: ReadonlyMap<string, AnySpec> = new Map(ALL_COMMANDS.map((spec) => [spec.name, spec]));

/** Commands that take a second word after UID. */
const UID_COMMANDS = new Set(['FETCH', 'STORE', 'COPY', 'MOVE', 'SEARCH', 'EXPUNGE', 'SORT', 'THREAD']);

export interface ParsedCommand {
  readonly spec: AnySpec;
  readonly request: Request;
}

/**
 * Looks up and parses a command from its top-level arguments (tag first). The tag is
 * checked by the tokenizer; this reads the name ("UID" plus a second word) and the rest.
 */
export function parseCommand(args: readonly Arg[], ctx: ParseContext): ParsedCommand | ProtoError {
  const first = args[1];
  if (first === undefined) return new ProtoError('SYNTAX', 'Missing command');
  if (first.kind !== 'atom') return new ProtoError('UNKNOWN_COMMAND', 'Unknown command');
  let name = first.value.toUpperCase();
  let rest = 2;
  if (name === 'UID') {
    const second = args[2];
    const sub = second?.kind === 'atom' ? second.value.toUpperCase() : '';
    if (!UID_COMMANDS.has(sub)) return new ProtoError('UNKNOWN_COMMAND', 'Unknown UID command');
    name = `UID ${sub}`;
    rest = 3;
  }
  const spec = COMMANDS.get(name);
  if (spec === undefined) return new ProtoError('UNKNOWN_COMMAND', 'Unknown command');
  const request = spec.parse(rest === args.length ? [] : args.slice(rest), ctx);
  if (request instanceof ProtoError) return request;
  return { spec, request };
}

/** Exact answer to "does this request use message sequence numbers", search keys included. */
export function requestUsesSequenceNumbers(spec: AnySpec, request: Request): boolean {
  if (spec.usesSequenceNumbers) return true;
  if (request.name === 'UID SEARCH' || request.name === 'UID SORT' || request.name === 'UID THREAD') {
    return searchUsesSequenceNumbers(request.criteria);
  }
  return false;
}

export type { CommandSpec, SessionState } from './spec.ts';
