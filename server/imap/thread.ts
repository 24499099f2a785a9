// THREAD algorithms of RFC 5256: ORDEREDSUBJECT (section 3) and REFERENCES (section 4,
// after Jamie Zawinski's algorithm). Pure functions over what the encrypted metadata record
// holds (message ids, references, base subject, sent date). Walks are iterative, so a
// 10,000-message reply chain cannot exhaust the stack.
import type { ThreadNode } from './proto/index.ts';

export interface ThreadInput {
  /** What the response names: a sequence number or a UID. */
  id: number;
  /** Tie-breaker (RFC 5256: sequence order). */
  seq: number;
  messageId: string | null;
  references: readonly string[];
  inReplyTo: readonly string[];
  baseSubject: string;
  isReply: boolean;
  /** Sent date (Date header, else INTERNALDATE), epoch ms. */
  date: number;
}

/** A parent is looked for among this many of the last references at most: real threads are
 * far shallower, and it bounds the loop checks. */
const MAX_REFERENCES = 100;

interface Container {
  message: ThreadInput | null;
  parent: Container | null;
  children: Container[];
}

const byDate = (a: ThreadInput, b: ThreadInput) => a.date - b.date || a.seq - b.seq;

export function threadByOrderedSubject(messages: readonly ThreadInput[]): ThreadNode[] {
  const sorted = [...messages].sort((a, b) => (a.baseSubject < b.baseSubject ? -1 : a.baseSubject > b.baseSubject ? 1 : byDate(a, b)));
  const threads: { root: ThreadInput; children: ThreadInput[] }[] = [];
  for (const message of sorted) {
    const last = threads[threads.length - 1];
    if (last && last.root.baseSubject === message.baseSubject) last.children.push(message);
    else threads.push({ root: message, children: [] });
  }
  threads.sort((a, b) => byDate(a.root, b.root));
  return threads.map(({ root, children }) => ({ id: root.id, children: children.map((child) => ({ id: child.id, children: [] })) }));
}

export function threadByReferences(messages: readonly ThreadInput[]): ThreadNode[] {
  const table = new Map<string, Container>();
  const containerFor = (id: string): Container => {
    let container = table.get(id);
    if (!container) {
      container = { message: null, parent: null, children: [] };
      table.set(id, container);
    }
    return container;
  };
  let unique = 0;
  for (const message of [...messages].sort(byDate)) {
    // (1A) a message's container; a duplicate message id gets a container of its own.
    let own = message.messageId ? containerFor(message.messageId) : null;
    if (!own || own.message) {
      own = { message: null, parent: null, children: [] };
      table.set(`\u0000${unique++}`, own);
    }
    own.message = message;
    // (1B) link the references in order, each the parent of the next.
    const references = (message.references.length > 0 ? message.references : message.inReplyTo.slice(0, 1)).slice(-MAX_REFERENCES);
    let previous: Container | null = null;
    for (const reference of references) {
      const container = containerFor(reference);
      if (previous && !container.parent && container !== previous && !isAncestor(container, previous)) link(previous, container);
      previous = container;
    }
    // (1C) the last reference is the message's parent.
    if (own.parent) unlink(own);
    if (previous && previous !== own && !isAncestor(own, previous)) link(previous, own);
  }
  // (2) the root set; (4) empty containers pruned.
  let roots = pruned(
    [...table.values()].filter((container) => !container.parent),
    true,
  );
  // (5) siblings by date, (6) roots grouped by base subject.
  sortTree(roots);
  roots = groupBySubject(roots);
  sortTree(roots);
  return roots.map(toNode);
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  const parent = child.parent!;
  parent.children = parent.children.filter((other) => other !== child);
  child.parent = null;
}

/** True when `candidate` is `node` or one of its ancestors. */
function isAncestor(candidate: Container, node: Container): boolean {
  for (let current: Container | null = node; current; current = current.parent) if (current === candidate) return true;
  return false;
}

/** Removes empty containers (section 4, step 4), iteratively, bottom-up. */
function pruned(level: Container[], atRoot: boolean): Container[] {
  const order: { container: Container; atRoot: boolean }[] = [];
  const stack = level.map((container) => ({ container, atRoot }));
  while (stack.length > 0) {
    const item = stack.pop()!;
    order.push(item);
    for (const child of item.container.children) stack.push({ container: child, atRoot: false });
  }
  // Children before parents: each container's list is final when its parent looks at it.
  for (let i = order.length - 1; i >= 0; i--) {
    const { container } = order[i]!;
    container.children = container.children.flatMap((child) => replacement(child, false));
    for (const child of container.children) child.parent = container;
  }
  return level.flatMap((container) => replacement(container, atRoot));
}

/** What a container becomes in its parent's list: itself, nothing, or its children. */
function replacement(container: Container, atRoot: boolean): Container[] {
  if (container.message) return [container];
  if (container.children.length === 0) return [];
  // A dummy at the root with several children stays: it groups a thread with a lost start.
  if (atRoot && container.children.length > 1) return [container];
  for (const child of container.children) child.parent = container.parent;
  return container.children;
}

function dateOf(container: Container): number {
  return container.message ? container.message.date : container.children[0] ? dateOf(container.children[0]) : 0;
}

function seqOf(container: Container): number {
  return container.message ? container.message.seq : container.children[0] ? seqOf(container.children[0]) : 0;
}

function sortTree(roots: Container[]): void {
  const stack = [roots];
  const lists: Container[][] = [];
  while (stack.length > 0) {
    const list = stack.pop()!;
    lists.push(list);
    for (const container of list) if (container.children.length > 0) stack.push(container.children);
  }
  // Deepest lists first, so that a dummy's date is that of its sorted first child.
  for (let i = lists.length - 1; i >= 0; i--) lists[i]!.sort((a, b) => dateOf(a) - dateOf(b) || seqOf(a) - seqOf(b));
}

function subjectOf(container: Container): ThreadInput | null {
  return container.message ?? container.children[0]?.message ?? null;
}

function groupBySubject(roots: Container[]): Container[] {
  const subjects = new Map<string, Container>();
  for (const root of roots) {
    const message = subjectOf(root);
    if (!message || message.baseSubject === '') continue;
    const existing = subjects.get(message.baseSubject);
    if (!existing || (!root.message && existing.message) || (existing.message?.isReply && root.message && !root.message.isReply)) {
      subjects.set(message.baseSubject, root);
    }
  }
  const result: Container[] = [];
  const replaced = new Map<Container, Container>();
  for (const root of roots) {
    const message = subjectOf(root);
    const chosen = message && message.baseSubject !== '' ? subjects.get(message.baseSubject) : undefined;
    if (!chosen || chosen === root) {
      result.push(replaced.get(root) ?? root);
      continue;
    }
    const target = replaced.get(chosen) ?? chosen;
    if (!target.message && !root.message) {
      for (const child of root.children) link(target, child);
    } else if (!target.message) {
      link(target, root);
    } else if (!root.message) {
      link(root, target);
      replaced.set(chosen, root);
      const at = result.indexOf(target);
      if (at >= 0) result[at] = root;
    } else if (root.message.isReply && !target.message.isReply) {
      link(target, root);
    } else {
      const dummy: Container = { message: null, parent: null, children: [] };
      link(dummy, target);
      link(dummy, root);
      replaced.set(chosen, dummy);
      const at = result.indexOf(target);
      if (at >= 0) result[at] = dummy;
    }
  }
  for (const root of result) root.parent = null;
  return result;
}

function toNode(root: Container): ThreadNode {
  const top: { id: number | null; children: ThreadNode[] } = { id: root.message?.id ?? null, children: [] };
  const stack = [{ container: root, node: top }];
  while (stack.length > 0) {
    const { container, node } = stack.pop()!;
    for (const child of container.children) {
      const childNode = { id: child.message?.id ?? null, children: [] };
      node.children.push(childNode);
      stack.push({ container: child, node: childNode });
    }
  }
  return top;
}
