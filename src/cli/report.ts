import { writeFileAtomic } from '../io/atomicWrite.js';
import { htmlReport } from '../report/htmlReport.js';
import { markdownReport } from '../report/markdownReport.js';
import { loadReport } from '../report/reportData.js';
import { type CliIo, EXIT, UsageError } from './io.js';

/** Where `seoib report` writes. */
export interface ReportOptions {
  /** HTML file. */
  html?: string;
  /** Markdown file. */
  markdown?: string;
}

/** `seoib report`: a campaign's results.json as a self-contained HTML page and/or Markdown. */
export function report(io: CliIo, resultsFile: string, options: ReportOptions): number {
  if (options.html === undefined && options.markdown === undefined) {
    throw new UsageError('report: give --html <file>, --markdown <file> or both');
  }
  const data = loadReport(resultsFile);
  if (options.html !== undefined) {
    writeFileAtomic(options.html, htmlReport(data));
    io.out(`wrote ${options.html}\n`);
  }
  if (options.markdown !== undefined) {
    writeFileAtomic(options.markdown, markdownReport(data));
    io.out(`wrote ${options.markdown}\n`);
  }
  return EXIT.ok;
}
