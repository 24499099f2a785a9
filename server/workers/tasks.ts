// What the worker threads run: the CPU-heavy steps of receiving a message that look at all of
// it at once, so that no one message can hold the event loop that serves IMAP, POP3, SMTP
// and the web. Each export is a task pool.ts runs by name.
export { authenticateSender } from '../filter/authentication-task.ts';
