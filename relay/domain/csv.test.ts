import { describe, expect, it } from 'vitest';
import { csvLine } from './csv';

describe('csvLine', () => {
  it('quotes fields with commas, quotes and line breaks, doubling the quotes (RFC 4180)', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 3, true])).toBe('plain,"a,b","say ""hi""","two\nlines",3,true\r\n');
  });

  it('keeps a report-written formula as text in a spreadsheet', () => {
    expect(csvLine(['=HYPERLINK("http://evil","x")', '+1', '-2', '@SUM(A1)', '\tx'])).toBe(`"'=HYPERLINK(""http://evil"",""x"")",'+1,'-2,'@SUM(A1),'\tx\r\n`);
  });
});
