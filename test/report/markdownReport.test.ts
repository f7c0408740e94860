import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownReport } from '../../src/report/markdownReport.js';
import { loadReport, type ReportData } from '../../src/report/reportData.js';
import { stormCampaign } from './campaignFixture.js';

let data: ReportData;
beforeAll(async () => {
  data = loadReport(join(await stormCampaign(), 'results.json'));
});

describe('markdownReport (campaign seed 13)', () => {
  it('holds the matrix and one Mermaid sequence diagram per counterexample', () => {
    const text = markdownReport(data);
    expect(text).toContain('| upstream/ioapic-0x20/none/credential-guard | ');
    expect(text.match(/```mermaid\nsequenceDiagram\n/g)).toHaveLength(data.counterexamples.length);
    expect(text).toContain('### `no-storm` on upstream/ioapic-0x20/none/credential-guard');
    expect(text).toContain('  rect rgb(255, 205, 210)');
  });
});
