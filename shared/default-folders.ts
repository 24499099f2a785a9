// The IMAP names of the folders every mailbox starts with (RFC 6154 special uses). Their
// names are not user content, so they are stored in clear as the special use alone; the
// server shows them to IMAP clients and the webmail's export names its files after them.
export const DEFAULT_FOLDER_NAMES = {
  '\\Inbox': 'INBOX',
  '\\Drafts': 'Drafts',
  '\\Sent': 'Sent',
  '\\Junk': 'Junk',
  '\\Trash': 'Trash',
  '\\Archive': 'Archive',
} as const;

export type DefaultFolderUse = keyof typeof DEFAULT_FOLDER_NAMES;
