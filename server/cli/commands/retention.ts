// `sealpost retention run [--dry-run]`: what the daily scheduler runs, on demand, with
// progress on a terminal and a summary at the end.
import { loadNodeCrypto } from '../../../crypto/node.ts';
import type { RetentionProgress, RetentionReport } from '../../jobs/retention.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const retentionRunCommand: Command = {
  path: ['retention', 'run'],
  usage: 'retention run [--dry-run]',
  summary: 'Run the retention job now: lifecycle, delivery log, Junk and Trash, payment codes, address holds, backups.',
  details:
    'The service runs it daily by itself (retention.runAt). It is safe to interrupt and to repeat: a rerun\n' +
    'finishes what an interrupted run left, and a run with nothing to do changes nothing.\n' +
    'With --dry-run it lists what it would do and changes nothing.',
  options: { 'dry-run': { type: 'boolean' } },
  optionHelp: ['--dry-run        list what would be done, change nothing'],
  async run({ dataDir, config, values, print }) {
    const dryRun = values['dry-run'] === true;
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    const terminal = process.stdout.isTTY === true;
    let itemLine = false;
    const endItemLine = () => {
      if (itemLine) process.stdout.write('\n');
      itemLine = false;
    };
    try {
      print(dryRun ? 'retention run (dry run: nothing is changed)' : 'retention run');
      const report = await admin.call(
        'retention.run',
        { dryRun },
        {
          onProgress: (update) => {
            const progress = update as RetentionProgress;
            if (progress.type === 'item') {
              if (!terminal) return;
              process.stdout.write(`\r  ${progress.done}/${progress.total} accounts`);
              itemLine = true;
              return;
            }
            endItemLine();
            if (progress.type === 'step') print(`[${progress.index}/${progress.of}] ${progress.title}`);
            else print(`  ${dryRun ? 'would: ' : ''}${progress.text}`);
          },
        },
      );
      endItemLine();
      printSummary(report, print);
    } finally {
      await admin.close();
    }
  },
};

function printSummary(report: RetentionReport, print: (line?: string) => void): void {
  print('');
  print(report.dryRun ? 'summary (dry run, nothing changed):' : 'summary:');
  for (const step of report.steps) print(`  ${step.title}: ${step.count}`);
  const total = report.steps.reduce((sum, step) => sum + step.count, 0);
  print(total === 0 ? 'nothing to do' : report.dryRun ? `${total} things would be done` : `done: ${total} things`);
}
