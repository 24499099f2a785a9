// Reads a secret for the CLI: from the terminal without echo, or as the first line of
// standard input when it is not a terminal (scripts, tests: `printf 'pw\n' | sealpost …`).
import { createInterface } from 'node:readline';

let stdinLines: string[] | null = null;

async function readStdinLines(): Promise<string[]> {
  if (stdinLines) return stdinLines;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  stdinLines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  return stdinLines;
}

export async function readSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = await readStdinLines();
    const line = lines.shift();
    if (line === undefined || line === '') throw new Error(`${question.replace(/:\s*$/, '')}: nothing on standard input`);
    return line;
  }
  const output = process.stderr;
  const reader = createInterface({ input: process.stdin, output, terminal: true });
  const writeOriginal = (output.write as (chunk: string) => boolean).bind(output);
  let muted = false;
  (reader as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
    if (!muted) writeOriginal(text);
  };
  try {
    return await new Promise<string>((resolve) => {
      reader.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    reader.close();
    writeOriginal('\n');
  }
}
