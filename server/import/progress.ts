import cliProgress from 'cli-progress';
import type { ImportProgress } from './importer.js';

/** The progress line: files, resources, resources/s and ETA (by bytes), on stderr when it is a terminal. */
export class ImportProgressBar {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: '{bar} {percentage}% | files {files}/{filesTotal} | {resources} resources | {rate} resources/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  private readonly started = Date.now();

  start(bytesTotal: number, filesTotal: number): void {
    this.bar.start(Math.max(1, bytesTotal), 0, { files: 0, filesTotal, resources: 0, rate: 0 });
  }

  update(p: ImportProgress): void {
    const seconds = (Date.now() - this.started) / 1000;
    this.bar.update(p.bytesDone, {
      files: p.filesDone,
      filesTotal: p.filesTotal,
      resources: p.resources.toLocaleString('en-US'),
      rate: seconds > 0 ? Math.round(p.resources / seconds).toLocaleString('en-US') : 0,
    });
  }

  stop(): void {
    this.bar.stop();
  }
}
