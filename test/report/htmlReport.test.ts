import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { htmlReport } from '../../src/report/htmlReport.js';
import { loadReport, type ReportData } from '../../src/report/reportData.js';
import { stormCampaign } from './campaignFixture.js';

let data: ReportData;
beforeAll(async () => {
  data = loadReport(join(await stormCampaign(), 'results.json'));
});

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0,
);
if (chromium === undefined)
  console.log('htmlReport: no chromium on this machine; the screenshot test is skipped');

/** Width, height and byte size of a PNG screenshot Chromium takes of `html`. */
function screenshot(html: string): { width: number; height: number; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'seoib-shot-'));
  writeFileSync(join(dir, 'page.html'), html);
  const png = join(dir, 'page.png');
  execFileSync(
    chromium as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--window-size=1200,1600',
      `--screenshot=${png}`,
      `file://${join(dir, 'page.html')}`,
    ],
    { stdio: 'ignore', timeout: 60_000 },
  );
  const image = readFileSync(png);
  expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: image.readUInt32BE(16), height: image.readUInt32BE(20), bytes: image.length };
}

describe('htmlReport (campaign seed 13)', () => {
  it('is one self-contained page: no script, no external resource', () => {
    const html = htmlReport(data);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(http/i);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('<h1>seoib fuzz campaign, seed 13</h1>');
    expect(html.match(/<figure><svg /g)).toHaveLength(data.counterexamples.length + 1);
    expect(html).toContain('<td class="expected">q</td>');
  });

  it.skipIf(chromium === undefined)(
    'renders in headless Chromium: the screenshot holds far more than a blank page',
    () => {
      const page = screenshot(htmlReport(data));
      const blank = screenshot('<!doctype html><html><body></body></html>');
      expect(page).toMatchObject({ width: 1200, height: 1600 });
      expect(page.bytes).toBeGreaterThan(blank.bytes * 10);
    },
  );
});
