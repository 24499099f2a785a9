// Keyboard shortcuts of the mail screen (Gmail-style letters, shown by "?"). Keys typed into
// a form field are the field's, except Escape.
import type { MessageKey } from './i18n.svelte.ts';

export type ShortcutAction =
  | 'next'
  | 'previous'
  | 'extendNext'
  | 'extendPrevious'
  | 'open'
  | 'toggleSelect'
  | 'selectAll'
  | 'escape'
  | 'archive'
  | 'delete'
  | 'flag'
  | 'markUnread'
  | 'markRead'
  | 'reply'
  | 'replyAll'
  | 'forward'
  | 'compose'
  | 'search'
  | 'threads'
  | 'help';

export const SHORTCUTS: { keys: string[]; action: ShortcutAction; label: MessageKey }[] = [
  { keys: ['j', 'ArrowDown'], action: 'next', label: 'shortcuts.next' },
  { keys: ['k', 'ArrowUp'], action: 'previous', label: 'shortcuts.previous' },
  { keys: ['J', 'Shift+ArrowDown'], action: 'extendNext', label: 'shortcuts.extendNext' },
  { keys: ['K', 'Shift+ArrowUp'], action: 'extendPrevious', label: 'shortcuts.extendPrevious' },
  { keys: ['Enter', 'o'], action: 'open', label: 'shortcuts.open' },
  { keys: ['x'], action: 'toggleSelect', label: 'shortcuts.toggleSelect' },
  { keys: ['Ctrl+a', 'Meta+a'], action: 'selectAll', label: 'shortcuts.selectAll' },
  { keys: ['Escape'], action: 'escape', label: 'shortcuts.escape' },
  { keys: ['e'], action: 'archive', label: 'shortcuts.archive' },
  { keys: ['#', 'Delete'], action: 'delete', label: 'shortcuts.delete' },
  { keys: ['s'], action: 'flag', label: 'shortcuts.flag' },
  { keys: ['U'], action: 'markUnread', label: 'shortcuts.markUnread' },
  { keys: ['I'], action: 'markRead', label: 'shortcuts.markRead' },
  { keys: ['r'], action: 'reply', label: 'shortcuts.reply' },
  { keys: ['a'], action: 'replyAll', label: 'shortcuts.replyAll' },
  { keys: ['f'], action: 'forward', label: 'shortcuts.forward' },
  { keys: ['c'], action: 'compose', label: 'shortcuts.compose' },
  { keys: ['/'], action: 'search', label: 'shortcuts.search' },
  { keys: ['t'], action: 'threads', label: 'shortcuts.threads' },
  { keys: ['?'], action: 'help', label: 'shortcuts.help' },
];

function keyName(event: KeyboardEvent): string {
  const printable = event.key.length === 1;
  const modifiers = [event.ctrlKey && 'Ctrl', event.metaKey && 'Meta', event.altKey && 'Alt', !printable && event.shiftKey && 'Shift'].filter(Boolean);
  return [...modifiers, event.key].join('+');
}

function typingIn(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  return element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName);
}

export function actionFor(event: KeyboardEvent): ShortcutAction | null {
  const name = keyName(event);
  if (typingIn(event.target) && name !== 'Escape') return null;
  return SHORTCUTS.find((shortcut) => shortcut.keys.includes(name))?.action ?? null;
}
