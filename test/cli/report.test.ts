import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stormCampaign } from '../report/campaignFixture.js';
import { cli } from './run.js';

describe('seoib report (campaign seed 13)', () => {
  it('writes the HTML and Markdown reports of a campaign folder', async () => {
    const folder = await stormCampaign();
    const [html, md] = [join(folder, 'report.html'), join(folder, 'report.md')];
    const { code, out } = await cli('report', join(folder, 'results.json'), '--html', html, '--markdown', md);
    expect(code).toBe(0);
    expect(out).toBe(`wrote ${html}\nwrote ${md}\n`);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(md, 'utf8')).toMatch(/^# seoib fuzz campaign, seed 13/);
  });

  it('names a results file it cannot read, with one line and exit 2', async () => {
    const { code, err } = await cli('report', '/nonexistent/results.json', '--html', '/tmp/x.html');
    expect(code).toBe(2);
    expect(err).toBe('seoib: /nonexistent/results.json: $: cannot read it (ENOENT)\n');
  });

  it('asks for an output with one line and exit 2', async () => {
    const { code, err } = await cli('report', 'results.json');
    expect(code).toBe(2);
    expect(err).toBe('seoib: report: give --html <file>, --markdown <file> or both\n');
  });
});
